"""Writing to the audit trail.

`audit_record` appends one row in the current schema (the firm's log on a firm's host or in
a firm's task, the platform's otherwise) with a plain INSERT: no lock, so writers never
wait on each other, and a flood of refused requests cannot slow anyone down. After commit
it marks its schema for sealing; `audit_chain_seal` (a short step, under a lock taken only
by sealers) chains every unsealed row in order, and `audit_chain_anchor` records the head,
signed, in the database and outside it. Verification: apps/audit/selectors.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from advisoros.request_info import client_ip, request_id, user_agent
from apps.audit import anchors, chain
from apps.audit.chain import GENESIS_HASH
from apps.audit.models import AuditAnchor, AuditEvent

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(class, object): one lock per schema's chain, taken by sealers only.
SEAL_LOCK_CLASS = 7_432
SEAL_BATCH = 1000
# Schemas with rows written since the last seal (a Redis set on the public cache server).
PENDING_SCHEMAS_KEY = "audit:unsealed-schemas"


def _jsonable(details: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip so what is sealed is exactly what jsonb stores and gives back.
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder, sort_keys=True))


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor=None,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event. `actor` defaults to the request's signed-in user; `target` may be
    a model instance (its type and pk are recorded). Sealed shortly after commit."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    event = AuditEvent(
        created_at=timezone.now(),
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_email=getattr(actor, "email", "") or "",
        target_type=target_type[:60],
        target_id=str(target_id)[:64],
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        request_id=request_id(request),
        details=_jsonable(details),
    )
    event.save(force_insert=True)
    schema = connection.schema_name
    transaction.on_commit(lambda: audit_seal_request(schema=schema))
    return event


def audit_seal_request(*, schema: str) -> None:
    """Mark `schema` as having rows to seal; beat's `audit.seal_pending` seals the marked
    schemas every few seconds. One Redis SADD per commit, no message per write. Never
    raises: without Redis the rows wait for the periodic sweep (`audit.anchor_all`)."""
    from django_redis import get_redis_connection

    try:
        get_redis_connection("public").sadd(PENDING_SCHEMAS_KEY, schema)
    except Exception:  # the periodic sweep is the fallback
        logger.warning("audit: could not mark %s for sealing; the sweep will seal it", schema,
                       exc_info=True)


def audit_seal_pending_schemas(*, limit: int = 10_000) -> list[str]:
    """Take the schemas marked since the last call (each is sealed by the caller)."""
    from django_redis import get_redis_connection

    taken = get_redis_connection("public").spop(PENDING_SCHEMAS_KEY, limit) or []
    return sorted(name.decode() if isinstance(name, bytes) else name for name in taken)


def _chain_head(cursor) -> tuple[int, str]:
    cursor.execute("SELECT chain_seq, hash FROM audit_auditevent "
                   "WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1")
    row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def audit_chain_seal(*, batch_size: int = SEAL_BATCH) -> int:
    """Seal every unsealed row of the current schema, in id order; returns how many.

    Rows whose transaction commits while a batch runs are sealed by the next batch or run,
    after the rows already sealed: the chain's order is the order of sealing, which
    follows id order among the rows visible at the time."""
    keys = chain.chain_keys()
    key = keys.keys[keys.primary_id]
    sealed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                           [SEAL_LOCK_CLASS])
            seq, prev = _chain_head(cursor)
            batch = list(AuditEvent.objects.filter(chain_seq__isnull=True)
                         .order_by("id")[:batch_size])
            if not batch:
                return sealed
            values = []
            for event in batch:
                seq += 1
                digest = chain.seal_hash(key, chain_seq=seq, prev_hash=prev, event=event)
                values.append((event.id, seq, prev, digest, keys.primary_id))
                prev = digest
            rows_sql = ", ".join(["(%s::bigint, %s::bigint, %s, %s, %s)"] * len(values))
            cursor.execute(
                "UPDATE audit_auditevent AS e SET chain_seq = v.seq, prev_hash = v.prev, "  # noqa: S608 - placeholders only
                "hash = v.digest, key_id = v.key_id "
                f"FROM (VALUES {rows_sql}) AS v (id, seq, prev, digest, key_id) "
                "WHERE e.id = v.id AND e.chain_seq IS NULL",
                [item for row in values for item in row])
            sealed += len(batch)
        if len(batch) < batch_size:
            return sealed


def schema_oid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = current_schema()")
        return cursor.fetchone()[0]


@transaction.atomic
def audit_chain_anchor() -> AuditAnchor:
    """Seal what is waiting, then record the head (signed) in `audit_auditanchor` and,
    after commit, outside the database. A head already anchored is not anchored again."""
    audit_chain_seal()
    keys = chain.chain_keys()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                       [SEAL_LOCK_CLASS])
        seq, head = _chain_head(cursor)
    latest = AuditAnchor.objects.order_by("-chain_seq", "-id").first()
    if latest is not None and latest.chain_seq == seq and latest.head_hash == head:
        return latest
    schema = connection.schema_name
    anchor = AuditAnchor(created_at=timezone.now(), chain_seq=seq, head_hash=head,
                         schema_oid=schema_oid(), key_id=keys.primary_id)
    anchor.signature = chain.anchor_signature(
        keys.keys[keys.primary_id], schema=schema, schema_oid=anchor.schema_oid,
        chain_seq=seq, head_hash=head, created_at=anchor.created_at)
    anchor.save(force_insert=True)
    transaction.on_commit(lambda: anchors.anchor_copy_write(schema=schema, anchor=anchor))
    return anchor
