"""A worker process killed mid-task (SIGKILL of the pool process running it): the
message is delivered again and the document is processed exactly once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from apps.documents.models import Document
from tests.documents.samples import INVOICE_LINES, text_image, upload
from tests.documents.test_worker import _wait, committed_upload, running_worker


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


@pytest.fixture(scope="module")
def committed_scan(_two_firms, django_db_blocker, tmp_path_factory):
    """A scan queued (committed, no worker yet) for a committed client of firm A."""
    with committed_upload(_two_firms[0].firm, django_db_blocker, tmp_path_factory,
                          [upload("scan.png", text_image(INVOICE_LINES * 3))]) as made:
        yield made


@pytest.mark.slow
@pytest.mark.django_db
def test_a_worker_killed_mid_task_processes_the_document_exactly_once(committed_scan,
                                                                      django_db_blocker):
    firm, _, ids, storage_dir = committed_scan
    document = Document(pk=ids[0])
    with running_worker(storage_dir, concurrency=1) as worker:
        killed = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            with django_db_blocker.unblock(), schema_context(firm.schema_name):
                status = Document.objects.values_list("status", flat=True).get(pk=document.pk)
            if status == Document.Status.PROCESSING:
                for child in _children(worker.pid):
                    os.kill(child, signal.SIGKILL)  # the pool process running the task
                killed = True
            time.sleep(0.02)
        assert killed, "the worker never started the task"
        with django_db_blocker.unblock():
            done = _wait(firm.schema_name, [document.pk], timeout=90)[document.pk]

    assert done.status == Document.Status.PROCESSED
    assert done.doc_type == "invoice"
    assert done.attempts == 2  # the killed run, then the redelivered one that wrote
