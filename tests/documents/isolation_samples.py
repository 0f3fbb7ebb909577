"""Real objects of firm A for the isolation suite's document routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context

from apps.documents.models import Document, DocumentRequest
from tests.portal.factories import give_access, make_client


def _document(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Isolation documents")
        give_access(world.user("client_owner"), client)
        document = Document.objects.create(client=client, file_name="isolation.pdf",
                                           size_bytes=10, content_type="pdf",
                                           status=Document.Status.FAILED)
    return {"document_id": document.pk, "pk": document.pk, "client_id": client.pk}


def _previewed_document(world) -> dict:
    """A processed document whose first page has a stored preview image."""
    from django.core.files.base import ContentFile

    from apps.documents.models import DocumentLayout, documents_storage

    kwargs = _document(world)
    with schema_context(world.firm.schema_name):
        Document.objects.filter(pk=kwargs["document_id"]).update(
            status=Document.Status.PROCESSED)
        name = documents_storage().save(
            f"firms/{world.firm.schema_name}/previews/isolation/p1.jpg",
            ContentFile(b"\xff\xd8\xff\xe0 isolation sample"))
        DocumentLayout.objects.create(document_id=kwargs["document_id"], source="pdf",
                                      pages=[{"w": 10, "h": 10, "image": name,
                                              "words": []}])
    return {**kwargs, "page": 1}


def _client(world) -> dict:
    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Isolation documents client")
        give_access(world.user("client_owner"), client)
    return {"client_id": client.pk}


def _request(world) -> dict:
    with schema_context(world.firm.schema_name):
        request = DocumentRequest.objects.create(client=make_client(), title="Isolation")
    return {"request_id": request.pk, "object_id": request.pk}


DOCUMENT_SAMPLES: dict[str, Callable] = {
    **dict.fromkeys(["documents:detail", "documents:download", "documents:retry",
                     "documents:review", "documents_api:document_detail",
                     "documents_api:document_retry", "portal_documents:link",
                     "portal_documents:download"], _document),
    **dict.fromkeys(["documents:upload", "documents:request_create", "portal_documents:upload",
                     "portal_documents:requests", "portal_documents:status"], _client),
    "documents:request_cancel": _request,
    # The review preview: a page image (page 1) and the per-field confirm / correct.
    "documents:page_image": _previewed_document,
    "documents:field_review": _document,
    # The firm admin's pages of a document request.
    **dict.fromkeys(["firm_admin:documents_documentrequest_change",
                     "firm_admin:documents_documentrequest_delete",
                     "firm_admin:documents_documentrequest_history"], _request),
}
