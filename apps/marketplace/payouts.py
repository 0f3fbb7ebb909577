"""The advisor's payout bank account: validated, encrypted at rest, changes audited with
masked values only."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.marketplace.models import AdvisorProfile


def aba_routing_valid(routing: str) -> bool:
    """US routing numbers: 9 digits with the ABA 3-7-1 checksum."""
    if not re.fullmatch(r"\d{9}", routing):
        return False
    digits = [int(d) for d in routing]
    weights = [3, 7, 1] * 3
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def _digits(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


@transaction.atomic
def advisor_payout_account_set(*, profile: AdvisorProfile, account_number: str,
                               routing_number: str, request=None) -> AdvisorProfile:
    account = _digits(account_number)
    routing = _digits(routing_number)
    errors: dict[str, str] = {}
    if not re.fullmatch(r"\d{4,17}", account):
        errors["account_number"] = "A bank account number has 4 to 17 digits."
    if not aba_routing_valid(routing):
        errors["routing_number"] = "Not a valid 9-digit US routing number."
    if errors:
        raise ValidationError(errors)
    profile = AdvisorProfile.objects.select_for_update().get(pk=profile.pk)
    before = {"account": str(profile.payout_account or ""),
              "routing": str(profile.payout_routing or "")}
    profile.payout_account = account
    profile.payout_routing = routing
    profile.save(update_fields=["payout_account", "payout_routing", "updated_at"])
    profile.refresh_from_db(fields=["payout_account", "payout_routing"])
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, target=profile,
                 details={"field": "payout account", "before": before,
                          "after": {"account": str(profile.payout_account),
                                    "routing": str(profile.payout_routing)}})
    return profile
