"""Client portal pages. Every page resolves the client through the user's ClientAccess
rows: a client the user was not given answers 404, like one that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.documents.services import document_upload
from apps.portal import selectors
from apps.portal.dashboard import client_dashboard_get
from apps.portal.forms import DocumentUploadForm, apply_service_errors
from apps.portal.models import Client


def portal_page(view: Callable) -> Callable:
    """Portal permission, then the client from the user's access rows (404 otherwise)."""

    @firm_permission_required(Perm.PORTAL_ACCESS)
    @wraps(view)
    def wrapped(request: HttpRequest, client_id: int, *args, **kwargs) -> HttpResponse:
        client = selectors.portal_client_get(user_id=request.user.pk, client_id=client_id)
        request.portal_clients = selectors.portal_clients(request.user.pk)
        return view(request, client, *args, **kwargs)

    return wrapped


@firm_permission_required(Perm.PORTAL_ACCESS)
def portal_home(request: HttpRequest) -> HttpResponse:
    client_ids = selectors.portal_client_ids(request.user.pk)
    if client_ids:
        return redirect("portal:dashboard", client_id=client_ids[0])
    return render(request, "portal/no_clients.html")


def _context(request: HttpRequest, client: Client, section: str, **extra) -> dict:
    return {"client": client, "section": section,
            "portal_clients": request.portal_clients, **extra}


@portal_page
def portal_dashboard(request: HttpRequest, client: Client) -> HttpResponse:
    return render(request, "portal/dashboard.html", _context(
        request, client, "dashboard",
        dashboard=client_dashboard_get(client.pk),
        documents=selectors.client_documents(client.pk, limit=5),
        tasks=selectors.client_tasks(client.pk, open_only=True, limit=5),
        invoices=selectors.client_invoices(client.pk, open_only=True),
    ))


@portal_page
def portal_documents(request: HttpRequest, client: Client) -> HttpResponse:
    can_upload = request_has_permission(request, Perm.PORTAL_UPLOAD)
    form = DocumentUploadForm()
    status = 200
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = document_upload(client=client, file=form.cleaned_data["file"],
                                           category=form.cleaned_data["category"],
                                           uploaded_by_id=request.user.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Uploaded {document.file_name}.")
                return redirect("portal:documents", client_id=client.pk)
        status = 400
    return render(request, "portal/documents.html", _context(
        request, client, "documents", form=form, can_upload=can_upload,
        page=selectors.client_documents_page(client.pk, request.GET.get("page"))),
        status=status)


@portal_page
def portal_tasks(request: HttpRequest, client: Client) -> HttpResponse:
    return render(request, "portal/tasks.html", _context(
        request, client, "tasks",
        page=selectors.client_tasks_page(client.pk, request.GET.get("page"))))


@portal_page
def portal_invoices(request: HttpRequest, client: Client) -> HttpResponse:
    return render(request, "portal/invoices.html", _context(
        request, client, "invoices",
        page=selectors.client_invoices_page(client.pk, request.GET.get("page"))))
