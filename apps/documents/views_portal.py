"""Client portal pages for documents (/portal/<client>/documents/...): upload several
files (optionally against a request), open requests, live status, downloads.

The client comes from the user's ClientAccess rows (apps.portal's `portal_page`): a
client the user was not given answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.access import request_has_permission
from apps.accounts.roles import Perm
from apps.documents import selectors, services
from apps.documents.downloads import (
    document_file_response,
    download_token,
    download_token_check,
)
from apps.documents.forms import PortalUploadForm
from apps.documents.models import DocumentRequestItem
from apps.documents.views import status_json
from apps.portal.forms import apply_service_errors
from apps.portal.models import Client
from apps.portal.views_portal import portal_page


def _context(request: HttpRequest, client: Client, **extra) -> dict:
    return {"client": client, "section": "documents", "portal_clients": request.portal_clients,
            **extra}


@portal_page
def portal_upload(request: HttpRequest, client: Client) -> HttpResponse:
    if not request_has_permission(request, Perm.PORTAL_UPLOAD):
        raise PermissionDenied
    items = selectors.client_open_request_items(client.pk)
    initial_item = request.GET.get("item", "")
    form = PortalUploadForm(items=items, initial={
        "request_item": initial_item if initial_item.isdigit() else ""})
    status = 200
    if request.method == "POST":
        form = PortalUploadForm(request.POST, request.FILES, items=items)
        if form.is_valid():
            item_id = form.cleaned_data["request_item"]
            item = (DocumentRequestItem.objects.select_related("request")
                    .filter(pk=item_id).first() if item_id else None)
            try:
                result = services.documents_upload(
                    client=client, files=form.cleaned_data["files"],
                    category=form.cleaned_data["category"], uploaded_by_id=request.user.pk,
                    request_item=item, uploaded_by=request.user)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if result.created:
                    messages.success(request, f"Sent {len(result.created)} file(s) to "
                                              f"{request.tenant.name}. We are reading them now.")
                if result.backlog is not None and result.backlog.delayed:
                    messages.warning(request, result.backlog.message)
                for duplicate in result.duplicates:
                    messages.info(request, duplicate.message)
                url = reverse("portal_documents:requests", args=[client.pk])
                if result.batch is not None:
                    url += f"?batch={result.batch.pk}"
                return redirect(url)
        status = 400
    return render(request, "documents/portal_upload.html",
                  _context(request, client, form=form, items=items), status=status)


@portal_page
def portal_requests(request: HttpRequest, client: Client) -> HttpResponse:
    """The client's checklist and the documents it is processing right now."""
    return render(request, "documents/portal_requests.html", _context(
        request, client, items=selectors.client_request_items(client.pk),
        recent=selectors.client_recent_documents(client.pk, limit=20),
        batch=request.GET.get("batch", "") if request.GET.get("batch", "").isdigit() else "",
        can_upload=request_has_permission(request, Perm.PORTAL_UPLOAD)))


@portal_page
def portal_status(request: HttpRequest, client: Client) -> HttpResponse:
    return status_json(request, client_id=client.pk)


@portal_page
def portal_download_link(request: HttpRequest, client: Client, document_id: int
                         ) -> HttpResponse:
    """Mint a short-lived link and go there: list pages can link here without minting a
    token for every row."""
    document = selectors.document_get(document_id, client_id=client.pk)
    token = download_token(document_id=document.pk, user_id=request.user.pk)
    return redirect(reverse("portal_documents:download", args=[client.pk, document.pk])
                    + f"?t={token}")


@portal_page
def portal_download(request: HttpRequest, client: Client, document_id: int) -> HttpResponse:
    document = selectors.document_get(document_id, client_id=client.pk)
    download_token_check(request.GET.get("t", ""), document_id=document.pk,
                         user_id=request.user.pk)
    return document_file_response(request, document)
