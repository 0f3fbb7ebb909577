"""One firm's flood never delays another firm's documents beyond their budget.

    manage.py bench_documents_fairness [--flood 1000] [--budget 10] [--concurrency 2]

A big firm's batch of `--flood` small documents (uploads of 50) is queued, then a small
firm uploads one; then real Celery workers start (`-Q documents,documents-backlog`). The
small firm's document must be processed within `--budget` seconds of the workers' start
while the big batch is still running. Run twice: with backpressure (DOCUMENTS_BACKLOG_THRESHOLD,
the flood beyond it waits in the backlog lane) and naive (one lane, everything in arrival
order, what a competent first version does), and prints the ratio. The throw-away
clients, their rows and files are removed after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import schema_context

from apps.documents.models import Document
from apps.documents.services import documents_upload
from apps.documents.storage import document_discard
from apps.firms.models import Firm
from apps.portal.models import Client

ROOT = Path(__file__).resolve().parents[4]
BATCH = 50
NAIVE_THRESHOLD = 10**9


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _csv(tag: str, n: int) -> SimpleUploadedFile:
    # Distinct content per file: the duplicate check must not short-cut the pipeline.
    return SimpleUploadedFile(f"{tag}-{n}.csv", f"vendor,date,total\nOffice Supply Co,"
                              f"2026-03-{n % 28 + 1:02d},{n}.00 {tag}\n".encode(), "text/csv")


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--flood", type=int, default=1000)
        parser.add_argument("--budget", type=float, default=10.0,
                            help="Seconds after the workers start within which the small "
                                 "firm's document is done.")
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--timeout", type=int, default=900)

    def handle(self, *args, flood: int, budget: float, concurrency: int, timeout: int,
               **options) -> None:
        firms = list(Firm.objects.exclude(schema_name="public").order_by("pk")[:2])
        if len(firms) < 2:
            raise CommandError("Needs two firms (run seed_scale or seed_demo first).")
        big, small = firms
        settings.DEBUG = False
        self.timeout = timeout
        self.stdout.write(f"flood of {flood} documents in {big.slug}, one document in "
                          f"{small.slug}; threshold {settings.DOCUMENTS_BACKLOG_THRESHOLD}; "
                          f"worker concurrency {concurrency}; load {_load()}")
        self.concurrency = concurrency
        fair = self._round(big, small, flood, "backpressure",
                           settings.DOCUMENTS_BACKLOG_THRESHOLD)
        naive = self._round(big, small, flood, "naive one lane", NAIVE_THRESHOLD)
        verdict = "within" if fair <= budget else "OVER"
        self.stdout.write(f"budget: small firm's document done in {fair:.1f} s with "
                          f"backpressure, {verdict} its {budget:g} s budget; naive "
                          f"{naive:.1f} s")
        self.stdout.write(f"ratio naive/backpressure: {naive / max(fair, 1e-3):.1f}x")
        self.stdout.write(f"load after: {_load()}")

    def _start_worker(self, concurrency: int) -> subprocess.Popen:
        argv = [sys.executable, "-m", "celery", "-A", "advisoros", "worker", "-P", "prefork",
                "-c", str(concurrency), "-Q", "documents,documents-backlog",
                "--without-mingle", "--without-gossip", "-l", "WARNING"]
        self.stdout.write("starting worker: " + " ".join(argv[1:]))
        return subprocess.Popen(argv, cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL)

    def _round(self, big: Firm, small: Firm, flood: int, label: str, threshold: int) -> float:
        settings.DOCUMENTS_BACKLOG_THRESHOLD = threshold
        stamp = int(time.time() * 1000)
        with schema_context(big.schema_name):
            flood_client = Client.objects.create(business_name=f"Fairness flood {stamp}")
            started = time.perf_counter()
            for start in range(0, flood, BATCH):
                documents_upload(client=flood_client, category="receipt", uploaded_by_id=None,
                                 files=[_csv(f"f{stamp}", n)
                                        for n in range(start, min(flood, start + BATCH))])
            self.stdout.write(f"  {label}: {flood} flood documents uploaded in "
                              f"{time.perf_counter() - started:.1f} s")
        with schema_context(small.schema_name):
            small_client = Client.objects.create(business_name=f"Fairness small {stamp}")
            upload = documents_upload(client=small_client, category="receipt",
                                      uploaded_by_id=None, files=[_csv(f"s{stamp}", 1)])
            document = upload.created[0]
        # The flood is queued (it arrived faster than it is processed): the workers start
        # now, and the small firm's document is timed from then.
        worker = self._start_worker(self.concurrency)
        try:
            with schema_context(small.schema_name):
                waited = self._wait_for(document.pk, since=time.time())
            with schema_context(big.schema_name):
                left = Document.objects.filter(client=flood_client,
                                               status__in=Document.PENDING_STATUSES).count()
            self.stdout.write(f"  {label}: small firm's document done {waited:.1f} s after "
                              f"the workers started, {left} flood documents still waiting")
            with schema_context(big.schema_name):
                self._wait_all(flood_client, label)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        with schema_context(big.schema_name):
            self._remove(flood_client)
        with schema_context(small.schema_name):
            self._remove(small_client)
        connection.set_schema_to_public()
        return waited

    def _wait_for(self, document_id: int, *, since: float) -> float:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            row = Document.objects.filter(pk=document_id).values(
                "status", "processed_at").first()
            if row["status"] in Document.SETTLED_STATUSES and row["processed_at"]:
                return row["processed_at"].timestamp() - since
            time.sleep(0.2)
        return float(self.timeout)

    def _wait_all(self, client: Client, label: str) -> None:
        deadline = time.monotonic() + self.timeout
        started = time.monotonic()
        while time.monotonic() < deadline:
            left = Document.objects.filter(client=client,
                                           status__in=Document.PENDING_STATUSES).count()
            if not left:
                break
            time.sleep(1)
        self.stdout.write(f"  {label}: flood drained {time.monotonic() - started:.1f} s "
                          "after the small firm's document")

    def _remove(self, client: Client) -> None:
        for name in Document.objects.filter(client=client).values_list("file", flat=True):
            document_discard(name)
        Document.objects.filter(client=client).delete()
        client.delete()
