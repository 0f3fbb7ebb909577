"""A signed proposal starts work: a recurring schedule for each recurring fee line (with
the library template that fits it), and the "proposal signed" trigger on the client's open
jobs. Both exactly once, however often the task is delivered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from apps.accounts.roles import Role
from apps.people.models_proposals import FeeType, Proposal
from apps.people.proposals import LineInput, proposal_create, proposal_send, proposal_sign
from apps.portal.models import Engagement
from apps.work.models import (
    Action,
    AutomationRun,
    Job,
    RecurringSchedule,
    TemplateAutomation,
    Trigger,
)
from apps.work.proposal_signing import proposal_signed
from apps.work.recurring import recurring_jobs_generate
from tests.portal.factories import give_access
from tests.work.factories import make_client, make_job, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None}}}


LINES = [
    LineInput(service="Monthly bookkeeping", fee_type=FeeType.RECURRING, amount="450",
              frequency="monthly", engagement_type=Engagement.Type.BOOKKEEPING),
    LineInput(service="Quarterly CFO review", fee_type=FeeType.RECURRING, amount="1200",
              frequency="quarterly", engagement_type=Engagement.Type.CFO_ADVISORY),
    LineInput(service="2026 tax return", fee_type=FeeType.FIXED, amount="850",
              engagement_type=Engagement.Type.TAX_RETURN),
    # No library template does audits: no schedule, and nothing else held up.
    LineInput(service="Annual review", fee_type=FeeType.RECURRING, amount="3000",
              frequency="yearly", engagement_type=Engagement.Type.AUDIT),
]


def _signed(world, client, django_capture_on_commit_callbacks) -> Proposal:
    manager = world.user(Role.MANAGER)
    signer = world.user(Role.CLIENT_OWNER)
    give_access(signer, client)
    proposal = proposal_create(client=client, title="2027 engagement", terms="Our terms.",
                               expires_on=timezone.localdate() + timedelta(days=10),
                               lines=LINES, by=manager)
    proposal_send(proposal=proposal, by=manager)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9",
                                    HTTP_USER_AGENT="Mozilla/5.0 (Test)")
    with django_capture_on_commit_callbacks(execute=True):
        return proposal_sign(proposal=proposal, user=signer, signer_name="Bea Baker",
                             signature_kind=Proposal.SignatureKind.TYPED, consent=True,
                             request=request)


def test_signing_schedules_each_recurring_line_once(
        in_firm_a, celery_eager, documents_storage, django_capture_on_commit_callbacks):
    client = make_client(business_name="Maple Bakery LLC")

    proposal = _signed(in_firm_a, client, django_capture_on_commit_callbacks)

    schedules = {s.frequency: s for s in RecurringSchedule.objects.filter(
        engagement__client=client).select_related("template", "engagement", "proposal_line")}
    assert set(schedules) == {"monthly", "quarterly"}
    monthly, quarterly = schedules["monthly"], schedules["quarterly"]
    assert monthly.template.library_key == "monthly_close"
    assert monthly.engagement.type == Engagement.Type.BOOKKEEPING
    assert monthly.proposal_line.service == "Monthly bookkeeping"
    assert monthly.assignee_id == in_firm_a.users[Role.MANAGER].pk
    assert quarterly.template.library_key == "quarterly_cfo_review"
    assert quarterly.engagement.type == Engagement.Type.CFO_ADVISORY
    today = timezone.localdate()
    assert monthly.first_period == today.replace(day=1)

    # The task delivered again (and once more with the pairs read back): nothing new.
    pairs = [(s.proposal_line_id, s.engagement_id) for s in schedules.values()]
    assert proposal_signed(proposal_id=proposal.pk, engagements=pairs) == 0
    assert RecurringSchedule.objects.filter(engagement__client=client).count() == 2

    # Beat makes this period's close for the new client, once.
    recurring_jobs_generate(today=today)
    recurring_jobs_generate(today=today)
    close = Job.objects.get(schedule=monthly)
    assert close.name == f"Monthly close {today:%Y-%m}" and close.client == client
    assert Job.objects.filter(schedule__in=schedules.values()).count() == 2


def test_signing_fires_the_trigger_on_the_clients_open_jobs_once(
        in_firm_a, celery_eager, documents_storage, django_capture_on_commit_callbacks):
    client = make_client(business_name="Maple Bakery LLC")
    template = make_template("Onboarding flow")
    TemplateAutomation.objects.create(template=template, trigger=Trigger.PROPOSAL_SIGNED,
                                      action=Action.ADVANCE)
    job = make_job(template, client=client)
    other = make_job(template)  # another client's job hears nothing
    first_stage = job.stage

    proposal = _signed(in_firm_a, client, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.stage.position == first_stage.position + 1
    run = AutomationRun.objects.get(job=job)
    assert run.event_key == f"proposal_signed:{proposal.pk}"
    assert run.status == AutomationRun.Status.SUCCEEDED
    assert not AutomationRun.objects.filter(job=other).exists()

    proposal_signed(proposal_id=proposal.pk, engagements=[])
    job.refresh_from_db()
    assert job.stage.position == first_stage.position + 1
    assert AutomationRun.objects.filter(job=job).count() == 1


def test_an_unsigned_proposal_starts_nothing(in_firm_a):
    client = make_client()
    manager = in_firm_a.user(Role.MANAGER)
    proposal = proposal_create(client=client, title="Draft", terms="Terms.",
                               expires_on=timezone.localdate() + timedelta(days=3),
                               lines=LINES[:1], by=manager)
    engagement = Engagement.objects.create(client=client, type="bookkeeping",
                                           status="active", start_date=timezone.localdate(),
                                           fee=Decimal("0"))
    line = proposal.lines.get()
    assert proposal_signed(proposal_id=proposal.pk,
                           engagements=[(line.pk, engagement.pk)]) == 0
    assert not RecurringSchedule.objects.exists()


def test_concurrent_deliveries_make_one_schedule(_two_firms, django_db_blocker):
    """Four workers handle the same signature at once, each on its own connection, on
    committed rows: the line gets one schedule. Rows are removed afterwards."""
    from apps.people.models_proposals import ProposalLine
    from tests.work.threads import Race

    world = _two_firms[0]
    race = Race(racers=4)
    ids = race.ids

    def setup() -> None:
        client = make_client(business_name="Concurrent signer")
        proposal = proposal_create(client=client, title="Concurrent", terms="Terms.",
                                   expires_on=timezone.localdate() + timedelta(days=3),
                                   lines=LINES[:1], by=world.user(Role.MANAGER))
        engagement = Engagement.objects.create(
            client=client, type="bookkeeping", status="active",
            start_date=timezone.localdate(), fee=Decimal("0"))
        ids.update(client=client.pk, proposal=proposal.pk, engagement=engagement.pk,
                   line=proposal.lines.get().pk)

    def deliver() -> None:
        from apps.work.proposal_signing import proposal_schedules_create

        race.start.wait(timeout=30)
        race.results.append(len(proposal_schedules_create(
            engagements=[(ids["line"], ids["engagement"])])))

    def count_and_clean_up() -> None:
        from apps.portal.models import Client

        schedules = RecurringSchedule.objects.filter(engagement_id=ids["engagement"])
        race.counts["schedules"] = schedules.count()
        schedules.delete()
        ProposalLine.objects.filter(proposal_id=ids["proposal"]).delete()
        Proposal.objects.filter(pk=ids["proposal"]).delete()
        Engagement.objects.filter(pk=ids["engagement"]).delete()
        Client.objects.filter(pk=ids["client"]).delete()

    race.run(world.firm, django_db_blocker, setup=setup, racer=deliver,
             settle=count_and_clean_up)

    assert race.errors == []
    assert sorted(race.results) == [0, 0, 0, 1]
    assert race.counts == {"schedules": 1}
