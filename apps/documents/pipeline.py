"""The processing pipeline: claim -> text (embedded or OCR, cached by content hash) ->
classification -> fields -> one conditional write of the result.

Exactly once: a run claims the document by moving it to `processing` and bumping
`attempts`; its result is written only if the row still carries that attempt number.
A live run keeps `worked_at` fresh (at the claim, around the parse, after each OCR page);
a document `processing` is claimed again only when that sign of life is older than
STALLED_AFTER (its worker died) or by the run's own retry (it presents its attempt
number). A duplicate delivery therefore never steals a live run's document, and one that
races a dead run's late write wins by the fence. Settled documents are skipped, so
running a task twice is harmless.

Every document stands alone: a failure becomes `failed` with its reason at once (text is
cleaned before it is stored, and a write that still fails records the failure instead);
only transient errors (the database or the broker away) are raised, as Retryable, for
the task to retry with backoff.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Value
from django.utils import timezone

from apps.documents.classify import Classification, classify
from apps.documents.fields import Extraction, extract_fields
from apps.documents.models import (
    DocType,
    Document,
    DocumentLayout,
    DocumentRequestItem,
    OcrResult,
)
from apps.documents.ocr import OcrBackend, ocr_backend, ocr_pages
from apps.documents.parsing import IN_PROCESS_KINDS, Parsed, ParseError, parse_isolated
from apps.documents.preview import ocr_layout_pages
from apps.documents.resilience import ExternalServiceError
from apps.documents.sniffing import IMAGE_KINDS
from apps.documents.splitting import Part, page_texts, pages_text, parts_record, split_parts
from apps.documents.storage import document_read
from apps.documents.text import clean_text, clean_value
from apps.people.events import announce_from_worker
from apps.portal.content_cache import DOCUMENTS
from apps.portal.dashboard import dashboard_note_client_change

log = logging.getLogger(__name__)

# Longest silence of a live run: the parse is capped at DOCUMENTS_PARSE_SECONDS (30 s) and
# each OCR page at DOCUMENTS_OCR_PAGE_SECONDS (20 s), with a sign of life between steps.
STALLED_AFTER = timedelta(seconds=45)
HANDED_TO_LARGE_LANE = "large_lane"
# Texts up to this long (a few passages of apps/ask/chunking.py) are indexed for questions
# inside the processing task; longer ones by a task of their own.
INLINE_INDEX_CHARS = 3000


def _transient_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, InterfaceError, BrokerError, RedisConnectionError,
            RedisTimeoutError)


class Retryable(Exception):
    """A transient error on one document: the task retries it (and the rest of its
    chunk) later. `attempt` is the claim this run holds, so its retry may take it back."""

    def __init__(self, document_id: int, attempt: int | None):
        super().__init__(f"document {document_id}: transient error (attempt {attempt})")
        self.document_id = document_id
        self.attempt = attempt

    def __reduce__(self):
        # Picklable, so a result backend can store it when retries run out.
        return (Retryable, (self.document_id, self.attempt))


class ClaimBusy(Exception):
    """Another run holds the document and shows signs of life."""


def document_heartbeat(document_ids: list[int]) -> None:
    """The sign of life of the task whose chunk holds these documents, still waiting
    their turn: the sweep leaves them alone while it is fresh. Only `queued` ones: a
    document another run is processing keeps that run's own sign of life."""
    if document_ids:
        Document.objects.filter(pk__in=document_ids, status__in=(
            Document.Status.UPLOADED, Document.Status.QUEUED)).update(worked_at=timezone.now())


def _run_heartbeat(document: Document) -> None:
    """The sign of life of the run processing this document (its claim's attempt)."""
    Document.objects.filter(pk=document.pk, status=Document.Status.PROCESSING,
                            attempts=document.attempts).update(worked_at=timezone.now())

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
    # A file of several forms (status SPLIT): each part with the outcome of its own pages.
    parts: list[tuple[Part, Outcome]] | None = None
    layout: list[dict] | None = None  # where OCR read the text (the review preview)


