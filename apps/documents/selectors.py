"""Reads for document pages and endpoints, each shaped for one screen (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from apps.documents.models import Document, DocumentRequestItem

LIST_FIELDS = ("id", "file_name", "category", "status", "doc_type", "tax_year",
               "confidence", "size_bytes", "created_at", "client_id", "client__business_name",
               "failure_reason", "batch_id")
PAGE_SIZE = 50


@dataclass(frozen=True)
class DocumentQuery:
    q: str = ""
    category: str = ""
    doc_type: str = ""
    status: str = ""
    client_id: int | None = None
    tax_year: int | None = None


def document_search(query: DocumentQuery) -> QuerySet:
    """The firm's live documents filtered, best text matches first when searching (the
    GIN index on `search` answers the @@ test)."""
    qs = Document.objects.alive()
    if query.category:
        qs = qs.filter(category=query.category)
    if query.doc_type:
        qs = qs.filter(doc_type=query.doc_type)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.client_id is not None:
        qs = qs.filter(client_id=query.client_id)
    if query.tax_year is not None:
        qs = qs.filter(tax_year=query.tax_year)
    if query.q:
        ts_query = SearchQuery(query.q, search_type="websearch", config="english")
        qs = (qs.filter(search=ts_query).annotate(rank=SearchRank(F("search"), ts_query))
              .order_by("-rank", "-created_at", "-id"))
    else:
        qs = qs.order_by("-created_at", "-id")
    return qs


def document_search_page(query: DocumentQuery, page: int | str | None) -> Page:
    return Paginator(document_search(query).values(*LIST_FIELDS), PAGE_SIZE).get_page(page)


def document_get(document_id: int, *, client_id: int | None = None) -> Document:
    qs = Document.objects.alive().select_related("client")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    document = qs.filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    return document


def document_parts(document_id: int) -> list[Document]:
    """The documents a split file became, in page order."""
    return list(Document.objects.alive().filter(parent_id=document_id)
                .order_by("page_from", "id"))


def documents_status(ids: list[int], *, client_id: int | None = None) -> dict:
    """Live status of the given documents and the progress of their batches."""
    qs = Document.objects.alive().filter(pk__in=ids[:200])
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    rows = list(qs.values("id", "status", "doc_type", "tax_year", "failure_reason",
                          "batch_id"))
    batch_ids = {row["batch_id"] for row in rows if row["batch_id"]}
    batches = {}
    if batch_ids:
        for batch in (Document.objects.alive().filter(batch_id__in=batch_ids)
                      .values("batch_id")
                      .annotate(total=Count("id"),
                                done=Count("id", filter=Q(status__in=Document.SETTLED_STATUSES)),
                                failed=Count("id", filter=Q(status=Document.Status.FAILED)))):
            batches[str(batch["batch_id"])] = {"total": batch["total"], "done": batch["done"],
                                               "failed": batch["failed"]}
    return {"documents": rows, "batches": batches}


def client_recent_documents(client_id: int, limit: int = 20) -> list[dict]:
    return list(Document.objects.alive().filter(client_id=client_id)
                .order_by("-created_at", "-id")
                .values("id", "file_name", "category", "status", "doc_type", "size_bytes",
                        "created_at", "failure_reason", "batch_id")[:limit])


def client_open_request_items(client_id: int) -> list[dict]:
    return list(DocumentRequestItem.objects
                .filter(request__client_id=client_id, request__cancelled_at__isnull=True,
                        fulfilled_at__isnull=True)
                .order_by("due_date", "id")
                .values("id", "label", "expected_type", "due_date", "request__title",
                        "request__message"))


def client_request_items(client_id: int) -> list[dict]:
    """Every line of the client's live requests: open first, then recently fulfilled."""
    return list(DocumentRequestItem.objects
                .filter(request__client_id=client_id, request__cancelled_at__isnull=True)
                .order_by(F("fulfilled_at").desc(nulls_first=True), "due_date", "id")
                .values("id", "label", "expected_type", "due_date", "fulfilled_at",
                        "request_id", "request__title", "document_id",
                        "document__file_name")[:200])


def outstanding_request_items(*, client_id: int | None = None, limit: int = 200
                              ) -> list[dict]:
    """What the firm is still waiting for, soonest due first."""
    qs = DocumentRequestItem.objects.filter(request__cancelled_at__isnull=True,
                                            fulfilled_at__isnull=True)
    if client_id is not None:
        qs = qs.filter(request__client_id=client_id)
    return list(qs.order_by("due_date", "id")
                .values("id", "label", "expected_type", "due_date", "request_id",
                        "request__title", "request__client_id",
                        "request__client__business_name")[:limit])


def field_corrections_for_export(*, since=None):
    """Every field a person confirmed or corrected, with its document's text and layout,
    as plain dicts for the development set (manage.py export_corrections), oldest first."""
    from apps.documents.models import FieldCorrection

    qs = (FieldCorrection.objects.select_related("document", "document__layout")
          .order_by("created_at", "id"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    for correction in qs.iterator(chunk_size=200):
        document = correction.document
        layout = getattr(document, "layout", None)
        yield {
            "document_id": document.pk, "content_type": document.content_type,
            "doc_type": correction.doc_type, "text_source": document.text_source,
            "field": correction.field, "action": correction.action,
            "read_value": correction.old_value, "read_confidence": correction.old_confidence,
            "right_value": correction.new_value,
            "corrected_at": correction.created_at.isoformat(),
            "text": document.text,
            # Boxes only: page image names are storage paths, no use outside this firm.
            "layout": None if layout is None else {
                "source": layout.source,
                "pages": [{"w": page.get("w"), "h": page.get("h"),
                           "words": page.get("words") or []} for page in layout.pages]},
        }
