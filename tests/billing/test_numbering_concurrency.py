"""Invoice numbers under concurrent creation: many connections at once, some of them
rolling back, and the committed numbers are unique and without gaps. Committed data in
firm A (each thread is its own connection), removed afterwards."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.billing.models import Invoice, InvoiceNumberSequence
from apps.billing.services import invoice_number_next
from apps.portal.models import Client

YEAR = 2031
THREADS = 12
PER_THREAD = 5


@pytest.mark.django_db
def test_concurrent_creations_get_unique_numbers_without_gaps(_two_firms, django_db_blocker):
    firm = _two_firms[0].firm
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def create_some(index: int) -> None:
        try:
            connection.set_tenant(firm)
            client = Client.objects.create(business_name=f"Numbering {index}")
            start.wait(timeout=30)
            for n in range(PER_THREAD):
                try:
                    with transaction.atomic():
                        Invoice.objects.create(
                            client=client, number=invoice_number_next(date(YEAR, 1, 1)),
                            issue_date=date(YEAR, 1, 1), due_date=date(YEAR, 1, 31),
                            total=Decimal("1.00"), balance=Decimal("1.00"))
                        if (index + n) % 4 == 0:
                            raise LookupError("this creation fails after numbering")
                except LookupError:
                    pass
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=create_some, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        numbers: list[str] = []

        def read_and_clean_up() -> None:
            # Its own connection: this test's connection sits in a transaction that is
            # rolled back, and the threads' rows were committed.
            try:
                connection.set_tenant(firm)
                numbers.extend(sorted(Invoice.objects.filter(issue_date__year=YEAR)
                                      .values_list("number", flat=True)))
                Invoice.objects.filter(issue_date__year=YEAR).delete()
                Client.objects.filter(business_name__startswith="Numbering ").delete()
                InvoiceNumberSequence.objects.filter(year=YEAR).delete()
            finally:
                connection.close()

        cleaner = threading.Thread(target=read_and_clean_up)
        cleaner.start()
        cleaner.join(timeout=60)

    assert errors == []
    committed = THREADS * PER_THREAD - sum(
        1 for i in range(THREADS) for n in range(PER_THREAD) if (i + n) % 4 == 0)
    assert numbers == [f"{YEAR}-{k:05d}" for k in range(1, committed + 1)]
