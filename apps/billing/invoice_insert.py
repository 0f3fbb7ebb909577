"""Writing a new invoice in one statement: the year's number, the invoice row and its
lines, chained in data-modifying CTEs. Invoice creation is the hottest write of the
product (issue 13: at most 5 queries per API call, audit included); written with the
ORM it takes three statements and the API then read the invoice back in four more.

The number comes from the same upsert on the year's counter row as before, inside the
caller's transaction, so numbers stay unique and gapless (a rollback gives the number
back). The caller builds the unsaved Invoice and InvoiceLine objects; this fills in
their ids, the number and the timestamps, and marks them saved.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from apps.billing.models import Invoice, InvoiceLine

# Every column of a new invoice. Columns left out keep their database defaults (amount
# refunded 0, void reason "", no sent/paid/void times, no commission rate).
_INVOICE_COLUMNS = ("client_id", "engagement_id", "marketplace_engagement_id", "status",
                    "currency", "payment_terms", "issue_date", "due_date", "total",
                    "tax_total", "balance", "amount_refunded", "notes", "void_reason",
                    "recurring_plan_id", "period_start", "created_by_id", "created_at",
                    "updated_at")
_LINE_COLUMNS = ("position", "description", "quantity", "unit_price", "tax_rate", "amount",
                 "tax_amount")
_LINE_TYPES = ("int2", "text", "numeric", "numeric", "numeric", "numeric", "numeric")


def _statement(sequence_sql: str) -> str:
    invoice_values = ", ".join(f"%({c})s" for c in _INVOICE_COLUMNS)
    unnest = ", ".join(f"%(line_{c})s::{t}[]" for c, t in zip(_LINE_COLUMNS, _LINE_TYPES,
                                                             strict=True))
    return f"""
        WITH seq AS ({sequence_sql}),
        inv AS (
            INSERT INTO billing_invoice ({", ".join(_INVOICE_COLUMNS)}, number)
            SELECT {invoice_values},
                   %(year)s::text || '-' || lpad(seq.last_value::text,
                                                greatest(5, length(seq.last_value::text)), '0')
            FROM seq JOIN portal_client c ON c.id = %(client_id)s AND c.deleted_at IS NULL
            RETURNING id, number
        ),
        lines AS (
            INSERT INTO billing_invoiceline (invoice_id, {", ".join(_LINE_COLUMNS)})
            SELECT inv.id, l.* FROM inv, unnest({unnest}) AS l({", ".join(_LINE_COLUMNS)})
            RETURNING id, position
        )
        SELECT inv.id, inv.number,
               (SELECT array_agg(lines.id ORDER BY lines.position) FROM lines)
        FROM inv
    """  # noqa: S608 - column names are the constants above; every value is a parameter


def invoice_insert_numbered(*, invoice: Invoice, lines: list[InvoiceLine],
                            sequence_sql: str) -> bool:
    """Insert `invoice` (unsaved, without a number) and its `lines` (positions set) in one
    statement; `sequence_sql` is the counter upsert returning the year's next value.
    False, with nothing inserted, when the invoice's client does not exist or is
    archived (the caller raises, and its rollback gives the counter's value back)."""
    now = timezone.now()
    invoice.created_at = invoice.updated_at = now
    params = {column: getattr(invoice, column) for column in _INVOICE_COLUMNS}
    params["year"] = invoice.issue_date.year
    for column in _LINE_COLUMNS:
        params[f"line_{column}"] = [getattr(line, column) for line in lines]
    with connection.cursor() as cursor:
        cursor.execute(_statement(sequence_sql), params)
        row = cursor.fetchone()
    if row is None:
        return False
    invoice_id, number, line_ids = row
    invoice.pk, invoice.number = invoice_id, number
    invoice._state.adding, invoice._state.db = False, connection.alias
    for line, line_id in zip(lines, line_ids, strict=True):
        line.pk, line.invoice_id = line_id, invoice_id
        line._state.adding, line._state.db = False, connection.alias
    return True
