"""Real objects of firm A for the isolation suite's billing routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context

from apps.billing.payments import payment_record
from apps.billing.services import invoice_create, invoice_send
from tests.portal.factories import make_client


def _invoice(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Billing isolation sample")
        invoice = invoice_send(invoice=invoice_create(client=client, lines=[
            {"description": "Sample", "quantity": "1", "unit_price": "10.00"}]))
        payment = payment_record(invoice=invoice, amount="5.00", method="ach")
    return {"invoice_id": invoice.pk, "pk": invoice.pk, "client_id": client.pk,
            "payment_id": payment.pk}


def _client(world) -> dict:
    with schema_context(world.firm.schema_name):
        return {"client_id": make_client(business_name="Billing isolation client").pk}


def _recurring_plan(world) -> dict:
    from apps.billing.recurring import recurring_plan_create

    with schema_context(world.firm.schema_name):
        plan = recurring_plan_create(client=make_client(), frequency="monthly",
                                     description="Sample plan", unit_price="10.00")
    return {"object_id": plan.pk}


def _draft(world) -> dict:
    with schema_context(world.firm.schema_name):
        invoice = invoice_create(client=make_client(business_name="Draft isolation sample"),
                                 lines=[{"description": "Sample", "unit_price": "10.00"}])
    return {"invoice_id": invoice.pk}


def _service(world) -> dict:
    from apps.billing.catalogue import billable_service_create

    with schema_context(world.firm.schema_name):
        service = billable_service_create(name="Isolation sample service",
                                          unit_price="10.00")
    return {"service_id": service.pk}


BILLING_SAMPLES: dict[str, Callable] = {
    "billing:invoice_edit": _draft,
    "billing:service_edit": _service,
    **dict.fromkeys(["billing:invoice_detail", "billing:invoice_send", "billing:invoice_void",
                     "billing:payment_create", "billing:refund_create", "billing:invoice_pdf",
                     "portal_billing:invoice", "portal_billing:invoice_pdf",
                     "billing_api:invoice_detail", "billing_api:invoice_send",
                     "billing_api:invoice_void"], _invoice),
    **dict.fromkeys(["billing:invoice_create", "billing:recurring_create"], _client),
    # The firm admin's recurring plan pages (invoices are sampled by the isolation suite).
    **dict.fromkeys([f"firm_admin:billing_recurringplan_{view}"
                     for view in ("change", "delete", "history")], _recurring_plan),
}
