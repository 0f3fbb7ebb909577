"""Invoice creation in few queries (issue 13): the number, the invoice and its lines are
one statement, the API answers from what was written, and the client is checked by that
same statement. Still true: numbers gapless under concurrency, totals, the audit event,
archived and unknown clients refused."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.roles import Perm
from apps.audit.models import AuditAction, AuditEvent
from apps.billing.models import Invoice, InvoiceLine, InvoiceNumberSequence
from apps.billing.services import invoice_create, invoice_create_with_lines
from apps.firms.selectors import firm_host
from apps.observability.harness.roundtrips import redis_round_trips
from apps.security.api_keys import api_key_create
from tests.billing.conftest import in_thread
from tests.billing.factories import line
from tests.portal.factories import make_client

API = "/api/v1/billing"
BODY_LINES = [{"description": "Bookkeeping", "quantity": "2", "unit_price": "80.00",
               "tax_rate": "0.0825"},
              {"description": "Payroll", "quantity": "1.5", "unit_price": "33.33"}]
# What one API creation costs, outside any test transaction (as in production), as Django
# counts them (BEGIN and COMMIT included): 15 before issue 13, 5 now (issue 13's budget):
#   1 BEGIN
#   1 SET search_path (django-tenants, once per request)
#   1 the invoice: number, invoice row, lines and client check in one statement
#   1 the audit event (one INSERT: chained without a lock of its own)
#   1 COMMIT
# The API key, its firm and its owner's role come from the cache (apps/security).
HTTP_BUDGET = 5
BILLING_STATEMENTS = 1
# And its Redis round trips (13 in tests before the client's section tags were bumped in one
# pipeline, 9 before the request's cached authentication was read in one MGET): the
# firm's host tag, the key and its owner's role together (apps/security/request_prefetch.py),
# the throttle counters, the client's content tags bumped in the transaction; after commit
# the audit's sealing mark, the tags bumped again and the dashboard's change marker (6);
# in tests also the request's metrics, written at its end (OBSERVABILITY_FLUSH_SECONDS=0;
# production adds them up in a thread once a second).
HTTP_REDIS_BUDGET = 7


def _billing_statements(queries: list[dict]) -> list[str]:
    return [q["sql"] for q in queries
            if "billing_invoice" in q["sql"] or "portal_client" in q["sql"]]


def test_invoice_creation_over_http_with_an_api_key_in_few_queries(
        committed_firm, django_db_blocker, django_assert_max_num_queries):
    firm = committed_firm
    with django_db_blocker.unblock():
        with schema_context(firm.schema_name):
            client_id = make_client().pk
        key = api_key_create(firm=firm, created_by=User.objects.get(
            email="owner@billing-race.test"), name="Invoices",
            scopes=[Perm.INVOICES_EDIT, Perm.INVOICES_VIEW], expires_in_days=1).plaintext
        connection.set_schema_to_public()
        api = Client(HTTP_HOST=firm_host(firm.slug), HTTP_AUTHORIZATION=f"Api-Key {key}")
        body = {"client": client_id, "issue_date": "2026-05-01", "lines": BODY_LINES}
        api.post(f"{API}/invoices/", body, content_type="application/json")  # warm

        with django_assert_max_num_queries(HTTP_BUDGET), \
                CaptureQueriesContext(connection) as queries, redis_round_trips() as redis:
            created = api.post(f"{API}/invoices/", body, content_type="application/json")
        with schema_context(firm.schema_name):
            stored = Invoice.objects.get(pk=created.json()["id"])
            stored_lines = list(InvoiceLine.objects.filter(invoice=stored)
                                .order_by("position").values_list("id", "amount"))
            audited = AuditEvent.objects.filter(target_id=str(stored.pk),
                                                details__change="created").count()

    assert created.status_code == 201
    assert len(_billing_statements(queries.captured_queries)) == BILLING_STATEMENTS
    assert redis.count <= HTTP_REDIS_BUDGET, redis
    answer = created.json()
    assert answer["number"] == stored.number == "2026-00002"
    assert (answer["total"], answer["tax_total"], answer["balance"]) == (
        "223.20", "13.20", "223.20")
    assert (stored.total, stored.tax_total, stored.balance) == (
        Decimal("223.20"), Decimal("13.20"), Decimal("223.20"))
    assert [li["amount"] for li in answer["lines"]] == ["160.00", "50.00"]
    assert [amount for _, amount in stored_lines] == [Decimal("160.00"), Decimal("50.00")]
    assert answer["created_at"].startswith(stored.created_at.isoformat()[:19])
    assert (answer["status"], answer["due_date"]) == ("draft", "2026-05-31")
    assert audited == 1


@pytest.mark.django_db
def test_the_service_returns_what_it_stored(in_firm_a):
    client = make_client()

    created = invoice_create_with_lines(
        client_id=client.pk, issue_date=date(2026, 4, 2), payment_terms="net_15",
        lines=[line("Advisory", "3", "99.99", "0.05"), line("Filing", "1", "10.00")],
        notes="April")

    stored = Invoice.objects.get(pk=created.invoice.pk)
    for field in ("number", "client_id", "status", "currency", "payment_terms", "issue_date",
                  "due_date", "total", "tax_total", "balance", "amount_refunded", "notes",
                  "created_at", "updated_at"):
        assert getattr(created.invoice, field) == getattr(stored, field), field
    assert [(li.pk, li.position, li.amount, li.tax_amount) for li in created.lines] == list(
        InvoiceLine.objects.filter(invoice=stored).order_by("position")
        .values_list("pk", "position", "amount", "tax_amount"))
    assert stored.due_date == date(2026, 4, 17) and stored.total == Decimal("324.97")
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED,
                                     target_id=str(stored.pk),
                                     details__change="created").count() == 1


@pytest.mark.django_db
def test_an_unknown_or_archived_client_is_refused_and_its_number_given_back(in_firm_a):
    archived = make_client()
    archived.deleted_at = archived.created_at
    archived.save(update_fields=["deleted_at"])
    before = InvoiceNumberSequence.objects.filter(year=2026).values_list(
        "last_value", flat=True).first()

    for client_id in (archived.pk, 10**9):
        with pytest.raises(ValidationError) as refused:
            invoice_create_with_lines(client_id=client_id, issue_date=date(2026, 1, 5),
                                      lines=[line()])
        assert refused.value.message_dict == {
            "client": ["No such client, or the client is archived."]}
    with pytest.raises(ValidationError) as archived_refused:
        invoice_create(client=archived, issue_date=date(2026, 1, 5), lines=[line()])

    assert archived_refused.value.message_dict["client"] == ["This client is archived."]
    assert not Invoice.objects.exists()
    assert InvoiceNumberSequence.objects.filter(year=2026).values_list(
        "last_value", flat=True).first() == before


def test_concurrent_creations_through_the_service_stay_gapless(committed_firm,
                                                               django_db_blocker):
    """Six connections create invoices at once through the real service, every third
    creation rolled back after it was numbered: committed numbers run 1..n."""
    firm = committed_firm
    with django_db_blocker.unblock():
        with schema_context(firm.schema_name):
            client = make_client()
        connection.set_schema_to_public()
        start = threading.Barrier(6)

        def create_some(index: int) -> int:
            start.wait(timeout=30)
            made = 0
            for n in range(4):
                try:
                    with transaction.atomic():
                        invoice_create(client=client, issue_date=date(2027, 1, 1),
                                       lines=[line(unit_price="5.00")])
                        if (index + n) % 3 == 0:
                            raise LookupError("fails after numbering")
                    made += 1
                except LookupError:
                    pass
            return made

        results: list = []
        errors: list = []
        threads = [in_thread(firm, lambda i=i: create_some(i), results, errors)
                   for i in range(6)]
        for thread in threads:
            thread.join(timeout=120)
        with schema_context(firm.schema_name):
            numbers = sorted(Invoice.objects.filter(issue_date__year=2027)
                             .values_list("number", flat=True))

    assert errors == []
    assert numbers == [f"2027-{k:05d}" for k in range(1, sum(results) + 1)]
    assert sum(results) == 24 - sum(1 for i in range(6) for n in range(4) if (i + n) % 3 == 0)
