"""Compliance writes: evaluating the rules into findings, resolving a finding, the firm's
settings, and the two-person deletion of documents past retention.

Evaluation is idempotent: for every rule it opens a finding for a new violation, refreshes
the evidence of an open one, closes an open one whose condition is gone, and opens a new
one (naming the one before) when a condition returns after its finding was closed. It runs
under a per-firm advisory lock, and the partial unique index on open findings makes a
second open finding for one rule and subject impossible in any case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.services import audit_record
from apps.compliance.models import ComplianceSettings, DeletionRequest, Finding, Rule
from apps.compliance.rules import RULES, Violation, retention_cutoff
from apps.documents.models import Document
from apps.documents.services import document_delete

logger = logging.getLogger(__name__)

CLEARED_NOTE = "The condition no longer holds."
# Audit actions of this app (the trail stores the action text; see docs/compliance.md).
AUDIT_FINDING_RESOLVED = "compliance.finding_resolved"
AUDIT_DELETION_REQUESTED = "compliance.deletion_requested"
AUDIT_DELETION_APPROVED = "compliance.deletion_approved"
AUDIT_DELETION_REJECTED = "compliance.deletion_rejected"


def settings_get() -> ComplianceSettings:
    settings, _ = ComplianceSettings.objects.get_or_create(pk=1)
    return settings


@transaction.atomic
def settings_update(*, retention_years: int, staff_mfa_required: bool,
                    deadline_warning_days: int, reveal_min_count: int,
                    reveal_multiplier: int) -> ComplianceSettings:
    errors = {}
    if not 1 <= retention_years <= 100:
        errors["retention_years"] = ["Keep documents between 1 and 100 years."]
    if not 1 <= deadline_warning_days <= 120:
        errors["deadline_warning_days"] = ["Warn between 1 and 120 days ahead."]
    if not 1 <= reveal_min_count <= 10000:
        errors["reveal_min_count"] = ["Choose between 1 and 10,000 reveals."]
    if not 2 <= reveal_multiplier <= 100:
        errors["reveal_multiplier"] = ["Choose a multiple between 2 and 100."]
    if errors:
        raise ValidationError(errors)
    settings = settings_get()
    settings.retention_years = retention_years
    settings.staff_mfa_required = staff_mfa_required
    settings.deadline_warning_days = deadline_warning_days
    settings.reveal_min_count = reveal_min_count
    settings.reveal_multiplier = reveal_multiplier
    settings.save()
    return settings


@dataclass(frozen=True)
class EvaluationResult:
    opened: int = 0
    updated: int = 0
    cleared: int = 0
    skipped: bool = False


def _apply(rule: str, verdicts: dict[tuple[str, int], Violation], now: datetime
           ) -> tuple[int, int, int]:
    """Turn one rule's verdicts into findings with a fixed number of statements, however
    many subjects (bulk inserts and updates; 10,000 findings in a few seconds)."""
    # The newest finding per subject of this rule (one query).
    latest: dict[tuple[str, int], Finding] = {}
    for finding in Finding.objects.filter(rule=rule).order_by("subject_type", "subject_id",
                                                              "-id"):
        latest.setdefault((finding.subject_type, finding.subject_id), finding)
    new: list[Finding] = []
    seen: list[int] = []
    changed: list[Finding] = []
    for key, violation in verdicts.items():
        finding = latest.get(key)
        text = (violation.summary[:300], violation.evidence, violation.label[:200])
        if finding is not None and finding.status == Finding.Status.OPEN:
            seen.append(finding.pk)
            if (finding.summary, finding.evidence, finding.subject_label) != text:
                finding.summary, finding.evidence, finding.subject_label = text
                changed.append(finding)
            continue
        if finding is not None and finding.cleared_at is None:
            # Closed by a person while the condition still held: their decision stands
            # until the condition goes away and comes back.
            continue
        new.append(Finding(rule=rule, subject_type=key[0], subject_id=key[1],
                           subject_label=text[2], summary=text[0], evidence=text[1],
                           opened_at=now, last_seen_at=now, previous=finding))
    gone_open = [f.pk for key, f in latest.items() if key not in verdicts
                 and f.cleared_at is None and f.status == Finding.Status.OPEN]
    gone_closed = [f.pk for key, f in latest.items() if key not in verdicts
                   and f.cleared_at is None and f.status != Finding.Status.OPEN]
    Finding.objects.bulk_create(new, batch_size=1000)
    Finding.objects.filter(pk__in=seen).update(last_seen_at=now)
    Finding.objects.bulk_update(changed, ["summary", "evidence", "subject_label"],
                                batch_size=1000)
    Finding.objects.filter(pk__in=gone_open).update(
        status=Finding.Status.RESOLVED, resolved_at=now, resolution_note=CLEARED_NOTE,
        cleared_at=now)
    Finding.objects.filter(pk__in=gone_closed).update(cleared_at=now)
    return len(new), len(seen), len(gone_open)


def compliance_evaluate(*, now: datetime | None = None,
                        rules: tuple[str, ...] | None = None) -> EvaluationResult:
    """Run every rule (or the given ones) for the connection's firm."""
    now = now or timezone.now()
    settings = settings_get()
    totals = [0, 0, 0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))",
                       [f"compliance-evaluate:{connection.schema_name}"])
        if not cursor.fetchone()[0]:
            return EvaluationResult(skipped=True)
        for rule, check in RULES.items():
            if rules is not None and rule not in rules:
                continue
            # One rule failing (bad data) must not hold up the others.
            try:
                with transaction.atomic():
                    counts = _apply(rule, check(settings, now), now)
            except Exception:
                logger.exception("compliance rule %s failed in %s", rule,
                                 connection.schema_name)
                continue
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
    logger.info("compliance evaluation of %s: %s opened, %s updated, %s cleared",
                connection.schema_name, *totals)
    return EvaluationResult(*totals)


