"""The rules: each one reads the firm's current state and returns its violations, keyed
by subject. Reads only (through the other apps' models and selectors); what to do with
the verdicts is `evaluation.compliance_evaluate`'s business.

Each rule is a few set-based queries, whatever the firm's size: counts are grouped in
the database, and only violating subjects come back to Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count, Min

from apps.accounts.models import Membership
from apps.accounts.roles import STAFF_ROLES
from apps.audit.models import AuditAction, AuditEvent
from apps.compliance.models import ComplianceSettings, Rule
from apps.documents.models import Document
from apps.people.models_proposals import Proposal
from apps.portal.selectors import current_firm
from apps.security.mfa import user_has_mfa
from apps.work.capacity import jobs_at_risk
from apps.work.models import DueRule, Job

# Due rules that follow a tax authority's calendar (the others are the firm's own).
STATUTORY_DUE_RULES = (DueRule.INDIVIDUAL_RETURN, DueRule.PASS_THROUGH_RETURN,
                       DueRule.QUARTERLY_ESTIMATE)


@dataclass(frozen=True)
class Violation:
    label: str  # the subject, for people: a client's name, a person's email, a job
    summary: str  # what is wrong, in one sentence
    evidence: dict = field(default_factory=dict)


Verdicts = dict[tuple[str, int], Violation]


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def no_engagement_letter(settings: ComplianceSettings, now: datetime) -> Verdicts:
    """Clients with open jobs and no signed proposal (the engagement letter)."""
    signed = Proposal.objects.filter(status=Proposal.Status.SIGNED).values("client_id")
    rows = (Job.objects.filter(status=Job.Status.OPEN, client__deleted_at__isnull=True)
            .exclude(client_id__in=signed)
            .values("client_id", "client__business_name")
            .annotate(jobs=Count("id"), first_due=Min("due_date")))
    waiting = dict(Proposal.objects.filter(status=Proposal.Status.SENT)
                   .values("client_id").annotate(n=Count("id")).values_list("client_id", "n"))
    out: Verdicts = {}
    for row in rows:
        pending = waiting.get(row["client_id"], 0)
        note = (f" ({_plural(pending, 'proposal')} waiting for signature)" if pending else "")
        out[("client", row["client_id"])] = Violation(
            label=row["client__business_name"],
            summary=f"{_plural(row['jobs'], 'open job')}, no signed engagement letter{note}",
            evidence={"open_jobs": row["jobs"], "first_due": row["first_due"].isoformat(),
                      "proposals_waiting": pending})
    return out


def retention_cutoff(settings: ComplianceSettings, now: datetime) -> datetime:
    return now - timedelta(days=round(365.25 * settings.retention_years))


def retention_expired(settings: ComplianceSettings, now: datetime) -> Verdicts:
    """Per client: documents kept longer than the firm's retention period."""
    cutoff = retention_cutoff(settings, now)
    rows = (Document.objects.filter(deleted_at__isnull=True, created_at__lt=cutoff,
                                    client__deleted_at__isnull=True)
            .values("client_id", "client__business_name")
            .annotate(n=Count("id"), oldest=Min("created_at")))
    return {("client", row["client_id"]): Violation(
        label=row["client__business_name"],
        summary=(f"{_plural(row['n'], 'document')} older than the "
                 f"{settings.retention_years}-year retention period"),
        evidence={"documents": row["n"], "oldest": row["oldest"].date().isoformat(),
                  "retention_years": settings.retention_years,
                  "cutoff": cutoff.date().isoformat()})
        for row in rows}


def staff_without_mfa(settings: ComplianceSettings, now: datetime) -> Verdicts:
    """Active staff of this firm with no confirmed second factor."""
    if not settings.staff_mfa_required:
        return {}
    members = (Membership.objects.filter(firm_id=current_firm().pk, is_active=True,
                                         role__in=STAFF_ROLES, user__is_active=True)
               .select_related("user"))
    return {("user", m.user_id): Violation(
        label=m.user.email,
        summary=f"{m.get_role_display()} signs in without two-step sign-in",
        evidence={"role": m.get_role_display(),
                  "member_since": m.created_at.date().isoformat()})
        for m in members if not user_has_mfa(m.user)}


