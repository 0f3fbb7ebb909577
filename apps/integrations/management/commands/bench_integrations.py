"""Benchmark the QuickBooks sync and webhook fan-out against the naive way, in one run,
on the fake QuickBooks server (started in this process) and a bench firm.

- initial sync of one company with --transactions transactions: our sync (parallel
  entities, batched upserts) vs the naive one (entity after entity, update_or_create per
  record); requests used and the peak requests per minute QuickBooks saw;
- incremental sync of --changes changes (Change Data Capture);
- --companies companies synced in one beat round by --workers workers, within the global
  cap (peak per minute across all companies, from the fake server's own counter);
- webhook fan-out of --events events to a local receiver: stored after commit and delivered
  by --workers workers, vs delivered one by one inline.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from apps.accounts.models import User
from apps.firms.models import Firm
from apps.firms.services import firm_create
from apps.integrations.fake_quickbooks.server import start_in_thread
from apps.integrations.models import QuickBooksConnection, SyncedRecord, SyncRun
from apps.integrations.quickbooks import tokens
from apps.integrations.quickbooks.client import QuickBooksApi
from apps.integrations.quickbooks.entities import ENTITIES, record_row
from apps.integrations.quickbooks.sync import sync_execute
from apps.integrations.services import quickbooks_connection_save, quickbooks_sync_due
from apps.portal.models import Client

SLUG = "bench-integrations"


def _authorized_tokens(server, realm: str) -> tokens.TokenSet:
    from tests.integrations.conftest import authorize  # the browser's part of OAuth

    answer = authorize(server, realm, "http://localhost/cb", "bench")
    return tokens.code_exchange(code=answer["code"], redirect_uri="http://localhost/cb")


class Command(BaseCommand):
    help = "Benchmark QuickBooks sync and webhook fan-out vs the naive way."

    def add_arguments(self, parser):
        parser.add_argument("--transactions", type=int, default=50_000)
        parser.add_argument("--changes", type=int, default=1_000)
        parser.add_argument("--companies", type=int, default=200)
        parser.add_argument("--events", type=int, default=10_000)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--naive-transactions", type=int, default=10_000,
                            help="the naive sync is timed on a company of this size and "
                                 "compared per record (it is linear in records)")
        parser.add_argument("--skip-naive", action="store_true")

    def handle(self, *args, **opts):
        self.server = start_in_thread(default_transactions=50)
        base = self.server.base_url
        settings.QUICKBOOKS_API_BASE = base
        settings.QUICKBOOKS_TOKEN_URL = base + "/oauth2/v1/tokens/bearer"
        settings.QUICKBOOKS_AUTHORIZE_URL = base + "/connect/oauth2"
        settings.QUICKBOOKS_REVOKE_URL = base + "/v2/oauth2/tokens/revoke"
        settings.QUICKBOOKS_CLIENT_ID, settings.QUICKBOOKS_CLIENT_SECRET = \
            "advisoros-dev", "dev-secret"
        self.firm = self._firm()
        connection.set_tenant(self.firm)
        self._reset()
        self._initial(opts["transactions"], opts["naive_transactions"], opts["skip_naive"])
        self._incremental(opts["changes"])
        self._beat_round(opts["companies"], opts["workers"])
        self._fan_out(opts["events"], opts["workers"], opts["skip_naive"])
        self.server.shutdown()

    # --- setup -----------------------------------------------------------------------
    def _firm(self) -> Firm:
        firm = Firm.objects.filter(slug=SLUG).first()
        if firm is None:
            owner, _ = User.objects.get_or_create(email=f"owner@{SLUG}.test",
                                                  defaults={"full_name": "Bench owner"})
            firm = firm_create(name="Bench Integrations", slug=SLUG, owner=owner).firm
            self.stdout.write(f"created firm {SLUG}")
        return firm

    def _reset(self) -> None:
        existing = QuickBooksConnection.objects.count()
        if existing:
            self.stdout.write(f"removing {existing} connections left by an earlier run")
        Client.objects.filter(business_name__startswith="Bench company").delete()

    def _connect(self, n: int, transactions: int) -> QuickBooksConnection:
        from tests.integrations.conftest import control

        realm = str(7_000_000_000_000_000 + int(time.time() * 1000) % 10**9 * 1000 + n)
        control(self.server, "company", realm=realm, transactions=transactions)
        client = Client.objects.create(business_name=f"Bench company {n}")
        with transaction.atomic():
            return quickbooks_connection_save(client=client, realm_id=realm,
                                              token_set=_authorized_tokens(self.server, realm),
                                              actor=None)

    def _stats(self, realm: str) -> dict:
        from tests.integrations.conftest import stats

        return stats(self.server, realm)

    # --- scenarios -------------------------------------------------------------------
    def _initial(self, transactions: int, naive_transactions: int, skip_naive: bool) -> None:
        self.stdout.write(f"\n== initial sync, {transactions:,} transactions ==")
        conn = self._connect(0, transactions)
        started = time.perf_counter()
        run = sync_execute(run_id=conn.runs.get().pk)
        elapsed = time.perf_counter() - started
        seen = self._stats(conn.realm_id)
        records = SyncedRecord.objects.filter(connection=conn).count()
        self.stdout.write(f"optimised: {elapsed:7.2f} s  {records:,} records  "
                          f"{run.requests_used} requests  peak {seen['max_per_minute']}/min  "
                          f"max {seen['max_in_flight']} at once  429s {seen['throttled']}")
        self.main = conn
        if skip_naive:
            return
        naive = self._connect(1, naive_transactions)
        api = QuickBooksApi(realm_id=naive.realm_id,
                            access_token=naive.access_token.reveal())
        started = time.perf_counter()
        for entity in ENTITIES:  # one entity after another, one row at a time
            position = 1
            while True:
                rows = api.query(entity, start=position, max_results=1000)
                for raw in rows:
                    row = record_row(entity, raw)
                    SyncedRecord.objects.update_or_create(
                        realm_id=naive.realm_id, entity=entity, qbo_id=row.qbo_id,
                        defaults={"connection": naive, "sync_token": row.sync_token,
                                  "total": row.total, "balance": row.balance,
                                  "txn_date": row.txn_date, "data": raw})
                if len(rows) < 1000:
                    break
                position += len(rows)
        naive_elapsed = time.perf_counter() - started
        naive.runs.all().delete()  # its queued first run is not part of the beat round
        naive_records = SyncedRecord.objects.filter(connection=naive).count()
        fast_rate, naive_rate = records / elapsed, naive_records / naive_elapsed
        self.stdout.write(f"naive:     {naive_elapsed:7.2f} s  {naive_records:,} records "
                          f"({naive_rate:,.0f}/s against {fast_rate:,.0f}/s optimised); "
                          f"ratio per record {fast_rate / naive_rate:5.1f}x")

    def _incremental(self, changes: int) -> None:
        from tests.integrations.conftest import control

        self.stdout.write(f"\n== incremental sync, {changes:,} changes ==")
        company = self.server.state.companies[self.main.realm_id]
        ids = list(company.records["Invoice"])[:changes]
        control(self.server, "mutate", realm=self.main.realm_id, changes=[
            {"entity": "Invoice", "op": "update", "id": i, "fields": {"Balance": 0}}
            for i in ids])
        self.main.refresh_from_db()
        from apps.integrations.services import quickbooks_sync_request

        run = quickbooks_sync_request(connection=self.main, kind=SyncRun.Kind.INCREMENTAL)
        started = time.perf_counter()
        run = sync_execute(run_id=run.pk)
        self.stdout.write(f"optimised: {time.perf_counter() - started:7.2f} s  "
                          f"{run.records_written:,} records  {run.requests_used} requests "
                          f"({run.kind})")

    def _beat_round(self, companies: int, workers: int) -> None:
        self.stdout.write(f"\n== one beat round, {companies} companies, {workers} workers, "
                          f"global cap {settings.QUICKBOOKS_GLOBAL_PER_MINUTE}/min ==")
        conns = [self._connect(100 + n, 50) for n in range(companies)]
        SyncRun.objects.filter(connection__in=conns).delete()  # as if synced long ago
        QuickBooksConnection.objects.filter(pk__in=[c.pk for c in conns]).update(
            last_synced_at=None)
        queued = quickbooks_sync_due()
        runs = list(SyncRun.objects.filter(status="queued").values_list("pk", flat=True))
        firm = self.firm
        lock = threading.Lock()
        done = []

        def work(run_id: int) -> None:
            connection.set_tenant(firm)
            try:
                result = sync_execute(run_id=run_id)
                with lock:
                    done.append(result.status if result else None)
            finally:
                connection.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(work, runs))
        elapsed = time.perf_counter() - started
        everyone = self._stats("_all")
        self.stdout.write(f"queued {queued}, completed {done.count('completed')} of "
                          f"{len(runs)} in "
                          f"{elapsed:.1f} s; peak {everyone['max_per_minute']}/min across "
                          f"all companies (cap {settings.QUICKBOOKS_GLOBAL_PER_MINUTE})")

    def _fan_out(self, events: int, workers: int, skip_naive: bool) -> None:
        from apps.integrations.webhooks import (
            _event_store,
            webhook_deliver,
            webhook_endpoint_create,
        )
        from tests.integrations.receiver import start_receiver

        self.stdout.write(f"\n== webhook fan-out, {events:,} events, {workers} workers ==")
        receiver = start_receiver()
        webhook_endpoint_create(url=receiver.url, event_types=["client.updated"])
        started = time.perf_counter()
        for n in range(events):
            _event_store(type="client.updated", resource_type="client", resource_id=str(n % 500),
                         dedupe_key=f"bench:{time.time_ns()}:{n}", data={"n": n})
        stored = time.perf_counter() - started
        from apps.integrations.models import WebhookDelivery

        ids = list(WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True))
        firm = self.firm

        def deliver(chunk: list[int]) -> None:
            connection.set_tenant(firm)
            try:
                for delivery_id in chunk:
                    webhook_deliver(delivery_id=delivery_id)
            finally:
                connection.close()

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(deliver, [ids[i::workers] for i in range(workers)]))
        delivered = time.perf_counter() - started
        self.stdout.write(f"stored {events:,} events in {stored:.1f} s "
                          f"({events / stored:,.0f}/s); delivered {len(receiver.received):,} "
                          f"in {delivered:.1f} s ({len(ids) / delivered:,.0f}/s)")
        if not skip_naive:
            # The naive way: a post in the save path, one new HTTP client per event, in
            # order, the writer waiting for each receiver.
            import httpx

            sample = min(events, 500)
            started = time.perf_counter()
            for n in range(sample):
                httpx.post(receiver.url, json={"n": n}, timeout=10)
            naive = (time.perf_counter() - started) / sample * events
            self.stdout.write(f"naive inline delivery: {sample / (naive / events * sample):,.0f}"
                              f"/s, {naive:.1f} s for {events:,} (measured on {sample}); "
                              f"ratio naive/optimised {naive / (stored + delivered):4.1f}x")
        receiver.shutdown()
