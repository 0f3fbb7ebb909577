"""Benchmark: refresh every client's health score of one firm, set-based, side by side
with the naive per-client computation (measured on a sample and scaled to the firm).

    manage.py seed_scale --firms 1 --clients 50000 --big-firm-clients 50000 --prefix health
    manage.py bench_client_health --firm health-big --add-activity --naive-sample 300

`--add-activity` gives every client of the firm (once) what seed_scale does not make: a
conversation (the firm asks, the client answers some days later), a document request
with one item overdue or fulfilled, so that the response-time and request parts of the
score have rows to read (sign-ins come from the public sign-in log, which seeding leaves
empty; that join still runs).
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.clienthealth.models import ClientHealth
from apps.clienthealth.naive import health_refresh_naive
from apps.clienthealth.services import health_refresh
from apps.firms.models import Firm
from apps.portal.models import Client

ACTIVITY_SQL = """
INSERT INTO people_thread (client_id, subject, created_at, last_message_at)
SELECT id, 'Year-end questions', now() - interval '40 days', now() - interval '20 days'
  FROM portal_client WHERE deleted_at IS NULL;
INSERT INTO people_message (thread_id, from_firm, body, created_at)
SELECT t.id, m.from_firm, m.body, now() - make_interval(days => m.days::int)
  FROM people_thread t
 CROSS JOIN LATERAL (VALUES (true, 'Could you send the statements?', 40 - t.client_id % 30),
                            (false, 'Sent them today.', 20)) AS m(from_firm, body, days);
INSERT INTO documents_documentrequest (client_id, title, message, created_at)
SELECT id, 'Bank statements', '', now() - interval '30 days'
  FROM portal_client WHERE deleted_at IS NULL;
INSERT INTO documents_documentrequestitem (request_id, label, expected_type, due_date,
                                           fulfilled_at)
SELECT id, 'December statement', '', current_date - (client_id % 20)::int,
       CASE WHEN client_id % 3 = 0 THEN now() - interval '5 days' END
  FROM documents_documentrequest;
"""


class Command(BaseCommand):
    help = "Client health refresh for one firm: set-based vs per-client, side by side."

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="the firm's slug")
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--naive-sample", type=int, default=300,
                            help="clients scored the naive way (scaled to the firm)")
        parser.add_argument("--add-activity", action="store_true")

    def handle(self, *args, firm: str, runs: int, naive_sample: int, add_activity: bool,
               **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm with slug {firm!r}; seed one with seed_scale.")
        with schema_context(found.schema_name):
            clients = Client.objects.alive().count()
            if add_activity:
                self._add_activity()
            self.stdout.write(f"{found.slug}: {clients:,} clients")
            timings = []
            for run in range(1, runs + 1):
                started = time.perf_counter()
                result = health_refresh()
                timings.append(time.perf_counter() - started)
                self.stdout.write(f"  set-based run {run}: {result.clients:,} clients in "
                                  f"{timings[-1]:.2f} s")
            self._list_pages()
            sample = list(Client.objects.alive().order_by("?")[:naive_sample])
            with transaction.atomic():
                started = time.perf_counter()
                scored = health_refresh_naive(now=timezone.now(), firm_id=found.pk,
                                              clients=sample)
                naive = time.perf_counter() - started
                transaction.set_rollback(True)  # the baseline leaves nothing behind
        median = statistics.median(timings)
        per_client = naive / max(scored, 1)
        naive_firm = per_client * clients
        self.stdout.write(
            f"set-based: median {median:.2f} s for {clients:,} clients "
            f"({median / max(clients, 1) * 1e6:.0f} us per client), budget 60 s\n"
            f"naive per client: {scored} clients in {naive:.2f} s = {per_client * 1000:.1f} ms "
            f"per client, about {naive_firm:.0f} s for the firm\n"
            f"ratio: {naive_firm / median:.0f}x")

    def _list_pages(self, reads: int = 40) -> None:
        """The firm list riskiest first: the first page and pages deep in the list."""
        from apps.clienthealth.selectors import health_list_page

        edges = list(ClientHealth.objects.order_by("score", "client_id")
                     .values_list("score", "client_id")[::997][:reads])
        for label, cursors in (("first page", [""] * reads),
                               ("deep pages", [f"{s}.{c}" for s, c in edges])):
            timings = []
            for cursor in cursors:
                started = time.perf_counter()
                health_list_page(cursor=cursor)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[max(0, round(len(timings) * 0.95) - 1)]
            self.stdout.write(f"  list {label}: p50 {statistics.median(timings):.1f} ms, "
                              f"p95 {p95:.1f} ms over {len(timings)} reads (budget 30 ms)")

    def _add_activity(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM people_thread WHERE subject = "
                           "'Year-end questions'")
            if cursor.fetchone()[0]:
                self.stdout.write("activity already added")
                return
            started = time.perf_counter()
            for statement in ACTIVITY_SQL.strip().split(";\n"):
                if statement.strip():
                    cursor.execute(statement)
            self.stdout.write(f"added conversations and requests in "
                              f"{time.perf_counter() - started:.1f} s")
