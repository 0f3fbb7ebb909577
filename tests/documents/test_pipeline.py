"""The pipeline, called directly (the worker tests cover the queue): text, OCR and its
cache, classification, fields, review, failures with reasons, exactly-once writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.documents.models import DocType, Document, OcrResult
from apps.documents.ocr import RapidOcrBackend
from apps.documents.pipeline import Outcome, document_claim, document_process, document_record
from apps.documents.requests import RequestLine, document_request_create
from apps.documents.services import document_retry, documents_upload
from apps.portal.dashboard import client_dashboard_get
from tests.documents.samples import (
    CORRUPT_PDF,
    INVOICE_LINES,
    LOOPING_PDF,
    W2_LINES,
    docx_bytes,
    docx_zip_bomb,
    pdf_bytes,
    png_bomb,
    text_image,
    upload,
)

pytestmark = pytest.mark.django_db


class CountingOcr(RapidOcrBackend):
    """The real local engine, counting the pages it is asked to read."""

    def __init__(self) -> None:
        self.pages = 0

    def read(self, page):
        self.pages += 1
        return super().read(page)


def _stored(client, name: str, content: bytes, category: str = "other") -> Document:
    return documents_upload(client=client, files=[upload(name, content)], category=category,
                            uploaded_by_id=None).created[0]


def test_text_pdf_w2_is_read_classified_and_its_fields_extracted(client_a):
    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))

    report = document_process(document_id=document.pk)

    document.refresh_from_db()
    assert report.status == Document.Status.PROCESSED
    assert (document.status, document.doc_type, document.text_source) == (
        "processed", DocType.W2, "embedded")
    assert document.category == Document.Category.TAX_RETURN  # "other" took the type's
    assert document.tax_year == 2024
    assert {k: v["value"] for k, v in document.fields.items()} == {
        "employer_ein": "12-3456789", "wages": "54321.00", "federal_withholding": "6543.21",
        "social_security_wages": "54321.00", "tax_year": 2024}
    assert document.confidence >= 0.8 and document.attempts == 1


def test_scanned_image_is_read_by_ocr_once_per_content(client_a):
    from tests.portal.factories import make_client

    ocr = CountingOcr()
    scan = text_image(INVOICE_LINES)
    first = _stored(client_a, "invoice.png", scan)
    second = _stored(make_client(), "same-invoice.png", scan)

    document_process(document_id=first.pk, backend=ocr)
    document_process(document_id=second.pk, backend=ocr)

    first.refresh_from_db()
    second.refresh_from_db()
    assert ocr.pages == 1  # the second document came from the cache
    assert (first.text_source, second.text_source) == ("ocr", "ocr_cache")
    assert first.doc_type == second.doc_type == DocType.INVOICE
    assert first.fields["total"]["value"] == "1234.56"
    assert first.fields["invoice_number"]["value"] == "INV-2041"
    assert OcrResult.objects.get(sha256=first.sha256).engine == "rapidocr"


def test_low_confidence_needs_review_and_counts_on_the_dashboard(client_a):
    # A W-2 title without its boxes: recognised, but the wages cannot be found.
    document = _stored(client_a, "partial.pdf", pdf_bytes(["Form W-2 Wage and Tax Statement",
                                                           "see attached"]))

    document_process(document_id=document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.doc_type == DocType.W2
    assert client_dashboard_get(client_a.pk).figures["documents_needing_review"] == 1


def test_docx_text_is_read(client_a):
    document = _stored(client_a, "letter.docx", docx_bytes([
        "Engagement Letter", "This letter confirms the terms of engagement.",
        "Scope of services: bookkeeping.", "Please sign and return."]))

    document_process(document_id=document.pk)

    document.refresh_from_db()
    assert (document.status, document.doc_type) == ("processed", DocType.ENGAGEMENT_LETTER)


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("corrupt.pdf", CORRUPT_PDF, "The PDF is damaged"),
    ("looping.pdf", LOOPING_PDF, "The PDF is damaged"),
    ("locked.pdf", pdf_bytes(W2_LINES, encrypt="secret"), "password-protected"),
    ("bomb.png", png_bomb(), "decompression bomb"),
    ("bomb.docx", docx_zip_bomb(150), "zip bomb"),
])
def test_bad_files_fail_with_a_reason_and_keep_the_original(client_a, documents_storage,
                                                            name, content, reason):
    document = _stored(client_a, name, content)

    report = document_process(document_id=document.pk)

    document.refresh_from_db()
    assert report.status == document.status == Document.Status.FAILED
    assert reason in document.failure_reason
    assert (documents_storage / document.file.name).read_bytes() == content


def test_a_parser_that_overruns_its_time_is_stopped(client_a, settings):
    settings.DOCUMENTS_PARSE_SECONDS = 0
    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))

    document_process(document_id=document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "took longer than 0 s" in document.failure_reason


def test_a_failed_document_can_be_retried(client_a, settings):
    settings.DOCUMENTS_PARSE_SECONDS = 0
    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))
    document_process(document_id=document.pk)
    settings.DOCUMENTS_PARSE_SECONDS = 30

    document_retry(document=Document.objects.get(pk=document.pk))
    document_process(document_id=document.pk)

    document.refresh_from_db()
    assert (document.status, document.failure_reason, document.attempts) == (
        "processed", "", 2)


def test_retry_refuses_a_document_that_did_not_fail(client_a):
    from django.core.exceptions import ValidationError

    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))

    with pytest.raises(ValidationError) as caught:
        document_retry(document=document)

    assert "status" in caught.value.message_dict


def test_processing_twice_writes_once(client_a):
    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))

    first = document_process(document_id=document.pk)
    second = document_process(document_id=document.pk)

    assert (first.status, second.status) == ("processed", "skipped")
    assert Document.objects.get(pk=document.pk).attempts == 1


def _silent(document) -> None:
    """The run holding the document stopped showing signs of life (its worker died)."""
    from django.utils import timezone

    from apps.documents.pipeline import STALLED_AFTER

    Document.objects.filter(pk=document.pk).update(
        worked_at=timezone.now() - STALLED_AFTER - timedelta(seconds=1))


def test_a_run_that_lost_its_claim_writes_nothing(client_a):
    """A worker killed mid-task: its message is delivered again and, once the dead run
    has gone silent, the new run claims the document; if the old run somehow finished
    later, its write is refused."""
    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))
    _, stale_attempt = document_claim(document.pk)  # the run whose worker died

    too_soon = document_process(document_id=document.pk)
    _silent(document)
    redelivered = document_process(document_id=document.pk)
    late = document_record(document, stale_attempt,
                           Outcome(Document.Status.FAILED, failure_reason="stale"))

    document.refresh_from_db()
    assert too_soon.status == "busy"  # a live-looking run is never taken over
    assert redelivered.status == "processed" and late is False
    assert (document.status, document.failure_reason, document.attempts) == ("processed", "", 2)


def test_processing_fulfils_the_matching_request_line(client_a):
    from datetime import date, timedelta

    request = document_request_create(
        client=client_a, title="2024 taxes", created_by_id=None,
        lines=[RequestLine("Your W-2", date.today() + timedelta(days=30), DocType.W2),
               RequestLine("Bank statements", date.today() + timedelta(days=30),
                           DocType.BANK_STATEMENT)])
    document = _stored(client_a, "scan-001.pdf", pdf_bytes(W2_LINES))

    document_process(document_id=document.pk)

    lines = {i.label: i for i in request.items.all()}
    assert lines["Your W-2"].document_id == document.pk
    assert lines["Your W-2"].fulfilled_at is not None
    assert lines["Bank statements"].fulfilled_at is None


def test_deleted_documents_are_not_processed(client_a):
    from apps.documents.services import document_delete

    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))
    document_delete(document=document)

    assert document_process(document_id=document.pk).status == "skipped"
    assert Document.objects.get(pk=document.pk).status == Document.Status.QUEUED


def test_a_document_whose_runs_keep_dying_fails_after_the_attempt_cap(client_a, settings):
    """Each claim from `processing` is a run that never finished (its worker died):
    after DOCUMENTS_MAX_ATTEMPTS the document fails instead of being claimed again."""
    settings.DOCUMENTS_MAX_ATTEMPTS = 3
    document = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))
    for _ in range(3):
        assert document_claim(document.pk) is not None  # ... and the worker dies
        _silent(document)

    assert document_claim(document.pk) is None
    assert document_process(document_id=document.pk).status == "skipped"

    document.refresh_from_db()
    assert (document.status, document.attempts) == ("failed", 3)
    assert "did not finish after 3 attempts" in document.failure_reason
    assert document.processed_at is not None

    # Staff retry it: it is processed again.
    document_retry(document=document)
    assert document_process(document_id=document.pk).status == "processed"


def test_requeue_stale_leaves_a_document_that_has_just_started(client_a):
    from datetime import timedelta

    from django.utils import timezone

    from apps.documents.tasks import documents_requeue_stale

    long_ago = timezone.now() - timedelta(minutes=40)
    started = _stored(client_a, "w2.pdf", pdf_bytes(W2_LINES))
    document_claim(started.pk)  # waited 40 minutes in a backlog, started just now
    dead = _stored(client_a, "b.pdf", pdf_bytes(["Invoice B"]))
    document_claim(dead.pk)  # started 20 minutes ago; its worker is gone
    waiting = _stored(client_a, "c.pdf", pdf_bytes(["Invoice C"]))
    Document.objects.filter(pk__in=[started.pk, dead.pk, waiting.pk]).update(
        queued_at=long_ago)
    Document.objects.filter(pk=dead.pk).update(
        processing_started_at=timezone.now() - timedelta(minutes=20),
        worked_at=timezone.now() - timedelta(minutes=20))

    assert documents_requeue_stale() == 2
    requeued = set(Document.objects.filter(queued_at__gt=long_ago).values_list("pk", flat=True))
    assert requeued == {dead.pk, waiting.pk}
    # The dead run's claim is released: its late write would be refused.
    assert Document.objects.get(pk=dead.pk).status == Document.Status.QUEUED

    # Just re-queued: not again at the next beat, although its run started long ago.
    assert documents_requeue_stale() == 0
