"""Staff billing pages, the client portal's invoice pages and PDF, permissions, forms
with inline errors, client isolation and no per-row queries."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from apps.accounts.roles import Role
from apps.billing.models import Invoice, Payment
from tests.billing.factories import draft_invoice, line, paid_invoice, sent_invoice
from tests.portal.factories import give_access, make_client, make_engagement

pytestmark = pytest.mark.django_db


def in_public() -> None:
    connection.set_schema_to_public()


CARD = {"cardholder": "Zoë Baker", "card_number": "4242 4242 4242 4242", "expiry": "12/39",
        "cvc": "123"}


def line_post(**fields) -> dict:
    data = {"issue_date": "2026-04-01", "payment_terms": "net_30", "currency": "USD",
            "lines-TOTAL_FORMS": "6", "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100",
            "lines-0-description": "Quarterly review", "lines-0-quantity": "2",
            "lines-0-unit_price": "150.00", "lines-0-tax_percent": "8.25"}
    data.update(fields)
    return data


def test_staff_create_a_draft_send_it_and_record_a_payment(in_firm_a):
    client = make_client(business_name="Acme")
    in_public()
    staff = in_firm_a.client(Role.BOOKKEEPER)

    created = staff.post(f"/staff/billing/clients/{client.pk}/invoices/new/", line_post())
    connection.set_tenant(in_firm_a.firm)
    invoice = Invoice.objects.get(client=client)
    in_public()
    sent = staff.post(f"/staff/billing/invoices/{invoice.pk}/send/")
    form = staff.get(f"/staff/billing/invoices/{invoice.pk}/")
    key = form.context["payment_form"]["idempotency_key"].value()
    paid = staff.post(f"/staff/billing/invoices/{invoice.pk}/payments/", {
        "amount": "100.00", "method": "check", "received_on": "2026-04-10",
        "reference": "#1001", "idempotency_key": key})
    double = staff.post(f"/staff/billing/invoices/{invoice.pk}/payments/", {
        "amount": "100.00", "method": "check", "received_on": "2026-04-10",
        "reference": "#1001", "idempotency_key": key})

    assert created.status_code == 302 and sent.status_code == 302
    assert paid.status_code == 302 and double.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert (invoice.total, invoice.tax_total) == (Decimal("324.75"), Decimal("24.75"))
    assert (invoice.status, invoice.balance) == ("partially_paid", Decimal("224.75"))
    assert Payment.objects.filter(invoice=invoice).count() == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"lines-0-quantity": "-1"}, b"greater than or equal to 0.0001"),
    ({"lines-0-unit_price": "99999999999"}, b"less than or equal to"),
    ({"lines-0-description": "x" * 10_000}, b"at most 500 characters"),
    ({"lines-0-description": "bad\x00"}, b"Null characters are not allowed"),
    ({"currency": "XYZ"}, b"Select a valid choice"),
    ({"lines-0-description": "", "lines-0-unit_price": ""}, b"Add at least one line"),
])
def test_bad_invoice_forms_come_back_with_inline_errors(in_firm_a, fields, message):
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.MANAGER).post(
        f"/staff/billing/clients/{client.pk}/invoices/new/", line_post(**fields))

    assert response.status_code == 400
    assert message in response.content
    connection.set_tenant(in_firm_a.firm)
    assert not Invoice.objects.exists()


def test_over_payment_and_void_reason_errors_show_on_the_detail_page(in_firm_a):
    invoice = sent_invoice(lines=[line(unit_price="100.00")])
    in_public()
    staff = in_firm_a.client(Role.MANAGER)

    over = staff.post(f"/staff/billing/invoices/{invoice.pk}/payments/", {
        "amount": "150.00", "method": "ach", "received_on": "2026-01-15",
        "idempotency_key": "page-over-pay-1"})
    no_reason = staff.post(f"/staff/billing/invoices/{invoice.pk}/void/", {"reason": ""})

    assert over.status_code == 400 and b"balance is 100.00 USD" in over.content
    assert no_reason.status_code == 400 and b"This field is required" in no_reason.content


@pytest.mark.parametrize(("role", "path", "method"), [
    (Role.STAFF_ACCOUNTANT, "/staff/billing/clients/{client}/invoices/new/", "get"),
    (Role.STAFF_ACCOUNTANT, "/staff/billing/invoices/{invoice}/payments/", "post"),
    (Role.ADVISOR, "/staff/billing/invoices/{invoice}/void/", "post"),
    (Role.CLIENT_OWNER, "/staff/billing/invoices/", "get"),
    (Role.AUDITOR, "/staff/billing/invoices/{invoice}/send/", "post"),
])
def test_roles_without_the_permission_are_refused_and_nothing_changes(in_firm_a, role, path,
                                                                       method):
    invoice = draft_invoice()
    in_public()
    url = path.format(client=invoice.client_id, invoice=invoice.pk)

    response = getattr(in_firm_a.client(role), method)(url, {"amount": "1.00",
                                                            "method": "ach",
                                                            "reason": "x"})

    assert response.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("draft", invoice.total)


def test_invoice_list_costs_the_same_queries_for_5_or_40_invoices(in_firm_a):
    def count() -> int:
        in_public()
        staff = in_firm_a.client(Role.MANAGER)
        staff.get("/staff/billing/invoices/")
        with CaptureQueriesContext(connection) as captured:
            assert staff.get("/staff/billing/invoices/").status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    for _ in range(5):
        sent_invoice()
    few = count()
    for _ in range(35):
        sent_invoice()

    assert count() == few


def test_detail_page_queries_do_not_grow_with_payments(in_firm_a):
    def count(invoice) -> int:
        in_public()
        staff = in_firm_a.client(Role.MANAGER)
        staff.get(f"/staff/billing/invoices/{invoice.pk}/")
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(f"/staff/billing/invoices/{invoice.pk}/").status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    from apps.billing.payments import payment_record

    one = sent_invoice(lines=[line(unit_price="100.00")] * 2)
    payment_record(invoice=one, amount=Decimal("1.00"), method="ach")
    many = sent_invoice(lines=[line(unit_price="100.00")] * 20)
    for _ in range(10):
        payment_record(invoice=many, amount=Decimal("1.00"), method="ach")

    assert count(many) == count(one)


def test_a_client_sees_pays_and_downloads_their_invoice(in_firm_a):
    client = make_client(business_name="Zoë's Bakery")
    invoice = sent_invoice(client, lines=[line("Payroll, May", "2", "125.50", "0.05")])
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    in_public()
    portal = in_firm_a.client(Role.CLIENT_OWNER)
    base = f"/portal/{client.pk}/invoices/{invoice.pk}/"

    page = portal.get(base)
    key = page.context["pay_form"]["idempotency_key"].value()
    paid = portal.post(base, {"amount": "263.55", "idempotency_key": key, **CARD})
    pdf = portal.get(base + "pdf/")

    assert page.status_code == 200 and b"Pay by card" in page.content
    assert paid.status_code == 302
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for expected in (invoice.number, "Zoë's Bakery", "Payroll, May", "251.00", "12.55",
                     "263.55 USD", "Balance due", "0.00 USD", in_firm_a.firm.name):
        assert expected in text
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_a_declined_card_shows_the_reason_on_the_form(in_firm_a):
    client = make_client()
    invoice = sent_invoice(client)
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    in_public()

    response = in_firm_a.client(Role.CLIENT_OWNER).post(
        f"/portal/{client.pk}/invoices/{invoice.pk}/",
        {"amount": "100.00", "idempotency_key": "declined-page-1",
         **CARD, "card_number": "4000 0000 0000 0002"})

    assert response.status_code == 400 and b"The card was declined." in response.content


def test_clients_see_only_their_own_sent_invoices(in_firm_a):
    mine, theirs = make_client(), make_client()
    visible = sent_invoice(mine)
    draft = draft_invoice(mine)
    other = paid_invoice(theirs)
    give_access(in_firm_a.user(Role.CLIENT_MEMBER), mine)
    in_public()
    portal = in_firm_a.client(Role.CLIENT_MEMBER)

    assert portal.get(f"/portal/{mine.pk}/invoices/{visible.pk}/").status_code == 200
    assert portal.get(f"/portal/{mine.pk}/invoices/{draft.pk}/").status_code == 404
    assert portal.get(f"/portal/{mine.pk}/invoices/{other.pk}/").status_code == 404
    assert portal.get(f"/portal/{theirs.pk}/invoices/{other.pk}/").status_code == 404
    assert portal.get(f"/portal/{mine.pk}/invoices/{other.pk}/pdf/").status_code == 404
    # A client member may look but not pay.
    paying = portal.post(f"/portal/{mine.pk}/invoices/{visible.pk}/",
                         {"amount": "1.00", "idempotency_key": "member-1", **CARD})
    assert paying.status_code == 403


def test_staff_pdf_and_admin_send_action(in_firm_a):
    invoice = draft_invoice()
    in_public()
    staff = in_firm_a.client(Role.OWNER)

    pdf = staff.get(f"/staff/billing/invoices/{invoice.pk}/pdf/")
    acted = staff.post("/admin/billing/invoice/", {"action": "send_invoices",
                                                   "_selected_action": [invoice.pk]})

    assert pdf.content.startswith(b"%PDF")
    assert acted.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert invoice.status == "sent"


def test_admin_adds_an_invoice_through_the_service(in_firm_a):
    client = make_client()
    in_public()

    response = in_firm_a.client(Role.OWNER).post("/admin/billing/invoice/add/", {
        "client": client.pk, "issue_date": "2026-05-01", "payment_terms": "net_15",
        "currency": "EUR", "description": "Audit fee", "quantity": "1",
        "unit_price": "900.00", "tax_rate": "0.2", "notes": ""})

    assert response.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    invoice = Invoice.objects.get(client=client)
    assert (invoice.total, invoice.currency, invoice.number[:5]) == (
        Decimal("1080.00"), "EUR", "2026-")


def test_a_forged_portal_payment_is_refused_when_online_payments_are_off(in_firm_a, settings):
    settings.IS_PROD = True
    settings.BILLING_PAYMENT_PROVIDER = "apps.billing.providers.FakeProvider"
    client = make_client()
    invoice = sent_invoice(client)
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    in_public()
    portal = in_firm_a.client(Role.CLIENT_OWNER)
    base = f"/portal/{client.pk}/invoices/{invoice.pk}/"

    page = portal.get(base)
    forged = portal.post(base, {"amount": str(invoice.total), **CARD,
                                "idempotency_key": "forged-prod-1"})

    assert page.status_code == 200 and b"Pay by card" not in page.content
    assert forged.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    invoice.refresh_from_db()
    assert invoice.status == "sent" and invoice.balance == invoice.total
    assert not Payment.objects.exists()


def test_admin_add_with_another_clients_engagement_is_a_form_error(in_firm_a):
    client, other = make_client(), make_client()
    theirs = make_engagement(other)
    in_public()

    response = in_firm_a.client(Role.OWNER).post("/admin/billing/invoice/add/", {
        "client": client.pk, "engagement": theirs.pk, "issue_date": "2026-05-01",
        "payment_terms": "net_15", "currency": "EUR", "description": "Audit fee",
        "quantity": "1", "unit_price": "900.00", "tax_rate": "0.2", "notes": ""})

    assert response.status_code == 200
    assert b"That engagement belongs to another client." in response.content
    connection.set_tenant(in_firm_a.firm)
    assert not Invoice.objects.filter(client=client).exists()
