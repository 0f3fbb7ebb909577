"""Uploaded files are hashed once, while their bytes stream in (issue 13): small files by
the memory handler, large ones by the temporary-file handler, and the upload service uses
that digest instead of reading the file again."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopFutureHandlers
from django.db import connection
from django.http import HttpRequest

from apps.accounts.roles import Role
from apps.documents import services
from apps.documents.models import Document
from apps.documents.upload_handlers import (
    HashingMemoryFileUploadHandler,
    HashingTemporaryFileUploadHandler,
)


def _stream(handlers, content: bytes, chunk: int = 64 * 1024):
    """Feed `content` through the handler chain the way Django's multipart parser does."""
    for handler in handlers:
        handler.handle_raw_input(None, {}, len(content), "boundary", "utf-8")
    for handler in handlers:
        try:
            handler.new_file("files", "a.csv", "text/csv", len(content), "utf-8")
        except StopFutureHandlers:
            break
    for start in range(0, len(content), chunk):
        data = content[start:start + chunk]
        for handler in handlers:
            data = handler.receive_data_chunk(data, start)
            if data is None:
                break
    for handler in handlers:
        uploaded = handler.file_complete(len(content))
        if uploaded is not None:
            return uploaded
    return None


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1_000, 3 * 1024 * 1024])
def test_each_file_carries_the_digest_of_its_bytes(size):
    content = (b"vendor,total\nOffice Supply Co,12.00\n" * (size // 36 + 1))[:size]
    request = HttpRequest()
    handlers = [HashingMemoryFileUploadHandler(request),
                HashingTemporaryFileUploadHandler(request)]

    uploaded = _stream(handlers, content)

    assert uploaded.sha256 == hashlib.sha256(content).hexdigest()
    assert uploaded.size == size
    # Small files stay in memory, large ones go to a temporary file (Django's threshold).
    kept_in_memory = size <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert hasattr(uploaded, "temporary_file_path") is not kept_in_memory


def test_the_configured_handlers_hash_and_the_service_uses_that_digest(
        in_firm_a, client_a, monkeypatch):
    content = b"vendor,total\nOffice Supply Co,99.00\n"
    read_again: list[str] = []
    real = services._sha256_of
    monkeypatch.setattr(services, "_sha256_of", lambda upload: read_again.append(
        "known" if getattr(upload, "sha256", None) else "hashed") or real(upload))
    http = in_firm_a.client(Role.STAFF_ACCOUNTANT)
    connection.set_schema_to_public()

    answer = http.post("/api/v1/documents/", {
        "client": client_a.pk, "files": [SimpleUploadedFile("r.csv", content, "text/csv")]})

    assert answer.status_code == 201
    assert read_again == ["known"]
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.get(pk=answer.json()["created"][0]["id"]).sha256 == \
        hashlib.sha256(content).hexdigest()