def _note(text: str, *, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text or "\x00" in text or len(text) > 2000:
        raise ValidationError({field: [f"Say {what} (up to 2,000 characters)."]})
    return text


@transaction.atomic
def finding_resolve(*, finding: Finding, user, note: str,
                    request: HttpRequest | None = None) -> Finding:
    note = _note(note, field="note", what="what was done or why it is acceptable")
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.status != Finding.Status.OPEN:
        raise ValidationError({"note": ["This finding is already resolved."]})
    locked.status, locked.resolved_at = Finding.Status.RESOLVED, timezone.now()
    locked.resolved_by_id, locked.resolved_by_email = user.pk, user.email
    locked.resolution_note = note
    locked.save(update_fields=["status", "resolved_at", "resolved_by_id", "resolved_by_email",
                               "resolution_note"])
    audit_record(action=AUDIT_FINDING_RESOLVED, request=request, actor=user, target=locked,
                 details={"rule": locked.rule, "subject": locked.subject_label, "note": note})
    return locked


def _expired_documents(client_id: int, settings: ComplianceSettings):
    return Document.objects.filter(client_id=client_id, deleted_at__isnull=True,
                                   created_at__lt=retention_cutoff(settings, timezone.now()))


@transaction.atomic
def deletion_request_create(*, finding: Finding, user, reason: str,
                            request: HttpRequest | None = None) -> DeletionRequest:
    """Propose deleting the client's documents that are past retention now (the list is
    fixed here: an approval deletes these and no others)."""
    reason = _note(reason, field="reason", what="why these documents may go")
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.rule != Rule.RETENTION_EXPIRED or locked.status != Finding.Status.OPEN:
        raise ValidationError({"reason": ["Only an open retention finding can lead to a "
                                          "deletion."]})
    if locked.deletions.filter(status=DeletionRequest.Status.PENDING).exists():
        raise ValidationError({"reason": ["A deletion of these documents is already waiting "
                                          "for approval."]})
    ids = list(_expired_documents(locked.subject_id, settings_get())
               .order_by("id").values_list("id", flat=True))
    if not ids:
        raise ValidationError({"reason": ["No document of this client is past retention "
                                          "any more."]})
    deletion = DeletionRequest.objects.create(
        finding=locked, client_id=locked.subject_id, document_ids=ids, reason=reason,
        requested_by_id=user.pk, requested_by_email=user.email, requested_at=timezone.now())
    audit_record(action=AUDIT_DELETION_REQUESTED, request=request, actor=user,
                 target=deletion, details={"client_id": locked.subject_id,
                                           "documents": len(ids), "reason": reason})
    return deletion


def _decide(deletion: DeletionRequest, user, note: str) -> DeletionRequest:
    locked = DeletionRequest.objects.select_for_update().get(pk=deletion.pk)
    if locked.status != DeletionRequest.Status.PENDING:
        raise ValidationError({"note": ["This deletion was already decided."]})
    if locked.requested_by_id == user.pk:
        raise ValidationError({"note": ["A second person must approve or reject a deletion "
                                        "you asked for."]})
    locked.decided_by_id, locked.decided_by_email = user.pk, user.email
    locked.decided_at, locked.decision_note = timezone.now(), note
    return locked


@transaction.atomic
def deletion_request_approve(*, deletion: DeletionRequest, user, note: str = "",
                             request: HttpRequest | None = None) -> DeletionRequest:
    """The second person's approval: the listed documents that are still past retention
    are deleted through the documents app's own delete service; audited."""
    locked = _decide(deletion, user, (note or "").strip()[:2000])
    documents = list(_expired_documents(locked.client_id, settings_get())
                     .filter(id__in=locked.document_ids).select_for_update())
    for document in documents:
        document_delete(document=document)
    locked.status, locked.deleted_count = DeletionRequest.Status.APPROVED, len(documents)
    locked.save(update_fields=["status", "deleted_count", "decided_by_id",
                               "decided_by_email", "decided_at", "decision_note"])
    audit_record(action=AUDIT_DELETION_APPROVED, request=request, actor=user, target=locked,
                 details={"client_id": locked.client_id, "requested_by":
                          locked.requested_by_email, "deleted": [d.pk for d in documents]})
    finding = Finding.objects.select_for_update().get(pk=locked.finding_id)
    if finding.status == Finding.Status.OPEN and not _expired_documents(
            locked.client_id, settings_get()).exists():
        finding.status, finding.resolved_at = Finding.Status.RESOLVED, timezone.now()
        finding.resolved_by_id, finding.resolved_by_email = user.pk, user.email
        finding.resolution_note = (f"{len(documents)} documents deleted: requested by "
                                   f"{locked.requested_by_email}, approved by {user.email}.")
        finding.save(update_fields=["status", "resolved_at", "resolved_by_id",
                                    "resolved_by_email", "resolution_note"])
    return locked


@transaction.atomic
def deletion_request_reject(*, deletion: DeletionRequest, user, note: str,
                            request: HttpRequest | None = None) -> DeletionRequest:
    note = _note(note, field="note", what="why the documents must stay")
    locked = _decide(deletion, user, note)
    locked.status = DeletionRequest.Status.REJECTED
    locked.save(update_fields=["status", "decided_by_id", "decided_by_email", "decided_at",
                               "decision_note"])
    audit_record(action=AUDIT_DELETION_REJECTED, request=request, actor=user, target=locked,
                 details={"client_id": locked.client_id, "note": note})
    return locked