@dataclass
class ProcessReport:
    document_id: int
    status: str  # the status written, "skipped", or "busy" (another live run holds it)
    seconds: float
    text_source: str = ""


def document_claim(document_id: int, *, owned_attempt: int | None = None,
                   large_lane: bool = False) -> tuple[Document, int] | None:
    """Move a queued (or orphaned `processing`) document to `processing` for this run.

    A document still `processing` is claimed again only when its run has stopped (no sign
    of life for STALLED_AFTER: its worker died) or by that run's own retry
    (`owned_attempt`); a live run is left alone. After DOCUMENTS_MAX_ATTEMPTS attempts it
    is marked `failed` instead, so a file that kills the worker cannot loop forever;
    staff can retry it. A document meant for the large lane waits for that lane."""
    with transaction.atomic():
        document = (Document.objects.select_for_update()
                    .filter(pk=document_id, deleted_at__isnull=True).first())
        if document is None or document.status not in (Document.Status.UPLOADED,
                                                        Document.Status.QUEUED,
                                                        Document.Status.PROCESSING):
            return None
        if document.large and not large_lane:
            return None  # handed to the large lane: its own message claims it there
        now = timezone.now()
        if document.status == Document.Status.PROCESSING:
            seen = document.worked_at or document.processing_started_at
            alive = seen is not None and seen > now - STALLED_AFTER
            if alive and document.attempts != owned_attempt:
                raise ClaimBusy(document_id)  # look again once it could have stalled
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
        # The row is locked until commit: its attempt number is known without a re-read.
        document.attempts += 1
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.PROCESSING, attempts=document.attempts,
            processing_started_at=now, worked_at=now)
        document.status = Document.Status.PROCESSING
        document.processing_started_at = document.worked_at = now
    return document, document.attempts


@dataclass
class _Text:
    text: str
    source: str
    confidence: float
    budget_note: str = ""  # pages skipped by the OCR time budget
    needs_large_lane: bool = False
    layout: list[dict] | None = None


def _text_of(document: Document, backend: OcrBackend | None, *,
             large_lane: bool = False) -> _Text:
    """Embedded text when there is enough of it; OCR for scans, read once per content
    hash, within its time budget. A scan with more pages to read than
    DOCUMENTS_LARGE_SCAN_PAGES belongs to the large lane: outside it, nothing is read."""
    # Plain text is never read by OCR: no cached reading to look for, and its parse is
    # a quick in-process decode that needs no sign of life around it.
    plain = document.content_type in IN_PROCESS_KINDS
    # A part of a split file reads the file's own reading (its pages are cut after).
    sha256 = document.sha256 or (document.parent.sha256 if document.parent_id else "")
    cached = OcrResult.objects.filter(sha256=sha256).first() \
        if sha256 and not plain else None
    if cached is not None:
        return _Text(cached.text, "ocr_cache", cached.confidence, layout=cached.layout or None)
    data = document_read(document.file.name)
    if not plain:
        _run_heartbeat(document)
    parsed: Parsed = parse_isolated(data, document.content_type,
                                    seconds=settings.DOCUMENTS_PARSE_SECONDS,
                                    memory_mb=settings.DOCUMENTS_PARSE_MEMORY_MB)
    if not plain:
        _run_heartbeat(document)
    needs_ocr = bool(parsed.images) and (document.content_type in IMAGE_KINDS
                                         or len(parsed.text.strip()) < 25 * parsed.pages)
    if not needs_ocr:
        return _Text(clean_text(parsed.text), "embedded", 1.0)
    if not large_lane and len(parsed.images) > settings.DOCUMENTS_LARGE_SCAN_PAGES:
        return _Text("", "", 0.0, needs_large_lane=True)
    read = ocr_pages(parsed.images, backend or ocr_backend(),
                     on_page=lambda: _run_heartbeat(document))
    text = clean_text((parsed.text + "\n" + read.text).strip())
    # The pages as read, with their boxes, for the review preview.
    layout = ocr_layout_pages(clean_value(read.layout), read.images,
                              key=sha256 or f"document-{document.pk}")
    if sha256 and not read.skipped:
        # Only a complete reading is reused for the same content.
        OcrResult.objects.update_or_create(
            sha256=sha256,
            defaults={"text": text, "confidence": read.confidence,
                      "engine": (backend or ocr_backend()).name, "layout": layout})
    return _Text(text, "ocr", read.confidence, budget_note=read.budget_note,
                 layout=layout)


