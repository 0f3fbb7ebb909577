"""Staff pages: a client's Books tab (connect, sync, disconnect QuickBooks) and the firm's
webhook endpoints with their delivery log. Thin: services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection as db
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.integrations import selectors, services, webhooks
from apps.integrations.forms import WebhookEndpointForm
from apps.integrations.models import QuickBooksConnection, WebhookDelivery, WebhookEndpoint
from apps.integrations.quickbooks import tokens
from apps.portal.models import Client

_NONCE_KEY = "quickbooks_oauth_nonce"


def _client(client_id: int) -> Client:
    return get_object_or_404(Client.objects.alive(), pk=client_id)


def public_callback_url(request: HttpRequest) -> str:
    """The one redirect address registered with Intuit, on the bare domain; it bounces
    the browser to the firm's own host (see views_public)."""
    port = request.get_port()
    default = {"http": "80", "https": "443"}[request.scheme]
    host = db.tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    base = host.split(".", 1)[1] if host and "." in host else request.get_host()
    suffix = f":{port}" if port and port != default else ""
    return f"{request.scheme}://{base}{suffix}/integrations/quickbooks/callback/"


@firm_permission_required(Perm.CLIENTS_VIEW)
def client_books(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(client_id)
    books = selectors.client_books_get(client_id=client.pk)
    return render(request, "integrations/books.html", {
        "client": client, "books": books,
        "progress": selectors.sync_progress(books.active_run) if books.active_run else None,
        "can_connect": request_has_permission(request, Perm.BOOKS_CONNECT),
    })


@require_POST
@firm_permission_required(Perm.BOOKS_CONNECT)
def books_connect(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(client_id)
    state, nonce = tokens.state_make(client_id=client.pk, user_id=request.user.pk,
                                     schema=db.schema_name)
    request.session[_NONCE_KEY] = nonce
    return redirect(tokens.authorize_url(state=state, redirect_uri=public_callback_url(request)))


@firm_permission_required(Perm.BOOKS_CONNECT)
def books_callback(request: HttpRequest) -> HttpResponse:
    """QuickBooks sends the browser back here (through the bare domain's bounce)."""
    if request.GET.get("error"):
        messages.error(request, "QuickBooks was not connected: access was not granted.")
        return redirect("staff:client_list")
    try:
        state = tokens.state_read(request.GET.get("state", ""),
                                  nonce=request.session.pop(_NONCE_KEY, None))
        if state["s"] != db.schema_name or state["u"] != request.user.pk:
            raise tokens.OAuthError("This QuickBooks answer was started by someone else.")
        client = _client(int(state["c"]))
        realm_id = request.GET.get("realmId", "")
        if not realm_id.isdigit() or len(realm_id) > 32:
            raise tokens.OAuthError("QuickBooks did not name a company.")
        token_set = tokens.code_exchange(code=request.GET.get("code", ""),
                                         redirect_uri=public_callback_url(request))
    except (tokens.OAuthError, tokens.NeedsReconnect) as error:
        reason = str(error) if isinstance(error, tokens.OAuthError) else \
            "QuickBooks refused the authorization code; connect again."
        return render(request, "integrations/connect_failed.html", {"reason": reason},
                      status=400)
    services.quickbooks_connection_save(client=client, realm_id=realm_id,
                                        token_set=token_set, actor=request.user,
                                        request=request)
    messages.success(request, "QuickBooks is connected. The first sync has started.")
    return redirect("integrations:client_books", client.pk)


@require_POST
@firm_permission_required(Perm.BOOKS_CONNECT)
def books_sync(request: HttpRequest, client_id: int) -> HttpResponse:
    connection = get_object_or_404(QuickBooksConnection, client_id=client_id,
                                   status__in=[QuickBooksConnection.Status.CONNECTED,
                                               QuickBooksConnection.Status.ERROR])
    services.quickbooks_sync_request(connection=connection)
    messages.success(request, "Sync started.")
    return redirect("integrations:client_books", client_id)


@require_POST
@firm_permission_required(Perm.BOOKS_CONNECT)
def books_disconnect(request: HttpRequest, client_id: int) -> HttpResponse:
    connection = get_object_or_404(QuickBooksConnection, client_id=client_id)
    services.quickbooks_disconnect(connection=connection, actor=request.user, request=request)
    messages.success(request, "QuickBooks is disconnected; the synced books stay as of the "
                              "last sync.")
    return redirect("integrations:client_books", client_id)


@firm_permission_required(Perm.WEBHOOKS_MANAGE)
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    created_secret = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, created_secret = webhooks.webhook_endpoint_create(
                    url=form.cleaned_data["url"], event_types=form.cleaned_data["event_types"],
                    description=form.cleaned_data["description"], actor=request.user,
                    request=request)
                form = WebhookEndpointForm()
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
        if form.errors:
            status = 400
    return render(request, "integrations/webhooks.html", {
        "form": form, "endpoints": selectors.webhook_endpoints(),
        "created_secret": created_secret}, status=status)


@firm_permission_required(Perm.WEBHOOKS_MANAGE)
def webhook_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "enable":
            webhooks.webhook_endpoint_enable(endpoint=endpoint, actor=request.user,
                                             request=request)
            messages.success(request, "Endpoint turned back on.")
        elif action == "delete":
            webhooks.webhook_endpoint_delete(endpoint=endpoint, actor=request.user,
                                             request=request)
            messages.success(request, "Endpoint deleted.")
            return redirect("integrations:webhook_list")
        else:
            return HttpResponseBadRequest("Unknown action.")
        return redirect("integrations:webhook_detail", endpoint.pk)
    return render(request, "integrations/webhook_detail.html", {
        "endpoint": endpoint,
        "deliveries": selectors.webhook_deliveries(endpoint_id=endpoint.pk)})


@require_POST
@firm_permission_required(Perm.WEBHOOKS_MANAGE)
def webhook_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event"),
                                 pk=delivery_id)
    webhooks.webhook_redeliver(delivery=delivery, actor=request.user, request=request)
    messages.success(request, "Delivery queued again.")
    return redirect(reverse("integrations:webhook_detail", args=[delivery.endpoint_id]))
