"""Every work API endpoint that takes a body refuses a bad one with a 400 in one shape
(advisoros/api.py::validated_body), and writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.work.models import Job, TimeEntry
from tests.work.factories import make_job

pytestmark = pytest.mark.django_db
API = "/api/v1/work"

NOT_JSON = ("{not json", {"non_field_errors": ["The body is not valid JSON: send a JSON "
                                               "object."]})
AN_ARRAY = ("[1, 2]", {"non_field_errors": ["Send a JSON object."]})


def _endpoints(job: Job) -> dict[str, tuple[str, str]]:
    """Each endpoint with the field a body without it is refused for."""
    return {"job create": (f"{API}/jobs/", "template"),
            "job move": (f"{API}/jobs/{job.pk}/move/", "stage"),
            "time entry": (f"{API}/time-entries/", "job")}


@pytest.mark.parametrize("endpoint", ["job create", "job move", "time entry"])
def test_a_bad_body_is_a_400_with_messages_and_writes_nothing(firm_a, endpoint):
    connection.set_tenant(firm_a.firm)
    job = make_job()
    url, required = _endpoints(job)[endpoint]
    before = (Job.objects.count(), TimeEntry.objects.count(), job.stage_id)
    manager = firm_a.client(Role.MANAGER)

    answers = [manager.post(url, body, content_type="application/json")
               for body in (NOT_JSON[0], AN_ARRAY[0], "{}")]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert answers[0].json() == NOT_JSON[1]
    assert answers[1].json() == AN_ARRAY[1]
    assert answers[2].json()[required] == ["This field is required."]
    job.refresh_from_db()
    assert (Job.objects.count(), TimeEntry.objects.count(), job.stage_id) == before