def document_assess(text: str, text_confidence: float = 1.0, *, read_by_ocr: bool = False
                    ) -> tuple[Classification, Extraction, float]:
    """What the text is, its fields, and the confidence that decides review: the weakest
    of the classification, the fields shown (and required ones missing) and the OCR."""
    classification = classify(text)
    extraction = extract_fields(classification.doc_type, text, read_by_ocr=read_by_ocr)
    return classification, extraction, round(min(
        classification.confidence, extraction.confidence, text_confidence), 3)


def document_analyse(document: Document, backend: OcrBackend | None = None, *,
                     large_lane: bool = False) -> Outcome:
    """Everything but the write; failures become an Outcome with a reason."""
    if not document.file.name or not document.content_type:
        return Outcome(Document.Status.FAILED,
                       failure_reason="The document has no stored file to read.")
    try:
        found = _text_of(document, backend, large_lane=large_lane)
    except ParseError as exc:
        return Outcome(Document.Status.FAILED, failure_reason=str(exc)[:500])
    except ExternalServiceError as exc:
        return Outcome(Document.Status.FAILED,
                       failure_reason=f"Text recognition failed: {exc}"[:500])
    except (OSError, FileNotFoundError) as exc:
        return Outcome(Document.Status.FAILED, failure_reason="The stored file could not be "
                       f"read ({exc.__class__.__name__}).")
    if found.needs_large_lane:
        return Outcome(HANDED_TO_LARGE_LANE)
    text = found.text
    if document.parent_id and document.page_from:
        # A part of a split file: its own pages only.
        page_to = document.page_to or document.page_from
        text = pages_text(text, document.page_from, page_to)
        layout = (found.layout or [])[document.page_from - 1:page_to] or None
        return analyse_text(text, source=found.source, text_confidence=found.confidence,
                            budget_note=found.budget_note, layout=layout)
    return analyse_file_text(text, source=found.source, text_confidence=found.confidence,
                             budget_note=found.budget_note, layout=found.layout)


def analyse_file_text(text: str, *, source: str, text_confidence: float,
                      budget_note: str = "", layout: list[dict] | None = None) -> Outcome:
    """The outcome of a whole file's text: split into its forms when it holds several
    (not when pages went unread: the page numbers would not hold), else one analysis."""
    parts = [] if budget_note else split_parts(page_texts(text))
    if parts:
        return Outcome(Document.Status.SPLIT, text=text, text_source=source, layout=layout,
                       parts=[(part, analyse_text(pages_text(text, part.page_from, part.page_to),
                                                  source=source,
                                                  text_confidence=text_confidence,
                                                  layout=(layout or [])[
                                                      part.page_from - 1:part.page_to] or None))
                              for part in parts])
    return analyse_text(text, source=source, text_confidence=text_confidence,
                        budget_note=budget_note, layout=layout)


def analyse_text(text: str, *, source: str, text_confidence: float,
                 budget_note: str = "", layout: list[dict] | None = None) -> Outcome:
    """Classification, fields, confidence and status of a text read from a document."""
    classification, extraction, confidence = document_assess(
        text, text_confidence if source != "embedded" else 1.0,
        read_by_ocr=source != "embedded")
    status = (Document.Status.PROCESSED if confidence >= settings.DOCUMENTS_REVIEW_THRESHOLD
              and not budget_note else Document.Status.NEEDS_REVIEW)
    # Why it waits for review, in the reviewer's words: the OCR budget, or the fields
    # that are not trusted (each also carries its own note in `fields`).
    reason = budget_note or ("; ".join(extraction.notes)
                             if status == Document.Status.NEEDS_REVIEW else "")
    return Outcome(status, text=text, text_source=source,
                   doc_type=classification.doc_type, confidence=confidence,
                   fields=clean_value(extraction.fields), tax_year=extraction.tax_year,
                   failure_reason=reason[:500], layout=layout)


