"""QuickBooks sync against the fake QuickBooks server: full and incremental passes,
SyncToken ordering, deletes, the 30-day CDC limit, resume after a killed worker, and every
fault ending in a clear status with nothing half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations.models import QuickBooksConnection, SyncedRecord, SyncRun
from apps.integrations.quickbooks import sync as sync_module
from apps.integrations.quickbooks.sync import StaleAttempt, sync_execute
from apps.integrations.services import quickbooks_sync_request
from tests.integrations.conftest import connect, control, stats

pytestmark = pytest.mark.django_db


def run_queued(connection: QuickBooksConnection) -> SyncRun:
    run = connection.runs.get(status__in=SyncRun.ACTIVE)
    sync_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


def live(connection, entity=None):
    records = SyncedRecord.objects.filter(connection=connection, deleted=False)
    return records.filter(entity=entity) if entity else records


def test_full_sync_stores_every_entity_of_the_company(qbo, books_client):
    connection = connect(qbo, books_client, transactions=2500)

    run = run_queued(connection)

    assert run.status == SyncRun.Status.COMPLETED, run.error
    company = qbo.state.companies[connection.realm_id]
    for entity, records in company.records.items():
        assert live(connection, entity).count() == len(records), entity
    invoices = company.records["Invoice"]
    some_id = next(iter(invoices))
    stored = live(connection, "Invoice").get(qbo_id=some_id)
    assert str(stored.total) == f"{invoices[some_id]['TotalAmt']:.2f}"
    # 1,000 per page: 2,500 transactions over 7 kinds fit in one page each, plus the lists.
    assert run.requests_used == stats(qbo, connection.realm_id)["requests"] == 11
    connection.refresh_from_db()
    assert connection.status == QuickBooksConnection.Status.CONNECTED
    assert connection.cdc_cursor is not None and connection.last_synced_at is not None


def test_incremental_sync_applies_changes_creates_and_deletes(qbo, books_client):
    connection = connect(qbo, books_client)
    run_queued(connection)
    company = qbo.state.companies[connection.realm_id]
    invoice_id = next(iter(company.records["Invoice"]))
    bill_id = next(iter(company.records["Bill"]))
    control(qbo, "mutate", realm=connection.realm_id, changes=[
        {"entity": "Invoice", "op": "update", "id": invoice_id, "fields": {"TotalAmt": 999.5}},
        {"entity": "Bill", "op": "delete", "id": bill_id},
        {"entity": "Customer", "op": "create", "fields": {"DisplayName": "New customer"}},
    ])
    connection.refresh_from_db()

    run = quickbooks_sync_request(connection=connection)
    assert run.kind == SyncRun.Kind.INCREMENTAL
    run = run_queued(connection)

    assert run.status == SyncRun.Status.COMPLETED, run.error
    invoice = SyncedRecord.objects.get(connection=connection, entity="Invoice", qbo_id=invoice_id)
    assert (str(invoice.total), invoice.sync_token) == ("999.50", 1)
    assert SyncedRecord.objects.get(connection=connection, entity="Bill", qbo_id=bill_id).deleted
    assert live(connection, "Customer").filter(name="New customer").exists()
    # CDC: one request per dependency level, not one per record.
    assert run.requests_used == 3


def test_an_older_version_never_overwrites_a_newer_one(qbo, books_client):
    connection = connect(qbo, books_client)
    run_queued(connection)
    company = qbo.state.companies[connection.realm_id]
    invoice_id = next(iter(company.records["Invoice"]))
    old = dict(company.records["Invoice"][invoice_id])
    newer = control(qbo, "mutate", realm=connection.realm_id, changes=[
        {"entity": "Invoice", "op": "update", "id": invoice_id, "fields": {"TotalAmt": 5.0}}])
    connection.refresh_from_db()
    quickbooks_sync_request(connection=connection)
    run_queued(connection)
    assert newer["changed"][0]["SyncToken"] == "1"

    # A late page still carrying SyncToken 0 arrives after the newer version.
    stale_run = SyncRun.objects.create(connection=connection, kind="full", status="running",
                                       attempt=1)
    sync_module._store(stale_run, 1, "Invoice", [old], full_pass=False)

    invoice = SyncedRecord.objects.get(connection=connection, entity="Invoice", qbo_id=invoice_id)
    assert (str(invoice.total), invoice.sync_token) == ("5.00", 1)


def test_a_cursor_older_than_30_days_falls_back_to_a_full_resync(qbo, books_client):
    connection = connect(qbo, books_client)
    run_queued(connection)
    company = qbo.state.companies[connection.realm_id]
    gone = next(iter(company.records["Vendor"]))
    company.delete("Vendor", gone)
    company.deleted["Vendor"][gone] -= timedelta(days=40)  # deleted long ago: CDC forgot it
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        cdc_cursor=timezone.now() - timedelta(days=31))
    connection.refresh_from_db()

    run = quickbooks_sync_request(connection=connection, kind=SyncRun.Kind.INCREMENTAL)
    run = run_queued(connection)

    assert run.status == SyncRun.Status.COMPLETED and run.kind == SyncRun.Kind.FULL
    assert SyncedRecord.objects.get(connection=connection, entity="Vendor", qbo_id=gone).deleted
    assert live(connection, "Vendor").count() == len(company.records["Vendor"])


def test_a_killed_worker_resumes_from_its_checkpoint(qbo, books_client, monkeypatch):
    connection = connect(qbo, books_client, transactions=9000)
    real_store = sync_module._store
    calls = {"n": 0}

    def dies_after_four_pages(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise SystemExit("worker killed")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(sync_module, "_store", dies_after_four_pages)
    run = connection.runs.get()
    with pytest.raises(SystemExit):
        sync_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING
    stored_before = SyncedRecord.objects.filter(connection=connection).count()
    assert stored_before > 0
    requests_before = stats(qbo, connection.realm_id)["requests"]
    monkeypatch.setattr(sync_module, "_store", real_store)

    sync_execute(run_id=run.pk)  # what the stale-run sweep queues

    run.refresh_from_db()
    assert run.status == SyncRun.Status.COMPLETED and run.attempt == 2
    company = qbo.state.companies[connection.realm_id]
    assert live(connection).count() == sum(len(r) for r in company.records.values())
    # Resumed, not restarted: of every page the company has, only the four stored before
    # the kill were not fetched again.
    pages_total = sum(len(r) // 1000 + 1 for r in company.records.values())
    assert stats(qbo, connection.realm_id)["requests"] - requests_before == pages_total - 4


def test_a_stale_worker_cannot_write_after_another_took_over(qbo, books_client):
    connection = connect(qbo, books_client)
    run = connection.runs.get()
    first = sync_module._claim(run.pk)
    second = sync_module._claim(run.pk)
    assert (first[1], second[1]) == (1, 2)

    with pytest.raises(StaleAttempt):
        sync_module._store(first[0], first[1], "Customer", [{"Id": "1", "SyncToken": "0"}],
                           full_pass=True)
    assert not SyncedRecord.objects.filter(connection=connection).exists()


def test_malformed_records_are_skipped_with_a_warning(qbo, books_client):
    connection = connect(qbo, books_client)
    company = qbo.state.companies[connection.realm_id]
    broken = company.add("Invoice", {"TxnDate": "not a date", "TotalAmt": 10})
    company.add("Invoice", {"TotalAmt": 12, "CurrencyRef": {"value": "EUR"},
                            "TxnDate": "2026-01-05"})
    company.records["Customer"][next(iter(company.records["Customer"]))]["SyncToken"] = "x"

    run = run_queued(connection)

    assert run.status == SyncRun.Status.COMPLETED_WITH_WARNINGS
    assert not SyncedRecord.objects.filter(connection=connection, qbo_id=broken["Id"]).exists()
    text = " ".join(run.warnings)
    assert "TxnDate is not a date" in text and "no valid SyncToken" in text
    assert "currency other than the company's USD" in text


def test_an_unreadable_answer_fails_the_run_with_a_reason_and_keeps_what_was_stored(
        qbo, books_client):
    connection = connect(qbo, books_client)
    control(qbo, "faults", realm=connection.realm_id, malformed_rate=1.0)
    try:
        run = run_queued(connection)
    finally:
        control(qbo, "faults", realm=connection.realm_id)

    assert run.status == SyncRun.Status.FAILED
    assert "could not read" in run.error
    connection.refresh_from_db()
    assert connection.status == QuickBooksConnection.Status.ERROR
    assert not SyncedRecord.objects.filter(connection=connection).exists()


def test_random_server_errors_are_retried_until_the_sync_completes(qbo, books_client):
    connection = connect(qbo, books_client)
    control(qbo, "faults", realm=connection.realm_id, error_rate=0.3)
    try:
        run = run_queued(connection)
    finally:
        control(qbo, "faults", realm=connection.realm_id)
    assert run.status == SyncRun.Status.COMPLETED, run.error
    assert run.requests_used > 11


def test_a_company_deleted_at_quickbooks_marks_the_connection(qbo, books_client):
    connection = connect(qbo, books_client)
    control(qbo, "faults", realm=connection.realm_id, deleted=True)
    try:
        run = run_queued(connection)
    finally:
        control(qbo, "faults", realm=connection.realm_id)
    connection.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert connection.status == QuickBooksConnection.Status.ERROR
    assert "deleted" in connection.status_reason


def test_tokens_revoked_mid_sync_ask_for_a_reconnect(qbo, books_client, monkeypatch):
    connection = connect(qbo, books_client, transactions=3000)
    real_store = sync_module._store

    def revoke_then_store(*args, **kwargs):
        control(qbo, "revoke", realm=connection.realm_id)
        return real_store(*args, **kwargs)

    monkeypatch.setattr(sync_module, "_store", revoke_then_store)
    run = run_queued(connection)

    connection.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert connection.status == QuickBooksConnection.Status.NEEDS_RECONNECT
    assert "reconnect" in connection.status_reason


def test_an_expired_access_token_is_refreshed_and_the_sync_goes_on(qbo, books_client):
    connection = connect(qbo, books_client)
    old_refresh = connection.refresh_token.reveal()
    control(qbo, "expire_access")

    run = run_queued(connection)

    assert run.status == SyncRun.Status.COMPLETED, run.error
    connection.refresh_from_db()
    assert connection.refresh_token.reveal() != old_refresh  # the rotated one was kept


def test_a_second_request_while_one_runs_returns_the_running_one(qbo, books_client):
    connection = connect(qbo, books_client)
    first = connection.runs.get()
    assert quickbooks_sync_request(connection=connection).pk == first.pk


def test_more_changes_than_cdc_returns_are_read_through_the_query_api(qbo, books_client):
    connection = connect(qbo, books_client, transactions=200)
    run_queued(connection)
    control(qbo, "mutate", realm=connection.realm_id, changes=[
        {"entity": "Customer", "op": "create", "fields": {"DisplayName": f"Bulk {n}"}}
        for n in range(1100)])
    connection.refresh_from_db()

    quickbooks_sync_request(connection=connection)
    run = run_queued(connection)

    assert run.status == SyncRun.Status.COMPLETED, run.error
    assert run.progress["Customer"].get("cdc_overflow")
    company = qbo.state.companies[connection.realm_id]
    assert live(connection, "Customer").count() == len(company.records["Customer"])


def test_the_beat_round_takes_the_longest_waiting_companies_first(qbo, in_firm_a, settings):
    from apps.integrations.services import quickbooks_sync_due
    from apps.portal.models import Client

    settings.QUICKBOOKS_SYNC_BATCH = 2
    now = timezone.now()
    made = []
    for hours in (1, 5, 3):
        conn = connect(qbo, Client.objects.create(business_name=f"Waited {hours} h"))
        conn.runs.update(status=SyncRun.Status.COMPLETED)
        QuickBooksConnection.objects.filter(pk=conn.pk).update(
            last_synced_at=now - timedelta(hours=hours))
        made.append(conn)
    busy = connect(qbo, Client.objects.create(business_name="Already syncing"))
    QuickBooksConnection.objects.filter(pk=busy.pk).update(last_synced_at=None)

    assert quickbooks_sync_due() == 2

    queued = set(SyncRun.objects.filter(status="queued").exclude(connection=busy)
                 .values_list("connection__client__business_name", flat=True))
    assert queued == {"Waited 5 h", "Waited 3 h"}
    assert busy.runs.count() == 1  # its running sync was not doubled
