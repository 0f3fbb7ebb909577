"""The invoice editor: tax rates with three decimals, editing a draft (and only a draft),
adding and removing lines without JavaScript, and the firm's saved services and rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.billing.catalogue import billable_service_create
from apps.billing.drafts import invoice_draft_update
from apps.billing.models import BillableService, Invoice
from tests.billing.factories import draft_invoice, line, sent_invoice
from tests.billing.test_pages import line_post
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


def in_public() -> None:
    connection.set_schema_to_public()


def test_a_tax_rate_of_8_875_percent_is_kept_to_the_cent(in_firm_a):
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/clients/{client.pk}/invoices/new/",
        line_post(**{"lines-0-tax_percent": "8.875", "lines-0-quantity": "1",
                     "lines-0-unit_price": "1000.00"}))

    assert response.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    invoice = Invoice.objects.get(client=client)
    assert invoice.lines.get().tax_rate == Decimal("0.08875")
    assert (invoice.tax_total, invoice.total) == (Decimal("88.75"), Decimal("1088.75"))


def test_a_tax_rate_with_four_decimals_is_refused_on_its_field(in_firm_a):
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/clients/{client.pk}/invoices/new/",
        line_post(**{"lines-0-tax_percent": "8.8755"}))

    assert response.status_code == 400
    row = response.context["lines"].forms[0]
    assert row.errors["tax_percent"] == ["Ensure that there are no more than 3 decimal places."]


def test_the_api_takes_a_tax_rate_of_8_875_percent(in_firm_a):
    invoice = draft_invoice(lines=[line(unit_price="200.00", tax_rate="0.08875")])

    assert invoice.tax_total == Decimal("17.75")


def test_a_draft_is_edited_with_new_lines_and_totals_and_audited(in_firm_a):
    invoice = draft_invoice(lines=[line(unit_price="100.00"), line("Payroll", unit_price="50")])
    in_public()
    staff = in_firm_a.client(Role.BOOKKEEPER)

    page = staff.get(f"/staff/billing/invoices/{invoice.pk}/edit/")
    saved = staff.post(f"/staff/billing/invoices/{invoice.pk}/edit/", line_post(**{
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "2",
        "lines-0-description": "Monthly bookkeeping", "lines-0-quantity": "3",
        "lines-0-unit_price": "100.00", "lines-0-tax_percent": "10",
        "lines-1-description": "Payroll", "lines-1-unit_price": "50", "lines-1-DELETE": "on",
        "lines-2-description": "Year-end pack", "lines-2-unit_price": "400.00"}))

    assert page.status_code == 200 and b'value="Payroll"' in page.content
    assert saved.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert [(x.position, x.description) for x in invoice.lines.all()] == [
        (1, "Monthly bookkeeping"), (2, "Year-end pack")]
    assert (invoice.total, invoice.tax_total, invoice.balance) == (
        Decimal("730.00"), Decimal("30.00"), Decimal("730.00"))
    event = AuditEvent.objects.filter(target_id=str(invoice.pk),
                                      details__change="edited").get()
    assert event.details["before"]["total"] == "150.00"
    assert event.details["after"]["total"] == "730.00"


def test_a_sent_invoice_cannot_be_edited_and_stays_as_it_was(in_firm_a):
    invoice = sent_invoice(lines=[line(unit_price="100.00")])

    with pytest.raises(ValidationError) as refused:
        invoice_draft_update(invoice=invoice, lines=[line(unit_price="1.00")],
                             issue_date=invoice.issue_date)
    in_public()
    page = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/invoices/{invoice.pk}/edit/", line_post())

    assert "only a draft can be edited" in refused.value.message_dict["status"][0]
    assert page.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("100.00") and invoice.lines.get().unit_price == 100


def test_a_bad_line_in_an_edit_shows_on_its_row_and_changes_nothing(in_firm_a):
    invoice = draft_invoice(lines=[line(unit_price="100.00")])
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/invoices/{invoice.pk}/edit/", line_post(**{
            "lines-TOTAL_FORMS": "2", "lines-1-description": "Rush fee",
            "lines-1-unit_price": ""}))

    assert response.status_code == 400
    assert response.context["lines"].forms[1].errors["unit_price"] == ["Enter a price."]
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("100.00")


def test_add_a_line_without_javascript_returns_one_more_row_and_saves_nothing(in_firm_a):
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/clients/{client.pk}/invoices/new/",
        line_post(**{"lines-TOTAL_FORMS": "3", "add_line": "1"}))

    assert response.status_code == 200
    lines = response.context["lines"]
    assert len(lines.forms) == 4 and b'name="lines-3-description"' in response.content
    assert b'value="Quarterly review"' in response.content
    assert b"errorlist" not in response.content
    connection.set_tenant(in_firm_a.firm)
    assert not Invoice.objects.exists()


def test_a_saved_service_fills_a_line_left_blank(in_firm_a):
    service = billable_service_create(name="Monthly bookkeeping", unit_price="450.00",
                                      tax_rate="0.08875")
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/clients/{client.pk}/invoices/new/", line_post(**{
            "lines-0-service": str(service.pk), "lines-0-description": "",
            "lines-0-unit_price": "", "lines-0-tax_percent": "", "lines-0-quantity": "2"}))

    assert response.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    stored = Invoice.objects.get(client=client).lines.get()
    assert (stored.description, stored.quantity, stored.unit_price, stored.tax_rate) == (
        "Monthly bookkeeping", Decimal("2"), Decimal("450.00"), Decimal("0.08875"))


def test_the_services_page_adds_and_changes_a_service_with_field_errors(in_firm_a):
    in_public()
    staff = in_firm_a.client(Role.MANAGER)

    bad = staff.post("/staff/billing/services/", {"name": "", "unit_price": "-1",
                                                  "tax_percent": "8.8755"})
    added = staff.post("/staff/billing/services/", {"name": "Tax return",
                                                    "unit_price": "900", "tax_percent": "0"})
    again = staff.post("/staff/billing/services/", {"name": "Tax return",
                                                    "unit_price": "1", "tax_percent": "0"})
    connection.set_tenant(in_firm_a.firm)
    service = BillableService.objects.get()
    in_public()
    changed = staff.post(f"/staff/billing/services/{service.pk}/", {
        "name": "Tax return", "unit_price": "950", "tax_percent": "8.875", "active": ""})

    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"name", "unit_price", "tax_percent"}
    assert added.status_code == 302 and changed.status_code == 302
    assert again.status_code == 400
    assert again.context["form"].errors["name"] == [
        "The catalogue already has a service by this name."]
    connection.set_tenant(in_firm_a.firm)
    service.refresh_from_db()
    assert (service.unit_price, service.tax_rate, service.active) == (
        Decimal("950.00"), Decimal("0.08875"), False)


@pytest.mark.parametrize(("role", "method", "path"), [
    (Role.STAFF_ACCOUNTANT, "post", "/staff/billing/services/"),
    (Role.STAFF_ACCOUNTANT, "get", "/staff/billing/invoices/{invoice}/edit/"),
    (Role.AUDITOR, "post", "/staff/billing/invoices/{invoice}/edit/"),
    (Role.CLIENT_OWNER, "get", "/staff/billing/services/"),
])
def test_roles_without_invoice_editing_cannot_change_drafts_or_services(in_firm_a, role,
                                                                        method, path):
    invoice = draft_invoice(lines=[line(unit_price="100.00")])
    in_public()

    response = getattr(in_firm_a.client(role), method)(
        path.format(invoice=invoice.pk), {"name": "Sneaky", "unit_price": "1",
                                          **line_post()})

    assert response.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("100.00") and not BillableService.objects.exists()
