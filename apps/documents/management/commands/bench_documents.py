"""Throughput of the document pipeline on real Celery workers.

    manage.py bench_documents [--firm johnson-associates] [--pdfs 2000] [--scans 60]
                              [--concurrency 2]

Uploads a mixed batch (generated W-2s, 1099s, 1098s, invoices, receipts, statements)
for a throw-away client, starts a prefork `celery worker` on every documents lane and measures from
the documents' own timestamps: documents per hour for text PDFs and for scans, p50/p95
per document, and the OCR cache (the same scans uploaded again for another client are
read from the cache instead of OCR). The client, its rows and files are removed after.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from advisoros.bench import Timing
from advisoros.queues import QUEUES
from apps.documents.corpus import as_pdf, as_scan, samples
from apps.documents.models import Document, OcrResult
from apps.documents.services import documents_upload
from apps.documents.storage import document_discard
from apps.firms.models import Firm
from apps.portal.models import Client

ROOT = Path(__file__).resolve().parents[4]
BATCH = 50
DOCUMENT_QUEUES = tuple(q for q in QUEUES if q.startswith("documents"))


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _group_cpu_seconds(group: int) -> float:
    """CPU seconds (user + system, with reaped children's) of every process in a process
    group, from /proc: what the worker spent whatever else the machine was doing."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[2]) == group:  # fields[0] is the state: pgrp is the 5th field
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--firm", default="bench-documents",
                            help="Slug of the firm to use; created if missing.")
        parser.add_argument("--pdfs", type=int, default=2000)
        parser.add_argument("--scans", type=int, default=60)
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument("--timeout", type=int, default=1800)

    def handle(self, *args, firm: str, pdfs: int, scans: int, concurrency: int, timeout: int,
               **options) -> None:
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            found = self._create_firm(firm)
        settings.DEBUG = False
        self.timeout = timeout
        self.stdout.write(f"Firm {found.slug}; load {_load()}; worker concurrency "
                          f"{concurrency}; OCR backend {settings.DOCUMENTS_OCR_BACKEND}")
        worker = self._start_worker(concurrency)
        self.worker_group = worker.pid  # start_new_session: the group has the worker's pid
        try:
            with schema_context(found.schema_name):
                self._run(pdfs, scans)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        self.stdout.write(f"load after: {_load()}")

    def _create_firm(self, slug: str) -> Firm:
        from apps.accounts.services import user_create
        from apps.firms.services import firm_create

        if not slug.replace("-", "").isalnum():
            raise CommandError("The firm slug may hold letters, digits and dashes only.")
        owner = user_create(email=f"owner@{slug}.bench.invalid", password=None,
                            full_name="Bench owner", validate=False)
        self.stdout.write(f"created firm {slug} for the benchmark")
        return firm_create(name=f"Bench {slug}", slug=slug, owner=owner).firm

    def _start_worker(self, concurrency: int) -> subprocess.Popen:
        # Every lane a document can travel in: a batch of 2,000 uploads puts the firm over
        # its backlog threshold, so most of them go to `documents-backlog`, and a scan
        # over DOCUMENTS_LARGE_SCAN_BYTES to `documents-large`. A worker reading
        # `documents` alone never saw them (the run waited for its timeout).
        argv = [sys.executable, "-m", "celery", "-A", "advisoros", "worker", "-P", "prefork",
                "-c", str(concurrency), "-Q", ",".join(DOCUMENT_QUEUES), "--without-mingle",
                "--without-gossip", "-l", "WARNING"]
        self.stdout.write("starting worker: " + " ".join(argv[1:]))
        return subprocess.Popen(argv, cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL)

    def _upload(self, client: Client, files: list[tuple[str, bytes]], label: str) -> list[int]:
        ids: list[int] = []
        started = time.perf_counter()
        for start in range(0, len(files), BATCH):
            chunk = [SimpleUploadedFile(name, data) for name, data in files[start:start + BATCH]]
            result = documents_upload(client=client, files=chunk, category="other",
                                      uploaded_by_id=None)
            ids.extend(d.pk for d in result.created)
        self.stdout.write(f"  {label}: uploaded {len(ids)} in "
                          f"{time.perf_counter() - started:.1f} s")
        return ids

    def _settle(self, client: Client, files: list[tuple[str, bytes]], label: str
                ) -> Timing:
        """Upload, wait until every document is settled, report; with the worker's CPU
        seconds per document (all its processes, from /proc)."""
        cpu = _group_cpu_seconds(self.worker_group)
        rows = self._wait(self._upload(client, files, label), label)
        spent = _group_cpu_seconds(self.worker_group) - cpu
        timing = self._report(label, rows)
        self.stdout.write(f"  worker CPU: {spent:.1f} s = {spent / max(1, len(rows)) * 1000:.0f}"
                          f" ms per document (load {_load()})")
        return timing

    def _wait(self, ids: list[int], label: str) -> list[dict]:
        deadline = time.monotonic() + self.timeout
        last = -1
        while time.monotonic() < deadline:
            done = Document.objects.filter(pk__in=ids, status__in=Document.SETTLED_STATUSES
                                           ).count()
            if done != last:
                self.stdout.write(f"  {label}: {done}/{len(ids)} processed")
                last = done
            if done == len(ids):
                break
            time.sleep(1)
        return list(Document.objects.filter(pk__in=ids).values(
            "status", "processing_started_at", "processed_at", "text_source", "doc_type"))

    def _report(self, label: str, rows: list[dict]) -> Timing:
        settled = [r for r in rows if r["processed_at"] and r["processing_started_at"]]
        if not settled:
            self.stdout.write(f"{label}: nothing processed")
            return Timing(label, [])
        first = min(r["processing_started_at"] for r in settled)
        last = max(r["processed_at"] for r in settled)
        span = max((last - first).total_seconds(), 1e-6)
        per_doc = Timing(label, [(r["processed_at"] - r["processing_started_at"]
                                  ).total_seconds() * 1000 for r in settled])
        statuses: dict[str, int] = {}
        for r in rows:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        self.stdout.write(f"{label}: {len(settled)} documents in {span:.1f} s = "
                          f"{len(settled) / span * 3600:,.0f} documents/hour; {statuses}")
        self.stdout.write("  per document: " + per_doc.row())
        return per_doc

    def _run(self, pdfs: int, scans: int) -> None:
        rng = random.Random(11)
        stamp = int(time.time())
        client = Client.objects.create(business_name=f"Bench documents {stamp}")
        again = Client.objects.create(business_name=f"Bench documents {stamp} (cache)")
        per_class_pdf = max(1, pdfs // 8)
        per_class_scan = max(1, scans // 8)
        try:
            self.stdout.write(f"generating {per_class_pdf * 8} text PDFs and "
                              f"{per_class_scan * 8} scans...")
            pdf_files = [(f"doc-{n}.pdf", as_pdf(s, rng))
                         for n, s in enumerate(samples(per_class_pdf, seed=stamp % 1000))]
            scan_files = [(f"scan-{n}.jpg", as_scan(s, rng))
                          for n, s in enumerate(samples(per_class_scan, seed=stamp % 997))]
            text = self._settle(client, pdf_files, "text PDFs")
            ocr = self._settle(client, scan_files, "scans (OCR)")
            cached = self._settle(again, scan_files, "same scans, other client (OCR cache)")
            if ocr.samples_ms and cached.samples_ms:
                self.stdout.write(f"OCR cache: p50 {ocr.p50 / cached.p50:.1f}x faster per "
                                  f"scan (no-cache/cache), p95 {ocr.p95 / cached.p95:.1f}x")
            if text.samples_ms and ocr.samples_ms:
                self.stdout.write("goals: >= 20,000 text PDFs/hour and >= 1,000 scans/hour "
                                  "(see the documents/hour lines above)")
        finally:
            for doc in Document.objects.filter(client__in=[client, again]):
                document_discard(doc.file.name)
            OcrResult.objects.filter(
                sha256__in=Document.objects.filter(client__in=[client, again])
                .values("sha256")).delete()
            Client.objects.filter(pk__in=[client.pk, again.pk]).delete()
