"""Reads for the compliance pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.compliance.models import DeletionRequest, Finding, Rule

PAGE_SIZE = 100


def findings_list(*, status: str = "open", rule: str = "") -> QuerySet[Finding]:
    rows = Finding.objects.all()
    if status in Finding.Status.values:
        rows = rows.filter(status=status)
    if rule in Rule.values:
        rows = rows.filter(rule=rule)
    return rows.order_by("-opened_at", "-id")[:PAGE_SIZE]


def open_counts_by_rule() -> list[tuple[str, str, int]]:
    counts = dict(Finding.objects.filter(status=Finding.Status.OPEN).values("rule")
                  .annotate(n=Count("id")).values_list("rule", "n"))
    return [(rule.value, rule.label, counts.get(rule.value, 0)) for rule in Rule]


def finding_get(*, finding_id: int) -> Finding | None:
    return Finding.objects.select_related("previous").filter(pk=finding_id).first()


def finding_deletions(*, finding: Finding) -> list[DeletionRequest]:
    return list(finding.deletions.order_by("-requested_at", "-id"))


def deletions_pending() -> QuerySet[DeletionRequest]:
    return (DeletionRequest.objects.filter(status=DeletionRequest.Status.PENDING)
            .select_related("finding").order_by("requested_at", "id"))


EVIDENCE_LABELS = {
    "open_jobs": "Open jobs", "first_due": "First due", "proposals_waiting":
    "Proposals waiting for signature", "documents": "Documents past retention",
    "oldest": "Oldest uploaded", "retention_years": "Retention (years)",
    "cutoff": "Uploaded before", "role": "Role", "member_since": "Member since",
    "due_date": "Due date", "days_left": "Days left", "deadline": "Deadline rule",
    "hours_left": "Hours of work left", "hours_free": "Hours its people have free",
    "reveals_7_days": "Reveals in the last 7 days", "clients": "Clients concerned",
    "usual_per_week": "Usual reveals a week (12 weeks before)",
    "peer_median": "Peers' median this week", "fields": "Fields revealed",
}
FIELD_LABELS = {"ssn": "SSN", "tax_id": "Tax ID", "bank_account": "Bank account"}


def evidence_rows(finding: Finding) -> list[tuple[str, str]]:
    """The evidence as (label, value) lines people can read."""
    rows = []
    for key, value in finding.evidence.items():
        if isinstance(value, dict):
            value = ", ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in value.items())
        rows.append((EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize()),
                     "—" if value is None else str(value)))
    return rows
