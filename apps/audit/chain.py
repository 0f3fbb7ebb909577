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

import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from advisoros.key_specs import key_spec_parse

if TYPE_CHECKING:
    from apps.audit.models import AuditEvent

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainKeys:
    primary_id: str
    keys: dict[str, bytes]


def parse_chain_keys(spec: str) -> ChainKeys:
    primary_id, keys = key_spec_parse(
        spec, setting="AUDIT_CHAIN_KEYS", exact=False,
        missing="AUDIT_CHAIN_KEYS is not set: the audit trail cannot be sealed without a key "
                "kept outside the database (docs/configuration.md)")
    return ChainKeys(primary_id=primary_id, keys=keys)


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
