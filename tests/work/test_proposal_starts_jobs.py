"""A signed proposal starts brand-new jobs from the templates marked for it: one per
proposal ("every") or one per client ("first", the library's onboarding), recorded on the
job's timeline, exactly once under redelivery and concurrent deliveries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
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
    StartOnSigned,
    TemplateAutomation,
    Trigger,
    WorkflowTemplate,
)
from apps.work.proposal_signing import proposal_jobs_start, proposal_signed
from tests.portal.factories import give_access
from tests.work.factories import make_client, make_job, make_template

pytestmark = pytest.mark.django_db

LINES = [LineInput(service="2026 tax return", fee_type=FeeType.FIXED, amount="850",
                   engagement_type=Engagement.Type.TAX_RETURN)]


@pytest.fixture
def documents_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None}}}


def _sign(world, client, capture, title: str = "2027 engagement") -> Proposal:
    manager = world.user(Role.MANAGER)
    signer = world.user(Role.CLIENT_OWNER)
    if not client.accesses.filter(user=signer).exists():
        give_access(signer, client)
    proposal = proposal_create(client=client, title=title, terms="Our terms.",
                               expires_on=timezone.localdate() + timedelta(days=10),
                               lines=LINES, by=manager)
    proposal_send(proposal=proposal, by=manager)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9",
                                    HTTP_USER_AGENT="Mozilla/5.0 (Test)")
    with capture(execute=True):
        return proposal_sign(proposal=proposal, user=signer, signer_name="Bea Baker",
                             signature_kind=Proposal.SignatureKind.TYPED, consent=True,
                             request=request)


def _no_onboarding_at_signing() -> None:
    WorkflowTemplate.objects.filter(library_key="client_onboarding").update(
        start_on_proposal_signed=StartOnSigned.NEVER)


def test_a_template_marked_every_starts_one_new_job_per_signed_proposal(
        in_firm_a, celery_eager, documents_storage, django_capture_on_commit_callbacks):
    _no_onboarding_at_signing()
    client = make_client(business_name="Maple Bakery LLC")
    kickoff = make_template("Engagement kickoff")
    kickoff.start_on_proposal_signed = StartOnSigned.EVERY
    kickoff.save()
    # The kickoff template also listens to "proposal signed": the job the signature
    # starts must not hear it (not even on a redelivery), the job that was open must.
    TemplateAutomation.objects.create(template=kickoff, trigger=Trigger.PROPOSAL_SIGNED,
                                      action=Action.ADVANCE)
    earlier = make_job(kickoff, client=client, name="Earlier kickoff")

    proposal = _sign(in_firm_a, client, django_capture_on_commit_callbacks)

    started = Job.objects.get(client=client, template=kickoff, start_key=f"proposal:{proposal.pk}")
    assert started.name == "Engagement kickoff — Maple Bakery LLC"
    assert started.engagement.type == Engagement.Type.TAX_RETURN  # its one engagement
    assert started.timeline.filter(
        message="Started because Maple Bakery LLC signed “2027 engagement”").exists()
    assert started.stage.position == 1
    earlier.refresh_from_db()
    assert earlier.stage.position == 2
    assert not AutomationRun.objects.filter(job=started,
                                            automation__trigger=Trigger.PROPOSAL_SIGNED).exists()

    # Delivered again: no second job, and the new job still hears nothing.
    line = proposal.lines.get()
    proposal_signed(proposal_id=proposal.pk, engagements=[(line.pk, started.engagement_id)])
    assert AutomationRun.objects.filter(job=earlier).count() == 1
    earlier.refresh_from_db()
    assert earlier.stage.position == 2
    assert Job.objects.filter(client=client, template=kickoff).count() == 2
    started.refresh_from_db()
    assert started.stage.position == 1

    # A second proposal is a second kickoff.
    second = _sign(in_firm_a, client, django_capture_on_commit_callbacks, title="Payroll")
    assert Job.objects.filter(client=client, template=kickoff,
                              start_key=f"proposal:{second.pk}").count() == 1


def test_onboarding_starts_when_a_client_without_one_signs_once_per_client(
        in_firm_a, celery_eager, documents_storage, django_capture_on_commit_callbacks):
    onboarding = WorkflowTemplate.objects.get(library_key="client_onboarding")
    assert onboarding.start_on_proposal_signed == StartOnSigned.FIRST  # the library's rule
    newcomer = make_client(business_name="Fresh Start Co")
    regular = make_client(business_name="Old Hand Inc")
    by_hand = make_job(onboarding, client=regular, name="Onboarding by hand")

    _sign(in_firm_a, newcomer, django_capture_on_commit_callbacks)
    _sign(in_firm_a, newcomer, django_capture_on_commit_callbacks, title="Second")
    _sign(in_firm_a, regular, django_capture_on_commit_callbacks)

    job = Job.objects.get(client=newcomer, template=onboarding)
    assert job.start_key == "once"
    assert job.timeline.filter(message__startswith="Started because Fresh Start Co signed").exists()
    assert list(Job.objects.filter(client=regular, template=onboarding)) == [by_hand]


def test_the_template_page_sets_when_a_signature_starts_a_job(firm_a):
    connection.set_tenant(firm_a.firm)
    manager = firm_a.client(Role.MANAGER)
    template = make_template("Kickoff")
    form = {"name": "Kickoff", "due_rule": "none", "extension_months": 0,
            "outline": "Start | required\n- Call the client | 1 h | -1 days\nDone | required"}

    saved = manager.post(f"/work/templates/{template.pk}/edit/",
                         {**form, "start_on_proposal_signed": "every"})
    junk = manager.post(f"/work/templates/{template.pk}/edit/",
                        {**form, "start_on_proposal_signed": "sometimes"})

    assert saved.status_code == 302
    assert junk.status_code == 400
    assert "Select a valid choice" in junk.content.decode()
    template.refresh_from_db()
    assert template.start_on_proposal_signed == StartOnSigned.EVERY
    page = manager.get(f"/work/templates/{template.pk}/edit/").content.decode()
    assert "Start when a client signs a proposal" in page


def test_concurrent_deliveries_start_the_job_once(_two_firms, django_db_blocker):
    """Four workers start the jobs of the same signature at once, each on its own
    connection, on committed rows: one job per template. Rows are removed afterwards."""
    from apps.portal.models import Client
    from tests.work.threads import Race

    world = _two_firms[0]
    race = Race(racers=4)
    ids = race.ids

    def setup() -> None:
        client = make_client(business_name="Concurrent kickoff")
        template = make_template("Concurrent kickoff flow")
        template.start_on_proposal_signed = StartOnSigned.EVERY
        template.save()
        proposal = proposal_create(client=client, title="Concurrent", terms="Terms.",
                                   expires_on=timezone.localdate() + timedelta(days=3),
                                   lines=LINES, by=world.user(Role.MANAGER))
        ids.update(client=client.pk, proposal=proposal.pk, template=template.pk)

    def deliver() -> None:
        proposal = Proposal.objects.select_related("client").get(pk=ids["proposal"])
        race.start.wait(timeout=30)
        jobs = proposal_jobs_start(proposal=proposal)
        race.results.append(sum(1 for job in jobs if job.template_id == ids["template"]))

    def count_and_clean_up() -> None:
        jobs = Job.objects.filter(client_id=ids["client"])
        race.counts["jobs"] = jobs.filter(template_id=ids["template"]).count()
        jobs.delete()
        Proposal.objects.filter(pk=ids["proposal"]).delete()
        Client.objects.filter(pk=ids["client"]).delete()
        WorkflowTemplate.objects.filter(pk=ids["template"]).delete()

    race.run(world.firm, django_db_blocker, setup=setup, racer=deliver,
             settle=count_and_clean_up)

    assert race.errors == []
    assert sorted(race.results) == [0, 0, 0, 1]
    assert race.counts == {"jobs": 1}
