"""Writing to the audit trail. Every call appends one hash-chained row in the current
schema: the firm's log on a firm's host or in a firm's task, the platform's otherwise."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from advisoros.request_info import client_ip, request_id, user_agent
from apps.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock(class, object): one lock per schema's chain, held to commit, so
# two writers never link to the same previous row.
_AUDIT_LOCK_CLASS = 7_431


def canonical_payload(event: AuditEvent) -> str:
    return json.dumps(
        {
            "created_at": event.created_at.isoformat(),
            "action": event.action,
            "actor_id": event.actor_id,
            "actor_email": event.actor_email,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
            "request_id": event.request_id,
            "details": event.details,
        },
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_payload(event)).encode()).hexdigest()


def _jsonable(details: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip so what is hashed is exactly what jsonb stores and gives back.
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
    a model instance (its type and pk are recorded)."""
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
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                       [_AUDIT_LOCK_CLASS])
        cursor.execute("SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        event.prev_hash = row[0] if row else GENESIS_HASH
        event.hash = event_hash(event.prev_hash, event)
        event.save(force_insert=True)
    return event
