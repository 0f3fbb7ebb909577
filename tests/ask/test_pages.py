"""Ask pages and API: staff with documents.view get cited passages; client users and other
firms never do; the optional generator is called only when configured (local fake server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.ask.services import document_index
from apps.documents.models import Document
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


def _indexed_w2(world):
    connection.set_tenant(world.firm)
    client = make_client(business_name="Maple Bakery LLC")
    document = Document.objects.create(
        client=client, file_name="w2-2024.pdf", status=Document.Status.PROCESSED,
        text="Form W-2 Wage and Tax Statement 2024\nWages, tips, other compensation 54,321.00",
        fields={"wages": {"value": "54321.00", "confidence": 0.95}})
    document_index(document_id=document.pk)
    give_access(world.user("client_owner"), client)
    connection.set_schema_to_public()
    return client, document


def test_staff_page_cites_document_and_page(firm_a):
    client, document = _indexed_w2(firm_a)
    http = firm_a.client(Role.STAFF_ACCOUNTANT)

    firm_wide = http.get("/ask/", {"q": "W-2 wages"})
    for_client = http.get(f"/ask/clients/{client.pk}/", {"q": "W-2 wages"})
    empty = http.get("/ask/")

    for response in (firm_wide, for_client):
        body = response.content.decode()
        assert response.status_code == 200
        assert f"/documents/{document.pk}/" in body and "page 1" in body
        assert "<mark>" in body and "54321.00" in body
    assert "Ask about anything" in empty.content.decode()


def test_no_match_shows_next_step_and_bad_input_is_400(firm_a):
    _indexed_w2(firm_a)
    http = firm_a.client(Role.STAFF_ACCOUNTANT)

    assert "Nothing in the firm" in http.get("/ask/", {"q": "zzzqqq"}).content.decode()
    assert http.get("/ask/", {"q": "x" * 600}).status_code == 400


def test_client_users_and_other_firms_get_nothing(firm_a, firm_b):
    client, _ = _indexed_w2(firm_a)
    owner = firm_a.client("client_owner")

    assert owner.get("/ask/", {"q": "wages"}).status_code == 403
    assert owner.get("/api/v1/ask/", {"q": "wages"}).status_code == 403
    other_firm = firm_b.client(Role.OWNER).get("/api/v1/ask/", {"q": "W-2 wages"})
    assert other_firm.status_code == 200 and other_firm.json()["citations"] == []
    foreign_client = firm_b.client(Role.OWNER).get(f"/ask/clients/{client.pk}/", {"q": "wages"})
    assert foreign_client.status_code == 404


def test_api_answers_with_citations_values_and_field_errors(firm_a):
    client, document = _indexed_w2(firm_a)
    http = firm_a.client(Role.STAFF_ACCOUNTANT)

    body = http.get("/api/v1/ask/", {"q": "What were the W-2 wages?",
                                     "client": client.pk}).json()
    missing = http.get("/api/v1/ask/", {"q": "wages", "client": 999999})
    blank = http.get("/api/v1/ask/", {"q": ""})

    top = body["citations"][0]
    assert (top["document_id"], top["page"], top["url"]) == (
        document.pk, 1, f"/documents/{document.pk}/")
    assert "wages" in top["passage"][top["highlight"][0]:top["highlight"][1]].lower()
    assert body["values"][0]["value"] == "54321.00" and body["generated"] is None
    assert missing.status_code == 400 and "client" in missing.json()
    assert blank.status_code == 400 and "q" in blank.json()


class _FakeChat(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        _FakeChat.received.append({"path": self.path,
                                   "body": json.loads(self.rfile.read(length))})
        payload = json.dumps({"choices": [{"message": {"content": "Wages were 54,321.00 [1]"}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_generator():
    server = HTTPServer(("127.0.0.1", 0), _FakeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeChat.received = []
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_generator_is_off_by_default_and_used_when_configured(firm_a, settings,
                                                               fake_generator):
    _indexed_w2(firm_a)
    http = firm_a.client(Role.STAFF_ACCOUNTANT)

    off = http.get("/api/v1/ask/", {"q": "W-2 wages"}).json()
    assert off["generated"] is None and _FakeChat.received == []

    settings.ASK_GENERATOR_URL = fake_generator
    on = http.get("/api/v1/ask/", {"q": "W-2 wages"}).json()
    assert on["generated"] == "Wages were 54,321.00 [1]"
    sent = _FakeChat.received[0]
    assert sent["path"] == "/v1/chat/completions"
    assert "w2-2024.pdf, page 1" in sent["body"]["messages"][1]["content"]

    settings.ASK_GENERATOR_URL = "http://127.0.0.1:9/v1"  # nothing listens: passages only
    down = http.get("/api/v1/ask/", {"q": "W-2 wages"}).json()
    assert down["generated"] is None and down["citations"]


def test_staff_nav_and_client_page_link_to_ask_clients_do_not_see_it(firm_a):
    client, _ = _indexed_w2(firm_a)
    staff = firm_a.client(Role.STAFF_ACCOUNTANT)

    dashboard = staff.get("/").content.decode()
    client_page = staff.get(f"/staff/clients/{client.pk}/").content.decode()
    portal = firm_a.client("client_owner").get(f"/portal/clients/{client.pk}/").content.decode()

    assert 'href="/ask/"' in dashboard and "Ask your documents" in dashboard
    assert f'href="/ask/clients/{client.pk}/"' in client_page
    assert 'href="/ask/' not in portal
