"""Reading and checking the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from apps.audit import anchors, chain
from apps.audit.chain import GENESIS_HASH
from apps.audit.models import AuditAnchor, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at_id: int | None
    reason: str
    truncated: bool = False
    unsealed: int = 0
    anchored_seq: int | None = None
    anchored_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at_id is None and not self.truncated and not self.reason


@dataclass(frozen=True)
class _Anchor:
    chain_seq: int
    head_hash: str
    created_at: datetime
    key_id: str
    signature: str
    where: str


def _latest_valid_anchor(schema: str) -> tuple[_Anchor | None, str]:
    """The furthest anchor, from the database or its copy outside, whose signature holds;
    and a problem to report when an anchor's signature does not."""
    from apps.audit.services import schema_oid

    oid = schema_oid()
    candidates = [_Anchor(a.chain_seq, a.head_hash, a.created_at, a.key_id, a.signature,
                          f"database anchor {a.id}")
                  for a in AuditAnchor.objects.filter(schema_oid=oid)]
    candidates += [_Anchor(c.chain_seq, c.head_hash, c.created_at, c.key_id, c.signature,
                           "anchor copy outside the database")
                   for c in anchors.anchor_copies(schema=schema, schema_oid=oid)]
    keys = chain.chain_keys().keys
    best = None
    for anchor in candidates:
        key = keys.get(anchor.key_id)
        expected = key and chain.anchor_signature(
            key, schema=schema, schema_oid=oid, chain_seq=anchor.chain_seq,
            head_hash=anchor.head_hash, created_at=anchor.created_at)
        if not expected or not chain.digests_equal(expected, anchor.signature):
            return None, (f"the {anchor.where} (at {anchor.chain_seq} events) has no valid "
                          "signature: it was forged or altered, or its key is gone")
        if best is None or anchor.chain_seq > best.chain_seq:
            best = anchor
    return best, ""


def audit_chain_verify(batch_size: int = 2000) -> ChainReport:
    """Walk the current schema's sealed chain in order and report the first broken link;
    then hold the head against the furthest anchor, so removing the newest rows shows."""
    keys = chain.chain_keys().keys
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    head_hashes: dict[int, str] = {}
    anchor, anchor_problem = _latest_valid_anchor(connection.schema_name)
    while True:
        batch = list(AuditEvent.objects.filter(chain_seq__gte=expected_seq)
                     .order_by("chain_seq")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.chain_seq != expected_seq:
                return ChainReport(checked, event.id,
                                   f"sealed events are missing before it (expected position "
                                   f"{expected_seq}, found {event.chain_seq}): rows were removed")
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.id,
                                   "its previous seal does not match the event before it "
                                   "(a row was removed or inserted)")
            key = keys.get(event.key_id)
            if key is None:
                return ChainReport(checked, event.id,
                                   f"it was sealed under key {event.key_id!r}, which is not "
                                   "in AUDIT_CHAIN_KEYS (keep old keys for verification)")
            expected = chain.seal_hash(key, chain_seq=event.chain_seq,
                                       prev_hash=event.prev_hash, event=event)
            if not chain.digests_equal(expected, event.hash):
                return ChainReport(checked, event.id, "its content does not match its seal "
                                                      "(the row was altered)")
            if anchor is not None and event.chain_seq == anchor.chain_seq:
                head_hashes[event.chain_seq] = event.hash
            expected_prev = event.hash
            expected_seq += 1
            checked += 1
    unsealed = AuditEvent.objects.filter(chain_seq__isnull=True).count()
    extra = {"unsealed": unsealed}
    if anchor is not None:
        extra |= {"anchored_seq": anchor.chain_seq, "anchored_at": anchor.created_at}
    if anchor_problem:
        return ChainReport(checked, None, anchor_problem, **extra)
    if anchor is not None and anchor.chain_seq > checked:
        return ChainReport(
            checked, None,
            f"the chain was truncated: the last anchor ({anchor.created_at:%Y-%m-%d %H:%M:%S} "
            f"UTC) recorded {anchor.chain_seq} sealed events, the chain now ends after "
            f"{checked}", truncated=True, **extra)
    if anchor is not None and anchor.chain_seq and \
            head_hashes.get(anchor.chain_seq) != anchor.head_hash:
        return ChainReport(checked, None,
                           f"the sealed event at position {anchor.chain_seq} is not the one "
                           "anchored there: the chain was rewritten", **extra)
    return ChainReport(checked, None, "", **extra)


def audit_events_filtered(*, action: str | None = None, actor_email: str | None = None,
                          since=None, until=None, target_type: str | None = None,
                          target_id: str | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if action:
        events = events.filter(action=action)
    if actor_email:
        events = events.filter(actor_email__iexact=actor_email)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return events.order_by("-id")
