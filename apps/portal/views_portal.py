"""Client portal pages. Every page resolves the client through the user's ClientAccess
rows: a client the user was not given answers 404, like one that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from advisoros.pure_render import render_pure
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.documents.services import document_upload
from apps.portal import selectors
from apps.portal.content_cache import DOCUMENTS, INVOICES, TASKS, cached_section
from apps.portal.dashboard import client_dashboard_get
from apps.portal.forms import DocumentUploadForm, apply_service_errors
from apps.portal.models import Client
from apps.portal.page_cache import cached_page
from apps.portal.preview import preview_clients


@dataclass(frozen=True)
class PortalClient:
    """What the read-only portal pages show of the client itself: its id and name."""

    pk: int
    business_name: str

    @property
    def id(self) -> int:
        return self.pk


def portal_page(view: Callable | None = None, *, model: bool = True) -> Callable:
    """Portal permission, then the client from the user's access rows (404 otherwise).

    One query lists the clients this user was given (the page's business switcher needs
    it anyway) and decides access. Views that act on the client get the Client row too
    (a second query); read-only pages declared with `model=False` get a PortalClient."""

    def decorate(view: Callable) -> Callable:
        @firm_permission_required(Perm.PORTAL_ACCESS)
        @wraps(view)
        def wrapped(request: HttpRequest, client_id: int, *args, **kwargs) -> HttpResponse:
            previewed = preview_clients(request)
            request.portal_clients = (previewed if previewed is not None
                                      else selectors.portal_clients(request.user.pk))
            row = next((c for c in request.portal_clients if c["id"] == client_id), None)
            if row is None:
                raise Http404("No such client.")
            if not model:
                client = PortalClient(row["id"], row["business_name"])
            elif previewed is not None:
                client = Client.objects.alive().get(pk=client_id)
            else:
                client = selectors.portal_client_get(user_id=request.user.pk,
                                                     client_id=client_id)
            return view(request, client, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


@firm_permission_required(Perm.PORTAL_ACCESS)
def portal_home(request: HttpRequest) -> HttpResponse:
    previewed = preview_clients(request)
    client_ids = ([c["id"] for c in previewed] if previewed is not None
                  else selectors.portal_client_ids(request.user.pk))
    if client_ids:
        return redirect("portal:dashboard", client_id=client_ids[0])
    return render(request, "portal/no_clients.html")


def _context(request: HttpRequest, client: Client | PortalClient, section: str, **extra) -> dict:
    tabs = render_pure("portal/partials/client_tabs.html",
                       client=PortalClient(client.pk, client.business_name), section=section,
                       portal_clients=request.portal_clients)
    return {"client": client, "section": section, "tabs": tabs,
            "portal_clients": request.portal_clients, **extra}


def _section(request: HttpRequest, client: PortalClient, template: str,
             data: Callable[[], dict], kind: str) -> str:
    """A list section of a portal page, from the client's section cache (see
    apps/portal/content_cache.py); `data` runs its queries only on a miss. Only the
    first page is cached: it is the one read all day, and other page numbers would let a
    visitor fill the cache with copies."""
    page = request.GET.get("page") or "1"

    def render_section() -> str:
        return render_to_string(template, {"client": client, "firm": request.firm, **data()})

    if page != "1":
        return mark_safe(render_section())  # noqa: S308 - our own template output
    return cached_section(client.pk, template, (request.firm.name,), render_section,
                          kinds=(kind,))


@portal_page(model=False)
def portal_dashboard(request: HttpRequest, client: PortalClient) -> HttpResponse:
    dashboard = client_dashboard_get(client.pk)
    figures = render_pure("portal/partials/dashboard_figures.html", dashboard=dashboard)
    # One section per kind of row: an upload re-renders the documents only.
    sections = {
        "tasks_section": lambda: _section(
            request, client, "portal/partials/dashboard_tasks.html", lambda: {
                "tasks": selectors.client_tasks(client.pk, open_only=True, limit=5)},
            TASKS),
        "documents_section": lambda: _section(
            request, client, "portal/partials/dashboard_documents.html", lambda: {
                "documents": selectors.client_documents(client.pk, limit=5)},
            DOCUMENTS),
        "invoices_section": lambda: _section(
            request, client, "portal/partials/dashboard_invoices.html", lambda: {
                "invoices": selectors.client_invoices(client.pk, open_only=True)},
            INVOICES),
    }
    return cached_page(request, client.pk, "portal/dashboard.html",
                       _context(request, client, "dashboard", figures=figures), sections)


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


@portal_page(model=False)
def portal_tasks(request: HttpRequest, client: PortalClient) -> HttpResponse:
    listing = lambda: _section(  # noqa: E731
        request, client, "portal/partials/tasks_section.html", lambda: {
            "page": selectors.client_tasks_page(client.pk, request.GET.get("page"))}, TASKS)
    return cached_page(request, client.pk, "portal/tasks.html",
                       _context(request, client, "tasks"), {"listing": listing},
                       kinds=(TASKS,))


@portal_page(model=False)
def portal_invoices(request: HttpRequest, client: PortalClient) -> HttpResponse:
    listing = lambda: _section(  # noqa: E731
        request, client, "portal/partials/invoices_section.html", lambda: {
            "page": selectors.client_invoices_page(client.pk, request.GET.get("page"))},
        INVOICES)
    return cached_page(request, client.pk, "portal/invoices.html",
                       _context(request, client, "invoices"), {"listing": listing},
                       kinds=(INVOICES,))
