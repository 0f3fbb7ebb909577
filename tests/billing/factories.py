"""Billing test data made through the real services (numbering, totals, audit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.billing.models import Invoice
from apps.billing.payments import payment_record
from apps.billing.services import invoice_create, invoice_send
from apps.portal.models import Client
from tests.portal.factories import make_client


def line(description: str = "Monthly bookkeeping", quantity: str = "1",
         unit_price: str = "100.00", tax_rate: str = "0") -> dict:
    return {"description": description, "quantity": Decimal(quantity),
            "unit_price": Decimal(unit_price), "tax_rate": Decimal(tax_rate)}


def draft_invoice(client: Client | None = None, *, lines: list[dict] | None = None,
                  **fields) -> Invoice:
    fields.setdefault("issue_date", date(2026, 1, 10))
    return invoice_create(client=client or make_client(), lines=lines or [line()], **fields)


def sent_invoice(client: Client | None = None, **fields) -> Invoice:
    return invoice_send(invoice=draft_invoice(client, **fields))


def paid_invoice(client: Client | None = None, **fields) -> Invoice:
    invoice = sent_invoice(client, **fields)
    payment_record(invoice=invoice, amount=invoice.total, method="ach",
                   received_on=date(2026, 1, 20))
    invoice.refresh_from_db()
    return invoice


def marketplace_engagement_for(world, client: Client, *, status: str = "active"):
    """A marketplace engagement of `world`'s firm for `client`, with a fresh advisor."""
    from apps.accounts.roles import Role
    from tests.marketplace.factories import make_advisor, make_engagement

    return make_engagement(firm=world.firm, advisor=make_advisor(embed=False),
                           requested_by=world.user(Role.OWNER), status=status,
                           client_id=client.pk, client_name=client.business_name)
