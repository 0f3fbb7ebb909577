"""Faults on the real servers: the broker unreachable during an upload, the database
connection killed in the middle of a task, stranded documents found by the sweep.

Rows are committed (outside the test transaction) where the fault is in the commit path
or in the connection itself, and removed afterwards.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from advisoros.celery import app
from apps.documents import queue
from apps.documents.models import Document
from apps.documents.pipeline import STALLED_AFTER, document_claim
from apps.documents.storage import document_read
from apps.documents.tasks import UNSENT_AFTER, documents_process, documents_requeue_stale
from tests.documents.samples import INVOICE_LINES, W2_LINES, pdf_bytes, upload
from tests.documents.test_worker import committed_upload


def _dead_redis_url() -> str:
    """A Redis address where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def committed_firm(django_db_setup, django_db_blocker, _two_firms):
    """Firm A for tests that commit for real (no test transaction)."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
    return _two_firms[0].firm


@pytest.fixture
def broker_down(monkeypatch):
    """Every new broker connection of this process goes to a dead port, the app's pools
    included, until the test ends."""
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", _dead_redis_url())
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    queue._forget_connection()
    yield
    queue._forget_connection()


def test_an_upload_while_the_broker_is_down_is_kept_and_sent_later(
        committed_firm, django_db_blocker, tmp_path_factory, broker_down, monkeypatch):
    """Before: the after-commit send raised (a 500 after ~19 s of retries), the handler
    deleted the stored bytes, and the committed row stayed `queued` for ever."""
    firm = committed_firm
    with committed_upload(firm, django_db_blocker, tmp_path_factory,
                          [upload("w2.pdf", pdf_bytes(W2_LINES))]) as (_, _, ids, _), \
            django_db_blocker.unblock(), schema_context(firm.schema_name):
        document = Document.objects.get(pk=ids[0])
        stored = document_read(document.file.name)
        assert (document.status, document.dispatched_at) == ("queued", None)
        assert stored == pdf_bytes(W2_LINES)

        # The broker is back; the sweep sends what was never sent.
        monkeypatch.undo()
        queue._forget_connection()
        Document.objects.filter(pk=document.pk).update(
            queued_at=timezone.now() - UNSENT_AFTER - timedelta(seconds=1))
        swept = documents_requeue_stale()
        document.refresh_from_db()

    assert swept == 1
    assert document.status == "queued" and document.dispatched_at is not None


def test_enqueue_reports_nothing_sent_when_the_broker_is_down(broker_down):
    # No exception: the caller (an after-commit hook, the sweep) carries on.
    assert queue.enqueue([(1, 2), (2, 2)]) == 0


@pytest.mark.django_db
def test_a_sent_message_marks_the_document_dispatched(client_a):
    from apps.documents.services import documents_upload

    (document,) = documents_upload(client=client_a, files=[upload("w2.pdf",
                                                                  pdf_bytes(W2_LINES))],
                                   category="other", uploaded_by_id=None).created

    assert queue.enqueue_documents([document]) == 1
    document.refresh_from_db()
    assert document.dispatched_at is not None


def test_a_database_connection_killed_mid_task_is_retried(committed_firm, django_db_blocker,
                                                          tmp_path_factory, monkeypatch):
    """Before: the task died with the error (or recorded a false `failed`), and the rest
    of its chunk waited for the stale sweep. Now the document and the rest of the chunk
    are retried with backoff (eager here: at once), the run's own claim taken back."""
    from apps.documents import pipeline

    firm = committed_firm
    files = [upload("w2.pdf", pdf_bytes(W2_LINES)), upload("inv.pdf", pdf_bytes(INVOICE_LINES)),
             upload("w2b.pdf", pdf_bytes([*W2_LINES, "Copy B"]))]
    real_classify = pipeline.classify
    killed: list[int] = []

    def classify_after_a_restart(text):
        if not killed:
            killed.append(1)
            # Postgres ends this session, as a restart would.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real_classify(text)

    with committed_upload(firm, django_db_blocker, tmp_path_factory, files) as made:
        _, _, ids, _ = made
        monkeypatch.setattr(pipeline, "classify", classify_after_a_restart)
        with django_db_blocker.unblock(), schema_context(firm.schema_name):
            outcome = documents_process.apply(args=[ids])
            connection.close()  # whatever state the task left, start clean
            connection.set_tenant(firm)
            docs = {d.pk: d for d in Document.objects.filter(pk__in=ids)}

    assert killed and outcome.successful(), outcome.traceback
    assert {pk: d.status for pk, d in docs.items()} == dict.fromkeys(ids, "processed")
    # The interrupted document: its own retry took its claim back (a second attempt).
    assert [docs[pk].attempts for pk in ids] == [2, 1, 1]


