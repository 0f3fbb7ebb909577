"""Robust processing: no input crashes a task or holds up the others of its chunk; a
failing document is `failed` with its reason at once; OCR keeps to its time budget; very
large scans go to their own lane."""

from __future__ import annotations

import threading
import time

import pytest

from advisoros.celery import app
from apps.documents import queue
from apps.documents.models import Document, OcrResult
from apps.documents.ocr import OcrText, ocr_pages
from apps.documents.parsing import PageImage
from apps.documents.pipeline import document_process
from apps.documents.services import documents_upload
from apps.documents.tasks import documents_process
from apps.documents.text import clean_text
from tests.documents.samples import (
    INVOICE_LINES,
    W2_LINES,
    multipage_tiff,
    pdf_bytes,
    pdf_with_lone_surrogate,
    upload,
)

pytestmark = pytest.mark.django_db


def _stored(client, *files) -> list[Document]:
    return documents_upload(client=client, files=list(files), category="other",
                            uploaded_by_id=None).created


class SlowOcr:
    """An OCR engine that takes `seconds` a page (or hangs on the pages in `hang_on`)."""

    name = "slow-test"

    def __init__(self, seconds: float, hang_on: tuple[int, ...] = (), hang: float = 3.0):
        self.seconds = seconds
        self.hang_on = hang_on
        self.hang = hang
        self.calls = 0
        self._lock = threading.Lock()

    def read(self, page: PageImage) -> OcrText:
        with self._lock:
            self.calls += 1
            number = self.calls
        time.sleep(self.hang if number in self.hang_on else self.seconds)
        return OcrText(f"Invoice page {number} Amount Due: $10.00", 0.99)


def test_clean_text_removes_what_postgres_and_people_cannot_use():
    assert clean_text("A\ud800B\x00C\x07D\r\nE\tF\fG\x9bH") == "A\ufffdBCD\nE\tF\fGH"


def test_a_pdf_with_a_lone_surrogate_is_processed_and_the_chunk_goes_on(client_a):
    """Before: the write raised UnicodeEncodeError, the task died and the other files of
    the upload stayed `queued` until the stale sweep, 15 minutes later."""
    odd, w2, invoice = _stored(client_a, upload("odd.pdf", pdf_with_lone_surrogate()),
                               upload("w2.pdf", pdf_bytes(W2_LINES)),
                               upload("inv.pdf", pdf_bytes(INVOICE_LINES)))

    result = documents_process.apply(args=[[odd.pk, w2.pk, invoice.pk]]).get()

    docs = {d.pk: d for d in Document.objects.filter(pk__in=[odd.pk, w2.pk, invoice.pk])}
    assert result == {str(odd.pk): docs[odd.pk].status, str(w2.pk): "processed",
                      str(invoice.pk): "processed"}
    assert docs[odd.pk].status in ("processed", "needs_review")
    assert "\ufffd" in docs[odd.pk].text and "Wage and Tax Statement" in docs[odd.pk].text
    assert docs[odd.pk].doc_type == "w2"


def test_a_document_whose_result_cannot_be_saved_fails_at_once_alone(client_a, monkeypatch):
    """One file whose write fails for a reason that is not transient: it is `failed` with
    the reason immediately; the documents after it in the chunk are processed."""
    from apps.documents import pipeline

    bad, good = _stored(client_a, upload("bad.pdf", pdf_bytes(W2_LINES)),
                        upload("good.pdf", pdf_bytes(INVOICE_LINES)))
    real = pipeline._search_text

    def failing(document, outcome):
        if document.pk == bad.pk:
            raise ValueError("unexpected shape")
        return real(document, outcome)

    monkeypatch.setattr(pipeline, "_search_text", failing)

    result = documents_process.apply(args=[[bad.pk, good.pk]]).get()

    bad.refresh_from_db()
    assert result == {str(bad.pk): "failed", str(good.pk): "processed"}
    assert bad.status == "failed" and bad.processed_at is not None
    assert bad.failure_reason == "The result could not be saved (ValueError); staff can retry."


