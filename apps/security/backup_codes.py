"""Backup codes are stored as keyed hashes, never as the codes themselves.

HMAC-SHA256 under a key derived from SECRET_KEY (kept outside the database): a copy of the
table alone gives nothing to try, and a code is 40 random bits, so no slow hash is needed on
top of the key. Codes made before a SECRET_KEY rotation still work while the old key is in
SECRET_KEY_FALLBACKS. The same function is copied, frozen, into the data migration that
hashed the old plaintext codes (0003): change both together or not at all.
"""

from __future__ import annotations

import hmac
import secrets
from base64 import b32encode

from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "advisoros.security.backup-code"


def backup_code_new() -> str:
    """8 characters, 40 random bits, lower-case base32 (django-otp's static token form)."""
    return b32encode(secrets.token_bytes(5)).decode().lower()


def backup_code_normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def backup_code_hash(code: str, *, secret: str | None = None) -> str:
    return salted_hmac(_SALT, backup_code_normalise(code), secret=secret or settings.SECRET_KEY,
                       algorithm="sha256").hexdigest()


def backup_code_matches(code: str, stored_hash: str) -> bool:
    """Constant-time comparison against the hash under the current and fallback keys."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    found = False
    for key in keys:
        # No early exit: the time taken does not tell which key (or whether one) matched.
        found |= hmac.compare_digest(backup_code_hash(code, secret=key), stored_hash)
    return found