@pytest.mark.django_db
def test_the_sweep_finds_stranded_documents_and_leaves_live_ones(client_a, monkeypatch):
    from apps.documents.services import documents_upload

    sent: list[list[int]] = []
    monkeypatch.setattr(queue, "_publish",
                        lambda ids, priority, *, large: sent.append(ids) or True)
    made = documents_upload(client=client_a, category="other", uploaded_by_id=None, files=[
        upload(f"inv{n}.pdf", pdf_bytes([*INVOICE_LINES, f"No {n}"])) for n in range(7)]
    ).created
    unsent, just_uploaded, backlog, dropped, silent, live, waiting_live = made
    now = timezone.now()
    stalled = now - STALLED_AFTER - timedelta(seconds=1)
    Document.objects.filter(pk__in=[d.pk for d in made]).update(dispatched_at=now)
    # Never sent (broker down at upload), 21 s ago; one uploaded a moment ago.
    Document.objects.filter(pk=unsent.pk).update(dispatched_at=None,
                                                 queued_at=now - timedelta(seconds=21))
    Document.objects.filter(pk=just_uploaded.pk).update(dispatched_at=None)
    # Sent ten minutes ago, waiting in a backlog: no task has it yet.
    Document.objects.filter(pk=backlog.pk).update(queued_at=now - timedelta(minutes=10))
    # Picked up in a chunk whose task went silent before reaching it.
    Document.objects.filter(pk=dropped.pk).update(worked_at=stalled)
    # Claimed by runs: one silent (its worker died), one alive.
    document_claim(silent.pk)
    Document.objects.filter(pk=silent.pk).update(worked_at=stalled)
    document_claim(live.pk)
    Document.objects.filter(pk=waiting_live.pk).update(worked_at=now)

    assert documents_requeue_stale() == 3
    assert sorted(pk for ids in sent for pk in ids) == sorted([unsent.pk, dropped.pk,
                                                                silent.pk])
    silent.refresh_from_db()
    assert silent.status == "queued" and silent.worked_at is None  # the dead claim is let go
    assert Document.objects.get(pk=live.pk).status == "processing"
    # Sent again: not again at the next beat.
    assert documents_requeue_stale() == 0


@pytest.mark.django_db
def test_the_sweep_fails_a_document_whose_runs_keep_dying(client_a, settings, monkeypatch):
    from apps.documents.services import documents_upload

    settings.DOCUMENTS_MAX_ATTEMPTS = 2
    monkeypatch.setattr(queue, "_publish", lambda ids, priority, *, large: True)
    (document,) = documents_upload(client=client_a, files=[upload("w2.pdf",
                                                                  pdf_bytes(W2_LINES))],
                                   category="other", uploaded_by_id=None).created
    stalled = timezone.now() - STALLED_AFTER - timedelta(seconds=1)
    for _ in range(2):
        document_claim(document.pk)  # ... and the worker dies
        Document.objects.filter(pk=document.pk).update(worked_at=stalled)
        documents_requeue_stale()

    document.refresh_from_db()
    assert document.status == "failed" and document.attempts == 2
    assert "did not finish after 2 attempts" in document.failure_reason
