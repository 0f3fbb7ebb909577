"""Real objects of firm A for the isolation suite's ask routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context


def _client_with_indexed_document(world) -> dict:
    from apps.ask.services import document_index
    from apps.documents.models import Document
    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Ask isolation sample")
        document = Document.objects.create(client=client, file_name="sample.pdf",
                                           text="Sample lease", status="processed")
        document_index(document_id=document.pk)
    return {"client_id": client.pk}


ASK_SAMPLES: dict[str, Callable] = {"ask:client_ask": _client_with_indexed_document}
