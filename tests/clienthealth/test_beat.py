"""Both monitors are on the one beat schedule, fan out per firm, and name real tasks."""

from __future__ import annotations

import pytest

from advisoros.beat import BEAT_SCHEDULE
from advisoros.celery import app
from apps.clienthealth.models import ClientHealth
from apps.compliance.models import Finding
from tests.compliance.factories import old_document
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("entry_name", "task_name"), [
    ("clienthealth-refresh", "clienthealth.refresh"),
    ("compliance-evaluate", "compliance.evaluate"),
])
def test_the_hourly_entries_fan_out_to_a_registered_task(entry_name, task_name):
    entry = BEAT_SCHEDULE[entry_name]
    app.loader.import_default_modules()

    assert entry["task"] == "advisoros.tasks.dispatch_to_firms"
    assert entry["args"] == [task_name]
    assert entry["options"]["expires"] < 60 * 60  # under the hourly period
    assert task_name in app.tasks


def test_the_tasks_run_in_the_firm_and_twice_is_harmless(in_firm_a):
    client = make_client()
    old_document(client)

    for _ in range(2):
        app.tasks["clienthealth.refresh"].apply()
        app.tasks["compliance.evaluate"].apply()

    assert ClientHealth.objects.filter(client=client).count() == 1
    assert Finding.objects.filter(subject_id=client.pk, rule="retention_expired").count() == 1
