"""Where document bytes live: the `documents` storage (STORAGES setting), outside the web
root, under a per-firm folder, with names the server makes (never the uploader's)."""

from __future__ import annotations

import uuid

from django.core.files.base import File
from django.db import connection

from apps.documents.models import documents_storage
from apps.documents.sniffing import KINDS


def document_storage_name(*, client_id: int, kind: str) -> str:
    extension = KINDS[kind][1][0]
    # The schema in the path keeps firms apart; a random name tells nothing and cannot
    # collide or be guessed.
    return f"firms/{connection.schema_name}/clients/{client_id}/{uuid.uuid4().hex}{extension}"


def document_store(*, client_id: int, kind: str, content: File) -> str:
    content.seek(0)
    return documents_storage().save(document_storage_name(client_id=client_id, kind=kind),
                                    content)


def document_read(name: str) -> bytes:
    with documents_storage().open(name, "rb") as handle:
        return handle.read()


def document_discard(name: str) -> None:
    if name:
        documents_storage().delete(name)
