"""The Books tab and the OAuth round trip through the pages, QuickBooks' incoming webhook,
and the webhook pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client as HttpClient

from apps.accounts.roles import Role
from apps.integrations.models import QuickBooksConnection, SyncRun, WebhookEndpoint
from apps.integrations.quickbooks.sync import sync_execute
from tests.integrations.conftest import authorize, connect, new_realm

pytestmark = pytest.mark.django_db


def test_books_tab_without_a_connection_offers_to_connect(firm_a, books_client):
    page = firm_a.client(Role.MANAGER).get(f"/staff/clients/{books_client.pk}/books/")
    assert page.status_code == 200
    assert b"No accounting system is connected yet" in page.content
    assert b"Connect QuickBooks" in page.content
    page = firm_a.client(Role.STAFF_ACCOUNTANT).get(f"/staff/clients/{books_client.pk}/books/")
    assert b"Ask a manager to connect it" in page.content


def test_connecting_through_the_pages_syncs_and_shows_the_books(firm_a, books_client, qbo,
                                                                 settings):
    browser = firm_a.client(Role.MANAGER)
    started = browser.post(f"/staff/clients/{books_client.pk}/books/connect/")
    assert started.status_code == 302
    authorize_url = urlparse(started["Location"])
    params = {k: v[0] for k, v in parse_qs(authorize_url.query).items()}
    assert params["scope"] == "com.intuit.quickbooks.accounting"
    assert params["redirect_uri"] == f"http://{settings.BASE_DOMAIN}/integrations/quickbooks/callback/"

    realm = new_realm(qbo)
    answer = authorize(qbo, realm, params["redirect_uri"], params["state"])
    bounce = HttpClient(HTTP_HOST=settings.BASE_DOMAIN).get(
        "/integrations/quickbooks/callback/", answer)
    assert bounce.status_code == 302
    back = urlparse(bounce["Location"])
    assert back.netloc == firm_a.host
    done = browser.get(back.path + "?" + back.query)
    assert done.status_code == 302, done.content[:500]

    connection = QuickBooksConnection.objects.get(client=books_client)
    assert connection.realm_id == realm and connection.status == "connected"
    assert connection.refresh_token.reveal()  # stored, encrypted at rest
    page = browser.get(f"/staff/clients/{books_client.pk}/books/")
    assert b"Sync in progress" in page.content
    sync_execute(run_id=connection.runs.get().pk)
    page = browser.get(f"/staff/clients/{books_client.pk}/books/")
    assert b"Profit and loss by month" in page.content and b"Open receivables" in page.content
    assert b"Sync in progress" not in page.content


def test_a_replayed_or_foreign_callback_gets_a_clear_page(firm_a, books_client, qbo):
    browser = firm_a.client(Role.MANAGER)
    started = browser.post(f"/staff/clients/{books_client.pk}/books/connect/")
    state = parse_qs(urlparse(started["Location"]).query)["state"][0]
    # Another signed-in person of the firm cannot finish someone else's connection.
    other = firm_a.client(Role.OWNER).get("/integrations/quickbooks/callback/",
                                          {"state": state, "code": "x", "realmId": "1"})
    assert other.status_code == 400 and b"another browser session" in other.content
    forged = browser.get("/integrations/quickbooks/callback/",
                         {"state": "forged", "code": "x", "realmId": "1"})
    assert forged.status_code == 400
    assert not QuickBooksConnection.objects.exists()


def test_disconnect_revokes_and_forgets_the_tokens(firm_a, books_client, qbo):
    connection = connect(qbo, books_client)
    page = firm_a.client(Role.MANAGER).post(
        f"/staff/clients/{books_client.pk}/books/disconnect/")
    assert page.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "disconnected" and not connection.refresh_token
    assert connection.realm_id not in qbo.state.refresh.values()  # revoked at QuickBooks too
    page = firm_a.client(Role.MANAGER).get(f"/staff/clients/{books_client.pk}/books/")
    assert b"Reconnect QuickBooks" in page.content


def test_staff_without_the_permission_cannot_connect(firm_a, books_client, qbo):
    page = firm_a.client(Role.STAFF_ACCOUNTANT).post(
        f"/staff/clients/{books_client.pk}/books/connect/")
    assert page.status_code == 403


def test_signed_quickbooks_webhooks_queue_a_sync(firm_a, books_client, qbo, settings):
    connection = connect(qbo, books_client)
    connection.runs.update(status=SyncRun.Status.COMPLETED)
    body = json.dumps({"eventNotifications": [{"realmId": connection.realm_id,
                                               "dataChangeEvent": {"entities": []}}]}).encode()
    signature = base64.b64encode(hmac.new(settings.QUICKBOOKS_WEBHOOK_VERIFIER.encode(), body,
                                          hashlib.sha256).digest()).decode()
    public = HttpClient(HTTP_HOST=settings.BASE_DOMAIN)

    bad = public.post("/integrations/quickbooks/webhook/", body,
                      content_type="application/json", HTTP_INTUIT_SIGNATURE="nope")
    good = public.post("/integrations/quickbooks/webhook/", body,
                       content_type="application/json", HTTP_INTUIT_SIGNATURE=signature)

    assert bad.status_code == 401
    assert good.status_code == 200 and good.json() == {"queued": 1}


def test_webhook_pages_create_an_endpoint_and_show_its_secret_once(firm_a, in_firm_a):
    browser = firm_a.client(Role.ADMIN)
    page = browser.post("/staff/integrations/webhooks/", {
        "url": "http://127.0.0.1:9/hooks", "event_types": ["client.created", "invoice.paid"]})
    assert page.status_code == 200 and b"whsec_" in page.content
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["client.created", "invoice.paid"]
    assert b"whsec_" not in browser.get("/staff/integrations/webhooks/").content
    assert browser.get(f"/staff/integrations/webhooks/{endpoint.pk}/").status_code == 200
    refused = browser.post("/staff/integrations/webhooks/", {"url": "", "event_types": []})
    assert refused.status_code == 400
    assert firm_a.client(Role.MANAGER).get("/staff/integrations/webhooks/").status_code == 403
