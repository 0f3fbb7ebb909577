"""The firm's catalogue of services with default rates (writes and reads).

An invoice line picks a service to start from; what the line stores is its own copy
(apps/billing/drafts.py), so a new rate never changes an invoice already written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.billing.models import BillableService
from apps.billing.validation import clean_decimal, clean_money, clean_text

TAX_RATE_PLACES = 5


def _checked(*, name: Any, description: Any, unit_price: Any, tax_rate: Any) -> dict:
    errors: dict[str, str] = {}
    data = {
        "name": clean_text(name, "name", errors, max_length=200, required=True),
        "description": clean_text(description, "description", errors, max_length=500),
        "unit_price": clean_money(unit_price, "unit_price", errors, positive=False,
                                  label="rate"),
        "tax_rate": clean_decimal(tax_rate, "tax_rate", errors, places=TAX_RATE_PLACES,
                                  minimum=Decimal(0), maximum=Decimal(1), label="tax rate"),
    }
    if errors:
        raise ValidationError(errors)
    return data


def _snapshot(service: BillableService) -> dict[str, str]:
    return {"name": service.name, "description": service.description,
            "unit_price": str(service.unit_price), "tax_rate": str(service.tax_rate),
            "active": str(service.active)}


def _save(service: BillableService, *, request: HttpRequest | None, change: str,
          before: dict | None) -> BillableService:
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError as exc:
        raise ValidationError({"name": "The catalogue already has a service by this name."}
                              ) from exc
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, target=service,
                 details={"change": change, "before": before, "after": _snapshot(service)})
    return service


@transaction.atomic
def billable_service_create(*, name: Any, unit_price: Any, tax_rate: Any = "0",
                            description: Any = "", request: HttpRequest | None = None
                            ) -> BillableService:
    data = _checked(name=name, description=description, unit_price=unit_price,
                    tax_rate=tax_rate)
    return _save(BillableService(**data), request=request, change="created", before=None)


@transaction.atomic
def billable_service_update(*, service: BillableService, name: Any, unit_price: Any,
                            tax_rate: Any = "0", description: Any = "", active: bool = True,
                            request: HttpRequest | None = None) -> BillableService:
    data = _checked(name=name, description=description, unit_price=unit_price,
                    tax_rate=tax_rate)
    service = BillableService.objects.select_for_update().get(pk=service.pk)
    before = _snapshot(service)
    for field, value in data.items():
        setattr(service, field, value)
    service.active = bool(active)
    return _save(service, request=request, change="changed", before=before)


def billable_services_active() -> list[BillableService]:
    """What an invoice line can pick from, by name."""
    return list(BillableService.objects.filter(active=True).order_by("name", "id"))


def billable_services_all() -> list[BillableService]:
    return list(BillableService.objects.order_by("-active", "name", "id"))
