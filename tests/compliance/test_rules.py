"""Each rule fires and clears; evaluation is idempotent, keeps one open finding per
subject and rule, respects a person's resolution, and re-opens when a condition returns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.compliance.models import Finding, Rule
from apps.compliance.services import compliance_evaluate, finding_resolve, settings_get
from apps.people.models_proposals import Proposal
from apps.work.models import DueRule, Job, WorkflowTemplate
from tests.compliance.factories import old_document
from tests.portal.factories import make_client, make_document
from tests.work.factories import make_job, make_template

pytestmark = pytest.mark.django_db


def _open(rule: str) -> list[Finding]:
    return list(Finding.objects.filter(rule=rule, status=Finding.Status.OPEN))


def _evaluate(rule: str):
    return compliance_evaluate(rules=(rule,))


def _signed_letter(client) -> Proposal:
    return Proposal.objects.create(client=client, title="Engagement letter", terms="Terms",
                                   status=Proposal.Status.SIGNED, expires_on=timezone.localdate(),
                                   signed_at=timezone.now(), content_sha256="a" * 64,
                                   pdf_sha256="b" * 64)


def test_work_without_a_signed_letter_fires_and_clears_when_the_letter_is_signed(in_firm_a):
    client = make_client(business_name="Unsigned Ltd")
    make_job(client=client, due=timezone.localdate() + timedelta(days=30), route=False)
    signed_client = make_client()
    _signed_letter(signed_client)
    make_job(client=signed_client, due=timezone.localdate() + timedelta(days=30), route=False)

    _evaluate(Rule.NO_ENGAGEMENT_LETTER)

    [finding] = _open(Rule.NO_ENGAGEMENT_LETTER)
    assert (finding.subject_id, finding.subject_label, finding.summary) == (
        client.pk, "Unsigned Ltd", "1 open job, no signed engagement letter")

    _signed_letter(client)
    _evaluate(Rule.NO_ENGAGEMENT_LETTER)

    finding.refresh_from_db()
    assert (finding.status, finding.resolved_by_id, finding.cleared_at is not None) == (
        Finding.Status.RESOLVED, None, True)


def test_documents_past_retention_fire_per_client_and_follow_the_firm_setting(in_firm_a):
    client = make_client()
    old_document(client, years=8)
    old_document(client, years=9)
    make_document(client, days_old=30)

    _evaluate(Rule.RETENTION_EXPIRED)

    [finding] = _open(Rule.RETENTION_EXPIRED)
    assert finding.summary == "2 documents older than the 7-year retention period"
    assert finding.evidence["documents"] == 2

    settings = settings_get()
    settings.retention_years = 10
    settings.save()
    _evaluate(Rule.RETENTION_EXPIRED)

    assert _open(Rule.RETENTION_EXPIRED) == []


def test_staff_without_mfa_fire_and_clear_when_they_enrol(in_firm_a):
    TOTPDevice.objects.filter(user_id__in=[u.pk for u in in_firm_a.users.values()]).delete()
    TOTPDevice.objects.bulk_create([TOTPDevice(user_id=u.pk, name="app", confirmed=True)
                                    for role, u in in_firm_a.users.items()
                                    if role != Role.BOOKKEEPER])
    bookkeeper = in_firm_a.user(Role.BOOKKEEPER)

    _evaluate(Rule.STAFF_WITHOUT_MFA)

    # Client users are not staff: only the bookkeeper is flagged.
    assert [(f.subject_id, f.summary) for f in _open(Rule.STAFF_WITHOUT_MFA)] == [
        (bookkeeper.pk, "Bookkeeper signs in without two-step sign-in")]

    TOTPDevice.objects.create(user=bookkeeper, name="app", confirmed=True)
    _evaluate(Rule.STAFF_WITHOUT_MFA)

    assert _open(Rule.STAFF_WITHOUT_MFA) == []


def test_staff_without_mfa_is_silent_when_the_firm_does_not_require_it(in_firm_a):
    TOTPDevice.objects.filter(user_id__in=[u.pk for u in in_firm_a.users.values()]).delete()
    settings = settings_get()
    settings.staff_mfa_required = False
    settings.save()

    _evaluate(Rule.STAFF_WITHOUT_MFA)

    assert _open(Rule.STAFF_WITHOUT_MFA) == []


def _statutory_template() -> WorkflowTemplate:
    template = make_template("Form 1040")
    WorkflowTemplate.objects.filter(pk=template.pk).update(due_rule=DueRule.INDIVIDUAL_RETURN)
    template.refresh_from_db()
    return template


def test_statutory_deadlines_at_risk_fire_and_clear_when_the_job_is_done(in_firm_a):
    today = timezone.localdate()
    template = _statutory_template()
    soon = make_job(template, due=today + timedelta(days=5), route=False)  # nobody assigned
    late = make_job(template, due=today + timedelta(days=30), route=False)
    Job.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=2))
    make_job(template, due=today + timedelta(days=60), route=False)  # outside the window
    make_job(make_template("Own deadline"), due=today + timedelta(days=5), route=False)

    _evaluate(Rule.STATUTORY_DEADLINE)

    found = {f.subject_id: f.summary for f in _open(Rule.STATUTORY_DEADLINE)}
    assert set(found) == {soon.pk, late.pk}
    assert "due in 5 days: 4 h have nobody assigned" in found[soon.pk]
    assert "2 days overdue" in found[late.pk]

    Job.objects.filter(pk__in=[soon.pk, late.pk]).update(status=Job.Status.COMPLETED)
    _evaluate(Rule.STATUTORY_DEADLINE)

    assert _open(Rule.STATUTORY_DEADLINE) == []


def _reveals(user, count: int, *, days_ago: float = 1) -> None:
    """Reveal events as `apps.portal.identifiers` writes them, dated in the past (the
    trail takes INSERTs only, so the date is given at insert time)."""
    client = make_client()
    at = timezone.now() - timedelta(days=days_ago)
    AuditEvent.objects.bulk_create([
        AuditEvent(created_at=at, action=AuditAction.SENSITIVE_REVEALED, actor_id=user.pk,
                   actor_email=user.email, target_type="portal.client",
                   target_id=str(client.pk), details={"field": "ssn"})
        for _ in range(count)])


def test_unusual_reveals_fire_against_own_and_peer_rates_and_clear_later(in_firm_a):
    heavy, usual, peer = (in_firm_a.user(r) for r in (Role.TAX_PREPARER, Role.MANAGER,
                                                       Role.SENIOR_ACCOUNTANT))
    _reveals(usual, 60, days_ago=30)  # 5 a week usually: 12 this week is not unusual
    _reveals(usual, 12)
    _reveals(peer, 3)
    _reveals(heavy, 25)  # never before, peers' median 7.5: 25 > 3 x 7.5

    _evaluate(Rule.UNUSUAL_REVEALS)

    [finding] = _open(Rule.UNUSUAL_REVEALS)
    assert finding.subject_id == heavy.pk
    assert finding.evidence["reveals_7_days"] == 25
    assert finding.evidence["fields"] == {"ssn": 25}

    compliance_evaluate(rules=(Rule.UNUSUAL_REVEALS,), now=timezone.now() + timedelta(days=8))

    assert _open(Rule.UNUSUAL_REVEALS) == []


def test_evaluating_twice_changes_nothing_and_one_open_finding_is_enforced(in_firm_a):
    old_document(make_client())
    _evaluate(Rule.RETENTION_EXPIRED)
    first = list(Finding.objects.values_list("id", "status"))

    result = _evaluate(Rule.RETENTION_EXPIRED)

    assert (result.opened, result.updated) == (0, 1)
    assert list(Finding.objects.values_list("id", "status")) == first
    finding = Finding.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.create(rule=finding.rule, subject_type=finding.subject_type,
                               subject_id=finding.subject_id, subject_label="x", summary="x",
                               opened_at=timezone.now(), last_seen_at=timezone.now())


def test_a_resolution_stands_while_the_condition_holds_and_the_finding_reopens_when_it_returns(
        in_firm_a):
    client = make_client()
    document = old_document(client)
    _evaluate(Rule.RETENTION_EXPIRED)
    finding = Finding.objects.get()
    partner = in_firm_a.user(Role.PARTNER)
    finding_resolve(finding=finding, user=partner, note="Kept under a litigation hold")

    _evaluate(Rule.RETENTION_EXPIRED)
    assert _open(Rule.RETENTION_EXPIRED) == []  # the partner's decision stands

    document.deleted_at = timezone.now()
    document.save(update_fields=["deleted_at"])
    _evaluate(Rule.RETENTION_EXPIRED)  # condition gone
    old_document(client)
    _evaluate(Rule.RETENTION_EXPIRED)  # and back

    [reopened] = _open(Rule.RETENTION_EXPIRED)
    assert reopened.previous_id == finding.pk
    finding.refresh_from_db()
    assert (finding.resolved_by_email, finding.resolution_note) == (
        partner.email, "Kept under a litigation hold")


def _queries_to_evaluate_retention(clients: int) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(clients):
        old_document(make_client())
    with CaptureQueriesContext(connection) as first:
        _evaluate(Rule.RETENTION_EXPIRED)
    with CaptureQueriesContext(connection) as again:
        _evaluate(Rule.RETENTION_EXPIRED)
    return len(first), len(again)


def test_evaluation_runs_the_same_statements_for_2_or_12_subjects(in_firm_a):
    settings_get()  # the settings row exists in both runs
    few = _queries_to_evaluate_retention(2)
    Finding.objects.all().delete()
    many = _queries_to_evaluate_retention(10)  # 12 clients with old documents now

    assert Finding.objects.filter(status=Finding.Status.OPEN).count() == 12
    assert many == few
