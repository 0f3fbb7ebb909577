"""Writes of the review preview: a field confirmed or corrected by a person (kept as a
FieldCorrection for the development set, audited with before and after), and a
document's page layout kept once it is rendered."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from apps.audit.changes import audit_changed, record_values
from apps.documents.fields import EXTRACTORS, TAX_FORMS
from apps.documents.layout import field_kind
from apps.documents.models import Document, DocumentLayout, FieldCorrection
from apps.documents.text import clean_text
from apps.portal.content_cache import DOCUMENTS
from apps.portal.dashboard import dashboard_note_client_change

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%B %d, %Y", "%B %d %Y", "%b %d, %Y",
                 "%b %d %Y")


def expected_fields(doc_type: str) -> list[str]:
    """The fields the pipeline looks for in this type, in its order (a reviewer may fill
    one it missed)."""
    extractor = EXTRACTORS.get(doc_type, (None,))[0]
    names = list(extractor("")) if extractor else []
    if doc_type in TAX_FORMS:
        names.append("tax_year")
    return names


def normalise_value(name: str, raw: str) -> str | int:
    """A typed value as the pipeline stores it; ValidationError saying what to enter."""
    text = " ".join(str(raw or "").split())
    kind = field_kind(name)
    if not text:
        raise ValidationError("Enter a value.")
    if kind == "money":
        negative = text.startswith("(") and text.endswith(")")
        digits = text.strip("()").replace("$", "").replace(",", "").replace(" ", "")
        try:
            amount = Decimal(digits).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise ValidationError("Enter an amount such as 1,234.56.") from exc
        if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
            raise ValidationError("Enter an amount such as 1,234.56.")
        return str(-amount if negative else amount)
    if kind == "ein":
        digits = re.sub(r"[\s-]", "", text)
        if not re.fullmatch(r"\d{9}", digits):
            raise ValidationError("Enter nine digits, such as 12-3456789.")
        return f"{digits[:2]}-{digits[2:]}"
    if kind == "date":
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        raise ValidationError("Enter a date such as 03/14/2025.")
    if kind == "year":
        if not text.isdigit() or not 1990 <= int(text) <= 2100:
            raise ValidationError("Enter a year between 1990 and 2100.")
        return int(text)
    cleaned = clean_text(text)
    if len(cleaned) > 120:
        raise ValidationError("Keep it under 120 characters.")
    return cleaned


ACTIONS = ("confirm", "correct")


@transaction.atomic
def document_field_correct(*, document: Document, field: str, action: str, value: str = "",
                           user_id: int | None,
                           request: HttpRequest | None = None) -> FieldCorrection:
    """A reviewer confirms a field as read, or corrects it (or fills one not found).
    The document's field then carries the person's value at confidence 1.0; the
    correction is kept with what the pipeline had read."""
    locked = Document.objects.select_for_update().get(pk=document.pk)
    fields = dict(locked.fields or {})
    current = fields.get(field) if isinstance(fields.get(field), dict) else None
    if action not in ACTIONS:
        raise ValidationError({"action": "Choose confirm or correct."})
    if locked.deleted_at is not None:
        raise ValidationError({"field": "This document was deleted."})
    if locked.status in Document.PENDING_STATUSES:
        raise ValidationError({"field": "The document is still being processed."})
    if current is None and field not in expected_fields(locked.doc_type):
        raise ValidationError({"field": "This document has no such field."})
    if action == "confirm":
        if current is None:
            raise ValidationError({"value": "Nothing was read for this field: enter its "
                                            "value instead."})
        new_value = current.get("value")
    else:
        try:
            new_value = normalise_value(field, value)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from exc
    before = record_values(locked, ("fields", "tax_year"))
    fields[field] = {"value": new_value, "confidence": 1.0,
                     "corrected" if action == "correct" else "confirmed": True}
    locked.fields = fields
    update = ["fields"]
    if field == "tax_year":
        locked.tax_year = int(new_value)
        update.append("tax_year")
    elif field in ("date", "statement_date") and locked.doc_type not in TAX_FORMS:
        locked.tax_year = date.fromisoformat(str(new_value)).year
        update.append("tax_year")
    locked.save(update_fields=update)
    audit_changed(instance=locked, before=before, request=request)
    old = current.get("value") if current else None
    correction = FieldCorrection.objects.create(
        document=locked, field=field, doc_type=locked.doc_type,
        action=(FieldCorrection.Action.CONFIRMED if action == "confirm"
                else FieldCorrection.Action.CORRECTED),
        old_value="" if old is None else str(old)[:200],
        old_confidence=current.get("confidence") if current else None,
        new_value=str(new_value)[:200], corrected_by_id=user_id)
    dashboard_note_client_change(locked.client_id, kinds=(DOCUMENTS,))
    return correction


def document_layout_keep(*, document: Document, source: str, pages: list[dict]
                         ) -> DocumentLayout:
    """Keep a rendered layout; a concurrent first view that kept one already wins."""
    try:
        with transaction.atomic():
            return DocumentLayout.objects.create(document=document, source=source,
                                                 pages=pages)
    except IntegrityError:
        return DocumentLayout.objects.get(document_id=document.pk)
