"""Short-lived signed download links and the file response that serves them.

A link names the document, the principal and the firm, and expires after
DOCUMENTS_LINK_SECONDS; the view behind it still checks the principal's permission,
records the download in the firm's audit trail, and answers as an attachment with nosniff.

The principal is a signed-in user (the link works only in their session) or, for links
handed out by the API to an integrator, the API key (`k`): such a link is the credential
itself, like a pre-signed URL, so it is refused the moment the key is revoked or expires
or loses the documents permission, and every download is audited under the key.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

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


def download_token_for_key(*, document_id: int, api_key_id: int) -> str:
    """A link for an API-key caller: bound to the key, not to a user or a session."""
    return signing.dumps({"d": document_id, "k": api_key_id, "s": connection.schema_name},
                         salt=_SALT, compress=True)


def _claims(token: str) -> dict:
    if not token or len(token) > 500:
        raise PermissionDenied("This download link is not valid.")
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.DOCUMENTS_LINK_SECONDS)
    except signing.SignatureExpired as exc:
        raise PermissionDenied("This download link has expired; open the document again.") \
            from exc
    except signing.BadSignature as exc:
        raise PermissionDenied("This download link is not valid.") from exc
    if not isinstance(claims, dict):
        raise PermissionDenied("This download link is not valid.")
    return claims


def download_token_check(token: str, *, document_id: int, user_id: int) -> None:
    """PermissionDenied unless the token was made for this document, user and firm and
    has not expired."""
    if _claims(token) != {"d": document_id, "u": user_id, "s": connection.schema_name}:
        raise PermissionDenied("This download link is not valid.")


def download_token_api_key_id(token: str) -> int | None:
    """The API key a well-signed, unexpired link was made for; None for a user's link
    (or a link that is not valid: the user path refuses it)."""
    try:
        claims = _claims(token)
    except PermissionDenied:
        return None
    key_id = claims.get("k")
    return key_id if isinstance(key_id, int) and not isinstance(key_id, bool) else None


def download_token_check_for_key(token: str, *, document_id: int, api_key_id: int) -> None:
    if _claims(token) != {"d": document_id, "k": api_key_id, "s": connection.schema_name}:
        raise PermissionDenied("This download link is not valid.")


def api_key_for_download(request: HttpRequest, api_key_id: int):
    """The key a link was made for, now the request's principal, if it may still read
    documents at this firm: PermissionDenied (audited) when it was revoked, expired, is
    another firm's or lacks the permission."""
    from apps.accounts.access import access_denied_record, request_has_permission
    from apps.accounts.roles import Perm
    from apps.security.api_keys import ApiKeyPrincipal
    from apps.security.models import ApiKey

    key = ApiKey.objects.filter(pk=api_key_id).first()
    firm = getattr(request, "firm", None)
    if key is None or firm is None or key.firm_id != firm.pk:
        raise PermissionDenied("This download link is not valid.")
    request.user = ApiKeyPrincipal(key)
    request.auth = key
    if key.revoked_at is not None or key.expires_at <= timezone.now():
        access_denied_record(request, Perm.DOCUMENTS_VIEW)
        raise PermissionDenied("The API key this link was made for is no longer valid.")
    if not request_has_permission(request, Perm.DOCUMENTS_VIEW):
        access_denied_record(request, Perm.DOCUMENTS_VIEW)
        raise PermissionDenied("The API key this link was made for may not read documents.")
    return key


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
    details = {"client_id": document.client_id, "file_name": document.file_name}
    key = getattr(request, "auth", None)
    if getattr(key, "prefix", None):
        details["api_key"] = key.prefix  # a link handed to an integrator
    audit_record(action=AuditAction.DOCUMENT_DOWNLOADED, request=request, target=document,
                 details=details)
    mime = KINDS[document.content_type][0] if document.content_type in KINDS \
        else "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=document.file_name,
                            content_type=mime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
