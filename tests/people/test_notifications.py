"""Notification centre preferences and the daily digest."""

from __future__ import annotations

import pytest
from django.db import connection

from advisoros.beat import BEAT_SCHEDULE
from apps.accounts.roles import Role
from apps.people.models import Notification
from apps.people.notifications import notifications_digest, notify, preference_set
from apps.people.tasks import notifications_digest_task
from tests.people.smtp import bodies

pytestmark = pytest.mark.django_db


def test_preferences_decide_in_app_entries_and_emails(
        in_firm_a, smtp, celery_eager, django_capture_on_commit_callbacks):
    quiet, loud = in_firm_a.users[Role.MANAGER], in_firm_a.users[Role.PARTNER]
    preference_set(user_id=quiet.pk, in_app=False, email=False, daily_digest=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify(user_ids=[quiet.pk, loud.pk], kind=Notification.Kind.PROPOSAL_SIGNED,
               title="Proposal signed by Maple Bakery LLC", url="/people/")

    assert list(Notification.objects.values_list("user_id", flat=True)) == [loud.pk]
    [email] = smtp.wait_for(1)
    assert email["To"] == loud.email
    assert email["Subject"] == "Proposal signed at Alpha CPA"
    assert "Maple Bakery" not in bodies(email)[0]


def test_the_preferences_form_saves_the_choices(firm_a):
    browser = firm_a.client(Role.CLIENT_MEMBER)

    response = browser.post("/notifications/preferences/", {"daily_digest": "on"})

    assert response.status_code == 302
    page = browser.get("/notifications/").content.decode()
    assert 'name="daily_digest" id="id_daily_digest" checked' in page
    assert 'name="email" id="id_email" checked' not in page


def test_the_daily_digest_sends_one_summary_once(
        in_firm_a, smtp, celery_eager, django_capture_on_commit_callbacks):
    reader = in_firm_a.users[Role.CLIENT_OWNER]
    preference_set(user_id=reader.pk, in_app=True, email=False, daily_digest=True)
    for n in range(3):
        notify(user_ids=[reader.pk], kind=Notification.Kind.MESSAGE, title=f"Message {n}",
               url="/notifications/")

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_digest_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_digest() == 0  # nothing new: a rerun sends nothing

    [email] = smtp.wait_for(1)
    text, _ = bodies(email)
    assert email["To"] == reader.email and "New message: 3" in text
    assert "Message 0" not in text
    assert connection.schema_name == in_firm_a.firm.schema_name


def test_the_digest_is_in_the_beat_schedule_with_an_expiry():
    entry = BEAT_SCHEDULE["people-notifications-digest"]
    assert entry["args"] == ["people.notifications_digest"]
    assert entry["options"]["expires"] < 24 * 60 * 60