def statutory_deadline(settings: ComplianceSettings, now: datetime) -> Verdicts:
    """Open jobs with a statutory due date that are overdue, or due within the warning
    window and at risk by the work app's capacity check."""
    today = now.date()
    horizon = today + timedelta(days=settings.deadline_warning_days)
    jobs = {j["id"]: j for j in Job.objects.filter(
        status=Job.Status.OPEN, template__due_rule__in=STATUTORY_DUE_RULES,
        due_date__lte=horizon, client__deleted_at__isnull=True)
        .values("id", "name", "due_date", "client__business_name", "template__due_rule")}
    if not jobs:
        return {}
    risky = {r.job_id: r for r in jobs_at_risk(current_firm().pk, today=today)}
    out: Verdicts = {}
    for job_id, job in jobs.items():
        days_left = (job["due_date"] - today).days
        risk = risky.get(job_id)
        if days_left >= 0 and risk is None:
            continue
        when = (f"{_plural(-days_left, 'day')} overdue" if days_left < 0
                else f"due in {_plural(days_left, 'day')}")
        why = risk.reason if risk is not None else "past its due date"
        out[("job", job_id)] = Violation(
            label=f"{job['name']} ({job['client__business_name']})",
            summary=f"Statutory deadline {job['due_date']:%b %-d, %Y}, {when}: {why}",
            evidence={"due_date": job["due_date"].isoformat(), "days_left": days_left,
                      "deadline": DueRule(job["template__due_rule"]).label,
                      "hours_left": str(risk.hours_left) if risk else None,
                      "hours_free": str(risk.hours_free) if risk else None})
    return out


def unusual_reveals(settings: ComplianceSettings, now: datetime) -> Verdicts:
    """People who revealed far more sensitive fields this week than they usually do and
    than their peers do (the reveal audit trail)."""
    week_ago, baseline_from = now - timedelta(days=7), now - timedelta(days=7 * 13)
    reveals = AuditEvent.objects.filter(action=AuditAction.SENSITIVE_REVEALED,
                                        actor_id__isnull=False)
    this_week = Counter(dict(reveals.filter(created_at__gte=week_ago)
                             .values("actor_id").annotate(n=Count("id"))
                             .values_list("actor_id", "n")))
    if not this_week:
        return {}
    before = dict(reveals.filter(created_at__gte=baseline_from, created_at__lt=week_ago)
                  .values("actor_id").annotate(n=Count("id")).values_list("actor_id", "n"))
    out: Verdicts = {}
    for actor_id, count in this_week.items():
        peers = [n for other, n in this_week.items() if other != actor_id]
        peer_median = median(peers) if peers else 0
        usual = before.get(actor_id, 0) / 12
        limit = settings.reveal_multiplier * max(usual, peer_median)
        if count < settings.reveal_min_count or count <= limit:
            continue
        detail = reveals.filter(created_at__gte=week_ago, actor_id=actor_id)
        fields: dict[str, int] = defaultdict(int)
        for value in detail.values_list("details__field", flat=True):
            fields[str(value or "unknown")] += 1
        clients = detail.values("target_id").distinct().count()
        email = detail.values_list("actor_email", flat=True).first() or f"user {actor_id}"
        out[("user", actor_id)] = Violation(
            label=email,
            summary=(f"{_plural(count, 'reveal')} of sensitive fields in 7 days "
                     f"({_plural(clients, 'client')}); usually {usual:.1f} a week, "
                     f"peers {peer_median:g}"),
            evidence={"reveals_7_days": count, "clients": clients,
                      "usual_per_week": round(usual, 1), "peer_median": peer_median,
                      "fields": dict(fields)})
    return out


RULES = {
    Rule.NO_ENGAGEMENT_LETTER: no_engagement_letter,
    Rule.RETENTION_EXPIRED: retention_expired,
    Rule.STAFF_WITHOUT_MFA: staff_without_mfa,
    Rule.STATUTORY_DEADLINE: statutory_deadline,
    Rule.UNUSUAL_REVEALS: unusual_reveals,
}
