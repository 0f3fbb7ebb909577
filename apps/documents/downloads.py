"""Short-lived signed download links and the file response that serves them.

A link names the document, the user and the firm, and expires after
DOCUMENTS_LINK_SECONDS; the view behind it still checks the user's permission, records
the download in the firm's audit trail, and answers as an attachment with nosniff.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.documents.models import Document, documents_storage
from apps.documents.sniffing import KINDS

log = logging.getLogger(__name__)

_SALT = "documents.download"
_MISSING = ("The stored file of this document is missing, so it cannot be downloaded. "
            "Please upload it again.")


def download_token(*, document_id: int, user_id: int) -> str:
    return signing.dumps({"d": document_id, "u": user_id, "s": connection.schema_name},
                         salt=_SALT, compress=True)


def download_token_check(token: str, *, document_id: int, user_id: int) -> None:
    """PermissionDenied unless the token was made for this document, user and firm and
    has not expired."""
    if not token or len(token) > 500:
        raise PermissionDenied("This download link is not valid.")
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.DOCUMENTS_LINK_SECONDS)
    except signing.SignatureExpired as exc:
        raise PermissionDenied("This download link has expired; open the document again.") \
            from exc
    except signing.BadSignature as exc:
        raise PermissionDenied("This download link is not valid.") from exc
    if claims != {"d": document_id, "u": user_id, "s": connection.schema_name}:
        raise PermissionDenied("This download link is not valid.")


def _file_missing(request: HttpRequest, document: Document) -> HttpResponse:
    """410 Gone: the row says there is a file, the storage has none (lost, or removed by
    hand). Logged as an error for the operators; the user gets a page or JSON."""
    log.error("document %s: stored file %r is missing (schema %s)", document.pk,
              document.file.name, connection.schema_name)
    wants_json = (request.path.startswith("/api/")
                  or "application/json" in request.headers.get("Accept", ""))
    if wants_json:
        return JsonResponse({"detail": _MISSING, "code": "file_missing"}, status=410)
    return render(request, "documents/file_missing.html",
                  {"document": document, "message": _MISSING}, status=410)


def document_file_response(request: HttpRequest, document: Document) -> HttpResponse:
    # The storage is looked up now (not the one bound to the field at import), so a
    # deployment or a test that swaps STORAGES["documents"] is honoured.
    if not document.file.name:
        return _file_missing(request, document)
    try:
        handle = documents_storage().open(document.file.name, "rb")
    except FileNotFoundError:
        return _file_missing(request, document)
    audit_record(action=AuditAction.DOCUMENT_DOWNLOADED, request=request, target=document,
                 details={"client_id": document.client_id, "file_name": document.file_name})
    mime = KINDS[document.content_type][0] if document.content_type in KINDS \
        else "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=document.file_name,
                            content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