def _search_text(document: Document, outcome: Outcome) -> str:
    values = [str(v["value"]) for v in (outcome.fields or {}).values()]
    label = DocType(outcome.doc_type).label if outcome.doc_type else ""
    return " ".join([label, *values])


def _result_columns(document: Document, outcome: Outcome) -> dict:
    """The columns an outcome writes on a document."""
    columns = {"status": outcome.status,
               "failure_reason": clean_text(outcome.failure_reason)[:500]}
    if outcome.status != Document.Status.FAILED:
        columns.update(text=clean_text(outcome.text), text_source=outcome.text_source,
                       doc_type=outcome.doc_type, confidence=outcome.confidence,
                       fields=outcome.fields or {}, tax_year=outcome.tax_year)
        if document.category == Document.Category.OTHER and \
                outcome.doc_type in _CATEGORY_FOR_TYPE:
            columns["category"] = _CATEGORY_FOR_TYPE[outcome.doc_type]
    return columns


def _search_vector(document: Document, outcome: Outcome, text: str) -> SearchVector:
    # The text as a value, not the column: in the UPDATE that stores it, the column
    # still holds the old text.
    return (SearchVector("file_name", weight="A", config="english")
            + SearchVector(Value(_search_text(document, outcome)), weight="B",
                           config="english")
            + SearchVector(Value(text), weight="C", config="english"))


def _after_result(document: Document, outcome: Outcome, now, *, text: str | None = None,
                  search_written: bool = False) -> None:
    """Search vector (unless the result's own UPDATE wrote it), checklist, page layout
    and passages of a document just given its result. `text`: its cleaned text when the
    caller has it already (cleaning a long text twice is not free)."""
    text = clean_text(outcome.text) if text is None else text
    if not search_written:
        Document.objects.filter(pk=document.pk).update(
            search=_search_vector(document, outcome, text))
    _fulfil_requests(document, outcome.doc_type, now)
    # Never given a result before (processed_at is still the claimed row's): no
    # passages or processing layout of an earlier run to replace.
    first_run = document.processed_at is None
    if outcome.layout or not first_run:
        _keep_layout(document, outcome)
    _index_passages(document, text, first_run=first_run)


def _index_passages(document: Document, text: str, *, first_run: bool) -> None:
    """Passages for questions (apps/ask). A small text is indexed here, in the result's
    transaction (a few passages: one INSERT, no task, no re-read); a longer one by a
    task after commit, so a long embedding never holds the result's transaction."""
    from apps.ask.tasks import index_after_commit

    if len(text) > INLINE_INDEX_CHARS or not first_run:
        index_after_commit(document.pk)
        return
    from apps.ask.services import passages_write

    passages_write(document_id=document.pk, client_id=document.client_id, text=text)


def _record_parts(document: Document, outcome: Outcome, now) -> None:
    """The documents of a split file, each with its own pages' result."""
    parts = []
    for part, part_outcome in outcome.parts or []:
        columns = _result_columns(document, part_outcome)
        if part_outcome.doc_type in _CATEGORY_FOR_TYPE:
            columns["category"] = _CATEGORY_FOR_TYPE[part_outcome.doc_type]
        parts.append((part, columns))
    children = parts_record(parent=document, parts=parts)
    for child, (_, part_outcome) in zip(children, outcome.parts or [], strict=True):
        _after_result(child, part_outcome, now)


