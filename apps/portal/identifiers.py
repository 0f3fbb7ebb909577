"""A client's identifiers (SSN, EIN / tax id, bank account): set, look up, reveal.

Values are validated and normalised, stored encrypted with keyed blind indexes for exact
lookup within the firm, changed with an audit record that holds masked values only, and
revealed only to roles with SENSITIVE_REVEAL, each reveal audited.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.portal.models import Client
from apps.security.crypto import blind_index, normalise_identifier
from apps.security.fields import Sensitive

REVEALABLE = {"ssn": "SSN", "tax_id": "EIN / tax ID", "bank_account": "Bank account"}
_SSN = re.compile(r"\d{9}")
_EIN = re.compile(r"\d{9}")
_ACCOUNT = re.compile(r"\d{4,17}")


def _scope(field: str) -> str:
    # Indexes are per firm: the same EIN in two firms gives two unrelated values.
    return f"{connection.schema_name}:{field}"


def _format_ssn(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def _format_ein(digits: str) -> str:
    return f"{digits[:2]}-{digits[2:]}"


def _plain(value) -> str:
    """A field's plaintext whether it was just assigned (str) or loaded (Sensitive)."""
    if isinstance(value, Sensitive):
        return value.reveal()
    return value or ""


def identifier_index(field: str, value: str) -> str:
    return blind_index(value, scope=_scope(field))


@transaction.atomic
def client_identifiers_set(*, client: Client, request: HttpRequest | None = None,
                           **values: str | None) -> Client:
    """Set any of ssn / tax_id / bank_account; an empty string clears, None keeps."""
    errors: dict[str, str] = {}
    changes: dict[str, str] = {}
    for field, raw in values.items():
        if field not in REVEALABLE:
            raise ValidationError({field: "Not an identifier."})
        if raw is None:
            continue
        if not isinstance(raw, str) or "\x00" in raw or len(raw) > 40:
            errors[field] = "Enter digits only."
            continue
        digits = normalise_identifier(raw)
        if digits == "":
            changes[field] = ""
        elif field == "ssn" and _SSN.fullmatch(digits) and digits[:3] not in ("000", "666") \
                and digits[0] != "9":
            changes[field] = _format_ssn(digits)
        elif field == "tax_id" and _EIN.fullmatch(digits):
            changes[field] = _format_ein(digits)
        elif field == "bank_account" and _ACCOUNT.fullmatch(digits):
            changes[field] = digits
        else:
            errors[field] = {"ssn": "An SSN has 9 digits (not starting 000, 666 or 9).",
                             "tax_id": "An EIN has 9 digits, like 12-3456789.",
                             "bank_account": "A bank account number has 4 to 17 digits."}[field]
    if errors:
        raise ValidationError(errors)
    if not changes:
        return client
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = {field: str(getattr(client, field) or "") for field in changes}
    for field, value in changes.items():
        setattr(client, field, value)
    ssn, tax_id = _plain(client.ssn), _plain(client.tax_id)
    client.ssn_index = identifier_index("ssn", ssn) if ssn else ""
    client.tax_id_index = identifier_index("tax_id", tax_id) if tax_id else ""
    client.save(update_fields=[*changes, "ssn_index", "tax_id_index", "updated_at"])
    client.refresh_from_db(fields=list(changes))
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, target=client,
                 details={"fields": sorted(changes), "before": before,
                          "after": {f: str(getattr(client, f) or "") for f in changes}})
    return client


def clients_by_identifier(value: str):
    """Clients of this firm whose SSN or EIN equals `value` (any punctuation)."""
    digits = normalise_identifier(value or "")
    if not re.fullmatch(r"\d{9}", digits):
        return Client.objects.none()
    from django.db.models import Q

    return Client.objects.alive().filter(Q(ssn_index=identifier_index("ssn", digits))
                                         | Q(tax_id_index=identifier_index("tax_id", digits)))


def client_identifier_reveal(*, client: Client, field: str, request: HttpRequest) -> str:
    """The plaintext, for a caller that has checked SENSITIVE_REVEAL; audited."""
    if field not in REVEALABLE:
        raise ValidationError({"field": "Not an identifier."})
    value = getattr(client, field)
    audit_record(action=AuditAction.SENSITIVE_REVEALED, request=request, target=client,
                 details={"field": field, "masked": str(value or "")})
    return value.reveal() if value else ""
