"""Field encryption: AES-256-GCM under keys kept outside the database, with rotation, and
keyed blind indexes for exact lookups.

Stored form: `v1:<key id>:<base64(nonce | ciphertext+tag)>`. The field's identity (e.g.
`portal.client.ssn`) is bound as associated data, so a ciphertext copied into another
column or table does not decrypt. A tampered value raises `DecryptionError`; it never
returns garbage.

Keys come from settings (FIELD_ENCRYPTION_KEYS: `id:base64key,...`, the first encrypts,
all decrypt; BLIND_INDEX_KEY for lookups). In development and tests they are generated
once into the data folder, never into the database.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from advisoros.key_specs import key_spec_parse

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The stored value was altered, or was written under a key we no longer have."""


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, bytes]


def parse_key_ring(spec: str) -> KeyRing:
    # AES-256: exactly 32 bytes.
    primary_id, keys = key_spec_parse(spec, setting="FIELD_ENCRYPTION_KEYS", exact=True,
                                      missing="FIELD_ENCRYPTION_KEYS has no keys")
    return KeyRing(primary_id=primary_id, keys=keys)


def new_key_spec(key_id: str) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


@functools.cache
def key_ring() -> KeyRing:
    return parse_key_ring(settings.FIELD_ENCRYPTION_KEYS)


@functools.cache
def _blind_index_key() -> bytes:
    return hashlib.sha256(("blind-index:" + settings.BLIND_INDEX_KEY).encode()).digest()


def key_ring_reset() -> None:
    """Forget cached keys (after the settings changed, e.g. in a rotation)."""
    key_ring.cache_clear()
    _blind_index_key.cache_clear()


def encrypt(plaintext: str, *, context: str) -> str:
    ring = key_ring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(nonce, plaintext.encode(),
                                                        context.encode())
    return f"{FORMAT_VERSION}:{ring.primary_id}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str | None:
    parts = stored.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == FORMAT_VERSION else None


def decrypt(stored: str, *, context: str) -> str:
    parts = stored.split(":", 2)
    if len(parts) != 3 or parts[0] != FORMAT_VERSION:
        raise DecryptionError("not an encrypted value")
    _, key_id, payload = parts
    key = key_ring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"no key {key_id!r} configured")
    try:
        blob = base64.b64decode(payload, validate=True)
        plaintext = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError("the value was altered or does not belong here") from exc
    return plaintext.decode()


def normalise_identifier(value: str) -> str:
    """Tax ids, SSNs and account numbers compare by their letters and digits only."""
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def blind_index(value: str, *, scope: str) -> str:
    """HMAC of the normalised value, scoped (e.g. to a firm and a field) so equal values
    in different firms give different indexes."""
    message = f"{scope}\x1f{normalise_identifier(value)}".encode()
    return hmac.new(_blind_index_key(), message, hashlib.sha256).hexdigest()


def mask(value: str, *, kind: str) -> str:
    digits = normalise_identifier(value)
    last4 = digits[-4:] if len(digits) >= 4 else ""
    if kind == "ssn":
        return f"***-**-{last4}"
    if kind == "ein":
        return f"**-***{last4}"
    return f"****{last4}"
