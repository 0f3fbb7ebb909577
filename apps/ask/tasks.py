"""Indexing runs after a document's processing commits (and again on reprocess)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="ask.index_document", acks_late=True)
def ask_index_document(document_id: int) -> int:
    from apps.ask.services import document_index

    return document_index(document_id=document_id)


def index_after_commit(document_id: int) -> None:
    """Queue the document's re-index once the surrounding transaction commits; a broker
    outage is logged and `manage.py ask_backfill` catches the document up."""
    from django.db import transaction

    from advisoros.tasks import delay_or_log

    transaction.on_commit(lambda: delay_or_log(ask_index_document, document_id=document_id))