def document_record(document: Document, attempt: int, outcome: Outcome) -> bool:
    """Write the outcome if this run still owns the document; False when it does not."""
    now = timezone.now()
    changes = {"processed_at": now, "worked_at": None, **_result_columns(document, outcome)}
    split = outcome.status == Document.Status.SPLIT
    if split:
        # The file itself is no form: its parts carry types, fields and passages.
        changes.update(doc_type="", confidence=None, fields={}, tax_year=None)
        changes.pop("category", None)
    elif outcome.status != Document.Status.FAILED:
        # The search vector in the same UPDATE as the result: one statement, not two.
        changes["search"] = _search_vector(document, outcome, changes["text"])
    with transaction.atomic():
        written = Document.objects.filter(pk=document.pk, status=Document.Status.PROCESSING,
                                          attempts=attempt).update(**changes)
        if not written:
            return False
        if split:
            _record_parts(document, outcome, now)
            _keep_layout(document, outcome)
        elif outcome.status != Document.Status.FAILED:
            _after_result(document, outcome, now, text=changes["text"], search_written=True)
        dashboard_note_client_change(document.client_id, kinds=(DOCUMENTS,))
        # The uploader hears after commit, from this task (no task of its own).
        announce_from_worker("document_processed", document.pk)
    return True


def _keep_layout(document: Document, outcome: Outcome) -> None:
    """The OCR reading's boxes replace any earlier layout; a document with embedded text
    gets its layout from PDFium on its first view instead (apps/documents/preview.py)."""
    if outcome.layout:
        DocumentLayout.objects.update_or_create(
            document_id=document.pk,
            defaults={"source": DocumentLayout.Source.OCR, "pages": outcome.layout})
    else:
        DocumentLayout.objects.filter(document_id=document.pk).delete()


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


def document_hand_to_large_lane(document: Document, attempt: int) -> bool:
    """Give up this run's claim in favour of the large lane: the document is queued
    again, marked large, and sent there after commit."""
    from apps.documents import queue

    with transaction.atomic():
        written = Document.objects.filter(
            pk=document.pk, status=Document.Status.PROCESSING, attempts=attempt).update(
            status=Document.Status.QUEUED, large=True, queued_at=timezone.now(),
            worked_at=None, dispatched_at=None)
        if written:
            document.large = True
            queue.enqueue_after_commit([document])
    return bool(written)


def _record_failure(document: Document, attempt: int, exc: Exception) -> bool:
    log.exception("document %s: the result could not be saved", document.pk)
    return document_record(document, attempt, Outcome(
        Document.Status.FAILED, failure_reason=f"The result could not be saved "
                                               f"({exc.__class__.__name__}); staff can retry."))


def document_process(*, document_id: int, backend: OcrBackend | None = None,
                     owned_attempt: int | None = None, large_lane: bool = False
                     ) -> ProcessReport:
    """Claim, analyse and record one document. Raises only Retryable (a transient
    database or broker error); any other failure is recorded as `failed` with its
    reason."""
    transient = _transient_errors()
    started = time.perf_counter()
    try:
        claimed = document_claim(document_id, owned_attempt=owned_attempt,
                                 large_lane=large_lane)
    except transient as exc:
        raise Retryable(document_id, owned_attempt) from exc
    except ClaimBusy:
        return ProcessReport(document_id, "busy", time.perf_counter() - started)
    if claimed is None:
        return ProcessReport(document_id, "skipped", time.perf_counter() - started)
    document, attempt = claimed
    try:
        outcome = document_analyse(document, backend, large_lane=large_lane)
    except transient as exc:
        raise Retryable(document_id, attempt) from exc
    except Exception as exc:
        log.exception("document %s: processing error", document_id)
        outcome = Outcome(Document.Status.FAILED,
                          failure_reason=f"Processing error ({exc.__class__.__name__}); "
                                         "staff can retry.")
    try:
        if outcome.status == HANDED_TO_LARGE_LANE:
            written = document_hand_to_large_lane(document, attempt)
        else:
            written = document_record(document, attempt, outcome)
    except transient as exc:
        raise Retryable(document_id, attempt) from exc
    except Exception as exc:
        outcome = Outcome(Document.Status.FAILED)
        written = _record_failure(document, attempt, exc)
    return ProcessReport(document_id, outcome.status if written else "skipped",
                         time.perf_counter() - started,
                         outcome.text_source if written else "")
