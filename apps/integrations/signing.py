"""Signatures on our outgoing webhooks, the way Stripe signs its own: the header
`AdvisorOS-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
endpoint's secret>`. Receivers recompute it and refuse a timestamp older than a few minutes
(replays). docs/integrations.md shows a receiver's check; `webhook_signature_verify` is the
same check, used by our tests."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "AdvisorOS-Signature"
TOLERANCE_SECONDS = 300


def webhook_signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def webhook_signature_verify(secret: str, body: bytes, header: str, *,
                             now: int | None = None) -> bool:
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = webhook_signature(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
