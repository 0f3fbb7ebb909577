"""Processing priority at upload time, before anything has been read.

Urgent: tax returns (and anything asked for) due within a week; high: tax forms (W-2,
1099, K-1) by category or name; normal: invoices, receipts, statements; low: the rest.
"""

from __future__ import annotations

import re
from datetime import date

from apps.documents.models import Document, Priority

URGENT_WITHIN_DAYS = 7
_TAX_FORM_NAME = re.compile(r"w-?2|1099|k-?1|1098", re.IGNORECASE)
_NORMAL_CATEGORIES = {Document.Category.INVOICE, Document.Category.RECEIPT,
                      Document.Category.BANK_STATEMENT, Document.Category.PAYROLL}


def tax_deadline(today: date) -> date:
    """The next individual filing deadline (April 15, or October 15 on extension)."""
    for candidate in (date(today.year, 4, 15), date(today.year, 10, 15)):
        if candidate >= today:
            return candidate
    return date(today.year + 1, 4, 15)


def upload_priority(*, category: str, file_name: str, today: date,
                    due_date: date | None = None) -> int:
    near = (due_date is not None and (due_date - today).days <= URGENT_WITHIN_DAYS)
    if category == Document.Category.TAX_RETURN:
        if near or (tax_deadline(today) - today).days <= URGENT_WITHIN_DAYS:
            return Priority.URGENT
        return Priority.HIGH
    if near:
        return Priority.URGENT
    if _TAX_FORM_NAME.search(file_name):
        return Priority.HIGH
    if category in _NORMAL_CATEGORIES:
        return Priority.NORMAL
    return Priority.LOW
