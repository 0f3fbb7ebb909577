"""Billing tasks: thin, take ids, call one service, safe to run twice. They run in the
schema of the firm that queued them (or that the dispatcher fanned out to)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="billing.revenue_share_record")
def revenue_share_record(invoice_id: int) -> int:
    """A paid (refunded, voided) invoice's ledger entries; the unique event keys make a
    redelivered or duplicated message harmless."""
    from apps.ledger.services import revenue_share_record as record

    return len(record(invoice_id=invoice_id))


@app.task(name="billing.revenue_share_catch_up")
def revenue_share_catch_up() -> int:
    from apps.ledger.services import revenue_share_catch_up as catch_up

    return catch_up()


@app.task(name="billing.revenue_share_catch_up_recent")
def revenue_share_catch_up_recent() -> int:
    """Every minute: commissions (and reversals) of recently changed invoices whose
    after-commit message was lost; skips invoices another transaction holds."""
    from apps.ledger.services import revenue_share_catch_up_recent as catch_up

    return catch_up()


@app.task(name="billing.payment_intents_reconcile")
def payment_intents_reconcile() -> dict:
    """Every minute: online payments left between charge and record are settled by
    asking the provider (by idempotency key); recording is exactly once."""
    from apps.billing.online import payment_intents_reconcile as reconcile

    return reconcile().__dict__


@app.task(name="billing.recurring_invoices_generate")
def recurring_invoices_generate() -> int:
    from apps.billing.recurring import recurring_invoices_generate as generate

    return generate()


@app.task(name="billing.invoices_mark_overdue")
def invoices_mark_overdue() -> int:
    from apps.billing.services import invoices_mark_overdue as mark

    return mark()
