"""The audit chain's cryptography: keyed seals (HMAC-SHA256) and signed anchors.

A seal covers the event's position in its schema's chain, the previous seal and the
event's content (its id included, so content cannot move between rows). The key lives
outside the database (AUDIT_CHAIN_KEYS, `id:base64(32 bytes),...`, the first seals, all
verify), so someone who can write to the database, even its owner with the triggers off,
cannot compute a valid seal for a rewritten row: plain SHA-256 they could recompute.
Rotation: put a new key first; rows and anchors keep the id of the key that sealed them,
so old keys verify old rows for as long as they stay in the list.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

if TYPE_CHECKING:
    from apps.audit.models import AuditEvent

GENESIS_HASH = "0" * 64
_KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,16}$")


@dataclass(frozen=True)
class ChainKeys:
    primary_id: str
    keys: dict[str, bytes]


def parse_chain_keys(spec: str) -> ChainKeys:
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in (spec or "").split(",") if part.strip()):
        key_id, _, encoded = item.partition(":")
        if not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEYS: bad key id {key_id!r}")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as exc:
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEYS: key {key_id} is not base64") \
                from exc
        if len(raw) < 32:
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEYS: key {key_id} must be 32 bytes")
        if key_id in keys:
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEYS: key id {key_id} appears twice")
        keys[key_id] = raw
    if not keys:
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEYS is not set: the audit trail cannot be sealed without a key "
            "kept outside the database (docs/configuration.md)")
    return ChainKeys(primary_id=next(iter(keys)), keys=keys)


@functools.cache
def chain_keys() -> ChainKeys:
    return parse_chain_keys(settings.AUDIT_CHAIN_KEYS)


def chain_keys_reset() -> None:
    """Forget the cached keys (after the settings changed, e.g. in a rotation)."""
    chain_keys.cache_clear()


def canonical_payload(event: AuditEvent) -> str:
    return json.dumps(
        {
            "id": event.id,
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


def _mac(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1e".join(parts).encode(), hashlib.sha256).hexdigest()


def seal_hash(key: bytes, *, chain_seq: int, prev_hash: str, event: AuditEvent) -> str:
    return _mac(key, "event", str(chain_seq), prev_hash, canonical_payload(event))


def anchor_signature(key: bytes, *, schema: str, schema_oid: int, chain_seq: int,
                     head_hash: str, created_at: datetime) -> str:
    return _mac(key, "anchor", schema, str(schema_oid), str(chain_seq), head_hash,
                created_at.isoformat())


def digests_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
