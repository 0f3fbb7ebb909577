"""Reading and checking the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.audit.models import AuditEvent
from apps.audit.services import GENESIS_HASH, event_hash


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at_id: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.broken_at_id is None


def audit_chain_verify(batch_size: int = 2000) -> ChainReport:
    """Walk the current schema's chain in order; report the first broken link."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return ChainReport(checked, None, "")
        for event in batch:
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id,
                                   "its previous-hash does not match the row before it "
                                   "(a row was removed or inserted)")
            if event_hash(event.prev_hash, event) != event.hash:
                return ChainReport(checked, event.id, "its content does not match its hash "
                                                      "(the row was altered)")
            expected_prev = event.hash
            checked += 1
            last_id = event.id


def audit_events_filtered(*, action: str | None = None, actor_email: str | None = None,
                          since=None, until=None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_email:
        events = events.filter(actor_email__iexact=actor_email)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return events.order_by("-id")
