"""Invoices: creation with lines and totals, numbering, every status transition, send,
void, overdue marking, bad input, and the dashboard view's billing figures."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.models import AuditAction, AuditEvent
from apps.billing.models import Invoice, InvoiceLine
from apps.billing.payments import payment_record, payment_refund
from apps.billing.services import (
    TRANSITIONS,
    invoice_create,
    invoice_send,
    invoice_void,
    invoices_mark_overdue,
    transition_allowed,
)
from apps.portal.metrics import client_metrics_from_view, client_metrics_live
from apps.portal.refresh import dashboard_refresh
from tests.billing.factories import draft_invoice, line, paid_invoice, sent_invoice
from tests.portal.factories import make_client, make_engagement

pytestmark = pytest.mark.django_db
S = Invoice.Status


def test_an_invoice_totals_its_rounded_lines_and_gets_the_next_number(in_firm_a):
    client = make_client()

    invoice = invoice_create(client=client, issue_date=date(2026, 3, 1), payment_terms="net_15",
                             lines=[line("Bookkeeping", "0.5", "200.01", "0.0825"),
                                    line("Payroll run", "1.5", "80.00")])

    assert invoice.number.startswith("2026-")
    assert invoice.status == S.DRAFT
    assert invoice.due_date == date(2026, 3, 16)
    assert invoice.tax_total == Decimal("8.25")
    assert invoice.total == Decimal("100.01") + Decimal("8.25") + Decimal("120.00")
    assert invoice.balance == invoice.total
    assert [(li.position, li.amount, li.tax_amount) for li in invoice.lines.all()] == [
        (1, Decimal("100.01"), Decimal("8.25")), (2, Decimal("120.00"), Decimal("0.00"))]
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED,
                                     target_id=str(invoice.pk)).exists()


def test_numbers_follow_each_other_without_gaps_even_after_a_rollback(in_firm_a):
    client = make_client()
    first = draft_invoice(client, issue_date=date(2027, 5, 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        draft_invoice(client, issue_date=date(2027, 5, 2))
        raise RuntimeError("the request failed after numbering")
    second = draft_invoice(client, issue_date=date(2027, 6, 1))

    assert first.number == "2027-00001"
    assert second.number == "2027-00002"


def test_numbers_restart_each_year_and_firms_number_separately(in_firm_a, firm_b):
    from django.db import connection

    a_2028 = draft_invoice(issue_date=date(2028, 1, 5))
    connection.set_tenant(firm_b.firm)
    b_2028 = draft_invoice(issue_date=date(2028, 2, 5))

    assert a_2028.number == b_2028.number == "2028-00001"


@pytest.mark.parametrize(("current", "new"), [
    (a, b) for a, b in itertools.product(S.values, S.values) if b not in TRANSITIONS[a]])
def test_every_transition_not_in_the_table_is_refused(current, new):
    assert not transition_allowed(current, new)


def test_the_transition_table_is_exactly_the_documented_one():
    allowed = {(a, b) for a in S.values for b in S.values if transition_allowed(a, b)}

    assert allowed == {("draft", "sent"), ("draft", "void"), ("sent", "partially_paid"),
                       ("sent", "paid"), ("sent", "overdue"), ("sent", "void"),
                       ("partially_paid", "paid"), ("partially_paid", "overdue"),
                       ("partially_paid", "void"), ("overdue", "paid"), ("overdue", "void"),
                       ("paid", "void")}


def test_services_refuse_invalid_transitions_and_change_nothing(in_firm_a):
    paid = paid_invoice()
    void = invoice_void(invoice=sent_invoice(), reason="Billed twice")

    with pytest.raises(ValidationError) as sent_again:
        invoice_send(invoice=paid)
    with pytest.raises(ValidationError):
        invoice_send(invoice=void)
    with pytest.raises(ValidationError):
        invoice_void(invoice=void, reason="again")
    with pytest.raises(ValidationError) as pay_void:
        payment_record(invoice=void, amount=Decimal("1.00"), method="ach")
    with pytest.raises(ValidationError) as pay_draft:
        payment_record(invoice=draft_invoice(), amount=Decimal("1.00"), method="ach")

    assert "paid invoice cannot become sent" in sent_again.value.message_dict["status"][0]
    assert "void" in pay_void.value.message_dict["invoice"][0]
    assert "draft" in pay_draft.value.message_dict["invoice"][0]
    paid.refresh_from_db()
    void.refresh_from_db()
    assert (paid.status, paid.balance) == (S.PAID, Decimal("0.00"))
    assert (void.status, void.balance) == (S.VOID, Decimal("0.00"))


def test_sending_issues_the_draft_and_emails_the_client(in_firm_a, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    client = make_client(contact_email="owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_send(invoice=draft_invoice(client))

    assert invoice.status == S.SENT and invoice.sent_at is not None
    assert [m.to for m in mailoutbox] == [["owner@acme.test"]]
    assert invoice.number in mailoutbox[0].subject


def test_an_invoice_with_nothing_to_pay_is_not_sent(in_firm_a):
    invoice = draft_invoice(lines=[line(unit_price="0.00")])

    with pytest.raises(ValidationError):
        invoice_send(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == S.DRAFT


def test_voiding_a_paid_invoice_refunds_it_and_nothing_is_owed(in_firm_a):
    invoice = paid_invoice()

    invoice = invoice_void(invoice=invoice, reason="Engagement cancelled")

    assert (invoice.status, invoice.balance) == (S.VOID, Decimal("0.00"))
    assert invoice.amount_refunded == invoice.total
    assert invoice.refunds.get().amount == invoice.total
    assert invoice.amount_paid == Decimal("0.00")


def test_overdue_marking_moves_only_open_invoices_past_due(in_firm_a):
    late = sent_invoice(issue_date=date(2026, 1, 1))  # due Jan 31
    partly = sent_invoice(issue_date=date(2026, 1, 1))
    payment_record(invoice=partly, amount=Decimal("10.00"), method="ach",
                   received_on=date(2026, 1, 5))
    not_due = sent_invoice(issue_date=date(2026, 2, 10))
    paid = paid_invoice(issue_date=date(2026, 1, 1))
    draft = draft_invoice(issue_date=date(2026, 1, 1))

    marked = invoices_mark_overdue(today=date(2026, 2, 15))

    assert marked == 2
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert statuses[late.pk] == statuses[partly.pk] == S.OVERDUE
    assert (statuses[not_due.pk], statuses[paid.pk], statuses[draft.pk]) == (
        S.SENT, S.PAID, S.DRAFT)
    assert invoices_mark_overdue(today=date(2026, 2, 15)) == 0


BAD_LINES = [
    ({"quantity": "-1"}, "lines.0.quantity"),
    ({"quantity": "0"}, "lines.0.quantity"),
    ({"unit_price": "-5.00"}, "lines.0.unit_price"),
    ({"unit_price": "1e30"}, "lines.0.unit_price"),
    ({"unit_price": "12.345"}, "lines.0.unit_price"),
    ({"unit_price": "NaN"}, "lines.0.unit_price"),
    ({"unit_price": 12.5}, "lines.0.unit_price"),
    ({"tax_rate": "1.5"}, "lines.0.tax_rate"),
    ({"description": "bad\x00text"}, "lines.0.description"),
    ({"description": "x" * 10_000}, "lines.0.description"),
    ({"description": ""}, "lines.0.description"),
]


@pytest.mark.parametrize(("change", "field"), BAD_LINES)
def test_bad_lines_are_refused_with_the_field_named(in_firm_a, change, field):
    bad = {**line(), **change}

    with pytest.raises(ValidationError) as refused:
        invoice_create(client=make_client(), lines=[bad])

    assert field in refused.value.message_dict
    assert not Invoice.objects.exists()


def test_unknown_currency_terms_and_absurd_totals_are_refused(in_firm_a):
    client = make_client()
    huge = line(quantity="99999999", unit_price="9999999999.99")

    with pytest.raises(ValidationError) as refused:
        invoice_create(client=client, lines=[line()], currency="XYZ", payment_terms="net_999")
    with pytest.raises(ValidationError) as too_big:
        invoice_create(client=client, lines=[huge])
    with pytest.raises(ValidationError) as no_lines:
        invoice_create(client=client, lines=[])

    assert set(refused.value.message_dict) == {"currency", "payment_terms"}
    assert "lines" in too_big.value.message_dict
    assert "lines" in no_lines.value.message_dict
    assert not InvoiceLine.objects.exists()


def test_an_engagement_of_another_client_is_refused(in_firm_a):
    other = make_engagement(make_client())

    with pytest.raises(ValidationError) as refused:
        invoice_create(client=make_client(), engagement=other, lines=[line()])

    assert "engagement" in refused.value.message_dict


def test_dashboard_view_counts_partial_payments_and_refunds_like_live_aggregation(in_firm_a):
    client = make_client()
    paid_invoice(client, lines=[line(unit_price="500.00")])
    partly = sent_invoice(client, lines=[line(unit_price="200.00")])
    payment_record(invoice=partly, amount=Decimal("50.00"), method="check")
    refunded = paid_invoice(client, lines=[line(unit_price="100.00")])
    payment_refund(payment=refunded.payments.get(), amount=Decimal("30.00"), reason="Goodwill")
    invoice_void(invoice=paid_invoice(client, lines=[line(unit_price="999.00")]), reason="Dup")
    draft_invoice(client)

    dashboard_refresh(concurrently=False)
    view = client_metrics_from_view(client.pk)
    live = client_metrics_live([client.pk])[client.pk]

    assert view["revenue_paid"] == Decimal("620.00")  # 500 + 50 + (100 - 30)
    assert view["outstanding_balance"] == Decimal("150.00")
    assert view["invoices_open"] == 1
    assert {k: view[k] for k in ("revenue_paid", "outstanding_balance", "invoices_open",
                                 "invoices_total", "invoices_overdue")} == {
        k: live[k] for k in ("revenue_paid", "outstanding_balance", "invoices_open",
                             "invoices_total", "invoices_overdue")}
