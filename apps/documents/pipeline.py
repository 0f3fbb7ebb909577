"""The processing pipeline: claim -> text (embedded or OCR, cached by content hash) ->
classification -> fields -> one conditional write of the result.

Exactly once: a run claims the document by moving it to `processing` and bumping
`attempts`; its result is written only if the row still carries that attempt number.
A message redelivered after a worker died claims again (its attempt wins); a duplicate
delivery that lost the race writes nothing. Settled documents are skipped, so running a
task twice is harmless.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import F, Value
from django.utils import timezone

from apps.documents.classify import classify
from apps.documents.fields import extract_fields
from apps.documents.models import DocType, Document, DocumentRequestItem, OcrResult
from apps.documents.ocr import OcrBackend, ocr_backend, ocr_pages
from apps.documents.parsing import Parsed, ParseError, parse_isolated
from apps.documents.resilience import ExternalServiceError
from apps.documents.sniffing import IMAGE_KINDS
from apps.documents.storage import document_read
from apps.portal.content_cache import DOCUMENTS
from apps.portal.dashboard import dashboard_note_client_change

log = logging.getLogger(__name__)

# Category chosen at upload stays unless it was "other": then the recognised type says.
_CATEGORY_FOR_TYPE = {
    DocType.W2: Document.Category.TAX_RETURN, DocType.F1099_NEC: Document.Category.TAX_RETURN,
    DocType.F1099_MISC: Document.Category.TAX_RETURN,
    DocType.F1099_INT: Document.Category.TAX_RETURN,
    DocType.F1099_DIV: Document.Category.TAX_RETURN, DocType.F1098: Document.Category.TAX_RETURN,
    DocType.K1: Document.Category.TAX_RETURN,
    DocType.BANK_STATEMENT: Document.Category.BANK_STATEMENT,
    DocType.INVOICE: Document.Category.INVOICE, DocType.RECEIPT: Document.Category.RECEIPT,
    DocType.ENGAGEMENT_LETTER: Document.Category.CONTRACT,
}


@dataclass
class Outcome:
    status: str
    text: str = ""
    text_source: str = ""
    doc_type: str = ""
    confidence: float | None = None
    fields: dict | None = None
    tax_year: int | None = None
    failure_reason: str = ""


@dataclass
class ProcessReport:
    document_id: int
    status: str  # the status written, or "skipped"
    seconds: float
    text_source: str = ""


def document_claim(document_id: int) -> tuple[Document, int] | None:
    """Move a queued (or orphaned `processing`) document to `processing` for this run.

    A document still `processing` is claimed again only when an earlier run did not finish
    (its worker died, or the message was re-queued as stale). After
    DOCUMENTS_MAX_ATTEMPTS attempts it is marked `failed` instead, so a file that kills
    the worker cannot loop forever; staff can retry it."""
    with transaction.atomic():
        document = (Document.objects.select_for_update()
                    .filter(pk=document_id, deleted_at__isnull=True).first())
        if document is None or document.status not in (Document.Status.UPLOADED,
                                                        Document.Status.QUEUED,
                                                        Document.Status.PROCESSING):
            return None
        limit = settings.DOCUMENTS_MAX_ATTEMPTS
        if document.status == Document.Status.PROCESSING and document.attempts >= limit:
            log.warning("document %s: failed after %s unfinished attempts", document_id,
                        document.attempts)
            Document.objects.filter(pk=document.pk).update(
                status=Document.Status.FAILED, processed_at=timezone.now(),
                failure_reason=(f"Processing did not finish after {document.attempts} "
                                "attempts (the file may be damaged or too demanding); "
                                "staff can retry."))
            dashboard_note_client_change(document.client_id, kinds=(DOCUMENTS,))
            return None
        document.status = Document.Status.PROCESSING
        document.attempts = F("attempts") + 1
        document.processing_started_at = timezone.now()
        document.save(update_fields=["status", "attempts", "processing_started_at"])
        document.refresh_from_db(fields=["attempts"])
    return document, document.attempts


def _text_of(document: Document, backend: OcrBackend | None) -> tuple[str, str, float]:
    """(text, source, confidence). Embedded text when there is enough of it; OCR for
    scans, read once per content hash."""
    cached = OcrResult.objects.filter(sha256=document.sha256).first() if document.sha256 \
        else None
    if cached is not None:
        return cached.text, "ocr_cache", cached.confidence
    data = document_read(document.file.name)
    parsed: Parsed = parse_isolated(data, document.content_type,
                                    seconds=settings.DOCUMENTS_PARSE_SECONDS,
                                    memory_mb=settings.DOCUMENTS_PARSE_MEMORY_MB)
    needs_ocr = bool(parsed.images) and (document.content_type in IMAGE_KINDS
                                         or len(parsed.text.strip()) < 25 * parsed.pages)
    if not needs_ocr:
        return parsed.text, "embedded", 1.0
    read = ocr_pages(parsed.images, backend or ocr_backend())
    text = (parsed.text + "\n" + read.text).strip()
    if document.sha256:
        OcrResult.objects.update_or_create(
            sha256=document.sha256,
            defaults={"text": text, "confidence": read.confidence,
                      "engine": (backend or ocr_backend()).name})
    return text, "ocr", read.confidence


def document_analyse(document: Document, backend: OcrBackend | None = None) -> Outcome:
    """Everything but the write; failures become an Outcome with a reason."""
    if not document.file.name or not document.content_type:
        return Outcome(Document.Status.FAILED,
                       failure_reason="The document has no stored file to read.")
    try:
        text, source, ocr_confidence = _text_of(document, backend)
    except ParseError as exc:
        return Outcome(Document.Status.FAILED, failure_reason=str(exc)[:500])
    except ExternalServiceError as exc:
        return Outcome(Document.Status.FAILED,
                       failure_reason=f"Text recognition failed: {exc}"[:500])
    except (OSError, FileNotFoundError) as exc:
        return Outcome(Document.Status.FAILED, failure_reason="The stored file could not be "
                       f"read ({exc.__class__.__name__}).")
    classification = classify(text)
    extraction = extract_fields(classification.doc_type, text)
    confidence = round(min(classification.confidence, extraction.confidence,
                           ocr_confidence if source != "embedded" else 1.0), 3)
    status = (Document.Status.PROCESSED if confidence >= settings.DOCUMENTS_REVIEW_THRESHOLD
              else Document.Status.NEEDS_REVIEW)
    return Outcome(status, text=text, text_source=source, doc_type=classification.doc_type,
                   confidence=confidence, fields=extraction.fields,
                   tax_year=extraction.tax_year)


def _search_text(document: Document, outcome: Outcome) -> str:
    values = [str(v["value"]) for v in (outcome.fields or {}).values()]
    label = DocType(outcome.doc_type).label if outcome.doc_type else ""
    return " ".join([label, *values])


def document_record(document: Document, attempt: int, outcome: Outcome) -> bool:
    """Write the outcome if this run still owns the document; False when it does not."""
    now = timezone.now()
    changes = {"status": outcome.status, "processed_at": now,
               "failure_reason": outcome.failure_reason}
    if outcome.status != Document.Status.FAILED:
        changes.update(text=outcome.text.replace("\x00", ""), text_source=outcome.text_source,
                       doc_type=outcome.doc_type, confidence=outcome.confidence,
                       fields=outcome.fields or {}, tax_year=outcome.tax_year)
        if document.category == Document.Category.OTHER and \
                outcome.doc_type in _CATEGORY_FOR_TYPE:
            changes["category"] = _CATEGORY_FOR_TYPE[outcome.doc_type]
    with transaction.atomic():
        written = Document.objects.filter(pk=document.pk, status=Document.Status.PROCESSING,
                                          attempts=attempt).update(**changes)
        if not written:
            return False
        if outcome.status != Document.Status.FAILED:
            Document.objects.filter(pk=document.pk).update(search=(
                SearchVector("file_name", weight="A", config="english")
                + SearchVector(Value(_search_text(document, outcome)), weight="B",
                               config="english")
                + SearchVector("text", weight="C", config="english")))
            _fulfil_requests(document, outcome.doc_type, now)
        dashboard_note_client_change(document.client_id, kinds=(DOCUMENTS,))
    return True


def _fulfil_requests(document: Document, doc_type: str, now) -> None:
    """The oldest open checklist line of this client that expects this type is done."""
    if not doc_type or doc_type == DocType.OTHER:
        return
    item = (DocumentRequestItem.objects.select_for_update(skip_locked=True)
            .filter(request__client_id=document.client_id, request__cancelled_at__isnull=True,
                    fulfilled_at__isnull=True, expected_type=doc_type)
            .order_by("due_date", "id").first())
    if item is not None and not document.request_items.exists():
        item.document_id = document.pk
        item.fulfilled_at = now
        item.save(update_fields=["document", "fulfilled_at"])


def document_process(*, document_id: int, backend: OcrBackend | None = None
                     ) -> ProcessReport:
    started = time.perf_counter()
    claimed = document_claim(document_id)
    if claimed is None:
        return ProcessReport(document_id, "skipped", time.perf_counter() - started)
    document, attempt = claimed
    try:
        outcome = document_analyse(document, backend)
    except Exception as exc:
        log.exception("document %s: processing error", document_id)
        outcome = Outcome(Document.Status.FAILED,
                          failure_reason=f"Processing error ({exc.__class__.__name__}); "
                                         "staff can retry.")
    written = document_record(document, attempt, outcome)
    return ProcessReport(document_id, outcome.status if written else "skipped",
                         time.perf_counter() - started, outcome.text_source)