def test_ocr_skips_pages_beyond_the_document_budget(settings):
    settings.DOCUMENTS_OCR_PAGE_PARALLELISM = 1
    pages = [PageImage(4, 4, bytes(16))] * 6
    pings: list[int] = []

    read = ocr_pages(pages, SlowOcr(0.4), page_seconds=5, document_seconds=1.0,
                     on_page=lambda: pings.append(1))

    assert 1 <= 6 - len(read.skipped) <= 3
    assert read.skipped == list(range(7 - len(read.skipped), 7))  # the last pages
    assert read.pages == 6 and len(pings) >= 6 - len(read.skipped)  # signs of life
    assert read.budget_note.startswith("Text recognition stopped at its time budget")


def test_ocr_skips_a_page_beyond_the_page_budget(settings):
    settings.DOCUMENTS_OCR_PAGE_PARALLELISM = 2
    pages = [PageImage(4, 4, bytes(16))] * 3

    # Without page preparation: its first call loads the orientation model, which would
    # spend page 1's 0.8 s here; this test is about the budget, not about preparation.
    read = ocr_pages(pages, SlowOcr(0.05, hang_on=(2,)), page_seconds=0.8,
                     document_seconds=30, prepare=False)

    assert read.skipped == [2]
    assert "page 2 of 3 not read" in read.budget_note
    assert read.text.count("Invoice page") == 2


def test_a_long_tiff_beyond_the_budget_goes_to_review_saying_so(client_a, settings):
    settings.DOCUMENTS_OCR_PAGE_PARALLELISM = 1
    settings.DOCUMENTS_OCR_DOCUMENT_SECONDS = 1
    settings.DOCUMENTS_LARGE_SCAN_PAGES = 20
    (scan,) = _stored(client_a, upload("long-scan.tiff", multipage_tiff(8)))

    report = document_process(document_id=scan.pk, backend=SlowOcr(0.4))

    scan.refresh_from_db()
    assert report.status == scan.status == "needs_review"
    assert scan.failure_reason.startswith("Text recognition stopped at its time budget")
    assert "of 8 not read" in scan.failure_reason
    # A partial reading is not reused for the same content.
    assert not OcrResult.objects.filter(sha256=scan.sha256).exists()


def test_very_large_scans_go_to_the_large_lane(client_a, settings, monkeypatch,
                                              django_capture_on_commit_callbacks):
    settings.DOCUMENTS_LARGE_SCAN_PAGES = 4
    (scan,) = _stored(client_a, upload("long-scan.tiff", multipage_tiff(6)))
    sent: list[tuple[bool, list[int]]] = []
    monkeypatch.setattr(queue, "_publish",
                        lambda ids, priority, *, large: sent.append((large, ids)) or True)

    with django_capture_on_commit_callbacks(execute=True):
        handed = document_process(document_id=scan.pk, backend=SlowOcr(0.01))
    scan.refresh_from_db()
    normal_again = document_process(document_id=scan.pk, backend=SlowOcr(0.01))
    done = document_process(document_id=scan.pk, backend=SlowOcr(0.01), large_lane=True)

    assert handed.status == "large_lane"
    assert (scan.status, scan.large, scan.attempts) == ("queued", True, 1)
    assert sent == [(True, [scan.pk])]  # sent again, to the large lane
    assert normal_again.status == "skipped"  # the normal lane leaves it to its lane
    assert done.status in ("processed", "needs_review")
    # One routing place: the large lane's task goes to its own queue.
    assert app.amqp.router.route({}, "documents.process_large")["queue"].name == \
        "documents-large"
    assert app.amqp.router.route({}, "documents.process")["queue"].name == "documents"


def test_large_files_are_sent_to_the_large_lane_at_upload(client_a, settings):
    settings.DOCUMENTS_LARGE_SCAN_BYTES = 1000
    big, small = _stored(client_a, upload("scan.tiff", multipage_tiff(2)),
                         upload("notes.csv", b"a,b\n1,2\n" * 200))

    assert queue.is_large(big) and not queue.is_large(small)
