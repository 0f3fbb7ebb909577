"""Key lists kept in settings, outside the database: `id:base64(32 bytes),id:...`.

The first key is the one that writes (seals, encrypts); every listed key reads, so a
rotation puts a new key first and keeps the old ones for as long as data made under them
must stay readable. Used by the audit chain (AUDIT_CHAIN_KEYS) and field encryption
(FIELD_ENCRYPTION_KEYS); each says which setting a mistake is in.
"""

from __future__ import annotations

import base64
import re

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9-]{1,16}$")


def key_spec_parse(spec: str, *, setting: str, missing: str, exact: bool
                   ) -> tuple[str, dict[str, bytes]]:
    """(the first key's id, every key by id) from `spec`. A bad id, a key that is not
    base64 or shorter than 32 bytes (other than 32 with `exact`), an id listed twice and
    an empty list (`missing` says what that means) are refused at start-up, naming
    `setting`."""
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in (spec or "").split(",") if part.strip()):
        key_id, _, encoded = item.partition(":")
        if not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(f"{setting}: bad key id {key_id!r}")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{setting}: key {key_id} is not base64") from exc
        if len(raw) < KEY_BYTES or (exact and len(raw) != KEY_BYTES):
            raise ImproperlyConfigured(f"{setting}: key {key_id} must be {KEY_BYTES} bytes")
        if key_id in keys:
            # Silently keeping the later one would change what the first id writes with.
            raise ImproperlyConfigured(f"{setting}: key id {key_id} appears twice")
        keys[key_id] = raw
    if not keys:
        raise ImproperlyConfigured(missing)
    return next(iter(keys)), keys
