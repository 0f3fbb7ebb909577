"""The invoice editor and the card form in a real browser: rows added in place with a
running total, and a card number grouped as it is typed."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.billing.models import Invoice
from apps.firms.models import Firm
from tests.e2e.conftest import SLUG, screenshot, signed_in_page

pytestmark = pytest.mark.django_db


def test_staff_build_an_invoice_with_a_running_total(browser, site):
    page = signed_in_page(browser, site, site.manager)
    page.goto(f"{site.base}/staff/billing/clients/{site.mine_id}/invoices/new/")

    page.fill("[name=lines-0-description]", "Monthly bookkeeping")
    page.fill("[name=lines-0-quantity]", "2")
    page.fill("[name=lines-0-unit_price]", "150.00")
    page.fill("[name=lines-0-tax_percent]", "8.875")
    page.get_by_role("button", name="Add a line").click()
    page.fill("[name=lines-3-description]", "Payroll setup")
    page.fill("[name=lines-3-unit_price]", "100")
    assert page.locator("[data-total]").inner_text() == "426.63"
    screenshot(page, "staff-invoice-editor-desktop")
    page.get_by_role("button", name="Create draft").click()

    assert page.get_by_role("button", name="Edit draft").is_visible()
    assert "426.63" in page.content()


def test_the_client_pays_through_a_card_form(browser, site):
    with schema_context(Firm.objects.get(slug=SLUG).schema_name):
        invoice = Invoice.objects.get(number="INV-1001")
    page = signed_in_page(browser, site, site.client_user)
    page.goto(f"{site.base}/portal/{site.mine_id}/invoices/{invoice.pk}/")

    assert page.get_by_text("Test mode: no real money moves.").is_visible()
    page.get_by_label("Name on the card").fill("Bea Bright")
    page.get_by_label("Card number").press_sequentially("4242424242424242")
    page.get_by_label("Expiry (MM/YY)").press_sequentially("1239")
    page.get_by_label("Security code (CVC)").fill("123")
    assert page.get_by_label("Card number").input_value() == "4242 4242 4242 4242"
    assert page.get_by_label("Expiry (MM/YY)").input_value() == "12/39"
    screenshot(page, "portal-card-form-desktop")
    page.get_by_role("button", name="Pay USD").click()

    assert page.get_by_text("Thank you:").is_visible()
