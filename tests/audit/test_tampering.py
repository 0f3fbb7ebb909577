"""What someone with the database owner's rights (triggers off, rows rewritten or removed)
can do to committed audit rows, and that verification reports it: issue 12 item 2."""

import hashlib
import json

from django_tenants.utils import schema_context

from apps.audit.chain import GENESIS_HASH, canonical_payload
from apps.audit.models import AuditAction, AuditAnchor, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_anchor, audit_chain_seal, audit_record
from tests.audit.conftest import owner_connection


def _events(n: int) -> list[AuditEvent]:
    return [audit_record(action=AuditAction.SENSITIVE_REVEALED, target_type="portal.client",
                         target_id=str(i), details={"field": "ssn", "n": i}) for i in range(n)]


def _as_owner(schema: str, *statements: tuple[str, list]) -> None:
    with owner_connection(schema) as conn:
        conn.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        conn.execute("ALTER TABLE audit_auditanchor DISABLE TRIGGER USER")
        try:
            for sql, params in statements:
                conn.execute(sql, params)
        finally:
            conn.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            conn.execute("ALTER TABLE audit_auditanchor ENABLE TRIGGER USER")


def test_removing_the_newest_rows_is_reported_as_truncation(committed_firm):
    schema = committed_firm.schema_name
    with schema_context(schema):
        events = _events(5)
        anchor = audit_chain_anchor()
        assert audit_chain_verify().intact
        last_seq = AuditEvent.objects.get(pk=events[-1].pk).chain_seq
        assert anchor.chain_seq == last_seq

        _as_owner(schema, ("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk]))
        report = audit_chain_verify()

    assert not report.intact
    assert report.truncated
    assert f"recorded {last_seq} sealed events" in report.reason
    assert f"ends after {last_seq - 2}" in report.reason


def test_truncation_shows_against_the_copy_outside_when_the_anchors_go_too(committed_firm):
    schema = committed_firm.schema_name
    with schema_context(schema):
        events = _events(4)
        audit_chain_anchor()

        _as_owner(schema, ("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk]),
                  ("DELETE FROM audit_auditanchor", []))
        assert not AuditAnchor.objects.exists()
        report = audit_chain_verify()

    assert report.truncated
    assert "truncated" in report.reason


def test_a_rewritten_row_with_every_later_hash_recomputed_is_found(committed_firm):
    """The old attack: change a row, then recompute the chain with plain SHA-256 (the
    former `event_hash`). Without the key the seals cannot be recomputed."""
    schema = committed_firm.schema_name
    with schema_context(schema):
        events = _events(4)
        audit_chain_anchor()
        sealed = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events])
                      .order_by("chain_seq"))
        target = sealed[1]
        target.details = {"field": "none", "n": 1}
        prev = sealed[0].hash
        statements = []
        for event in sealed[1:]:
            digest = hashlib.sha256((prev + canonical_payload(event)).encode()).hexdigest()
            statements.append(("UPDATE audit_auditevent SET details = %s, prev_hash = %s, "
                               "hash = %s WHERE id = %s",
                               [json.dumps(event.details), prev, digest, event.pk]))
            prev = digest
        _as_owner(schema, *statements)

        report = audit_chain_verify()

    assert report.broken_at_id == target.pk
    assert "altered" in report.reason


def test_a_removed_row_in_the_middle_is_found(committed_firm):
    schema = committed_firm.schema_name
    with schema_context(schema):
        events = _events(3)
        audit_chain_seal()
        _as_owner(schema, ("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk]))

        report = audit_chain_verify()

    assert report.broken_at_id == events[2].pk
    assert "removed" in report.reason


def test_a_forged_anchor_is_reported(committed_firm):
    schema = committed_firm.schema_name
    with schema_context(schema):
        _events(2)
        anchor = audit_chain_anchor()
        _as_owner(schema, ("UPDATE audit_auditanchor SET chain_seq = chain_seq - 1 "
                           "WHERE id = %s", [anchor.pk]))

        report = audit_chain_verify()

    assert not report.intact
    assert "no valid signature" in report.reason


def test_an_empty_chain_with_no_anchor_is_intact(committed_firm):
    with schema_context(committed_firm.schema_name):
        report = audit_chain_verify()
    assert report.intact
    assert report.anchored_seq is None
    assert GENESIS_HASH == "0" * 64
