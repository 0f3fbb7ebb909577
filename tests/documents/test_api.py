"""Documents API: multipart upload, list with filters and cursor pages, detail with a
signed link, retry; bad input is a 400 with field messages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.documents.models import Document
from apps.documents.pipeline import document_process
from apps.documents.services import documents_upload
from tests.documents.samples import INVOICE_LINES, W2_LINES, pdf_bytes, upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/documents/"


def _http(world, role=Role.STAFF_ACCOUNTANT):
    connection.set_schema_to_public()
    return world.client(role)


def _processed(client, name, lines) -> Document:
    document = documents_upload(client=client, files=[upload(name, pdf_bytes(lines))],
                                category="other", uploaded_by_id=None).created[0]
    document_process(document_id=document.pk)
    return Document.objects.get(pk=document.pk)


def test_multipart_upload_creates_and_recognises_duplicates(in_firm_a, client_a,
                                                            django_capture_on_commit_callbacks):
    http = _http(in_firm_a)
    with django_capture_on_commit_callbacks(execute=False):
        first = http.post(URL, {"client": client_a.pk, "category": "tax_return",
                                "files": [upload("w2.pdf", pdf_bytes(W2_LINES)),
                                          upload("inv.pdf", pdf_bytes(INVOICE_LINES))]})
        again = http.post(URL, {"client": client_a.pk,
                                "file": upload("copy.pdf", pdf_bytes(W2_LINES))})

    assert first.status_code == 201
    body = first.json()
    assert [d["file_name"] for d in body["created"]] == ["w2.pdf", "inv.pdf"]
    assert body["created"][0]["status"] == "queued" and body["batch_id"]
    assert again.status_code == 200
    assert again.json()["created"] == []
    assert again.json()["duplicates"][0]["id"] == body["created"][0]["id"]


@pytest.mark.parametrize(("data", "field"), [
    ({"category": "other"}, "client"),
    ({"client": "abc"}, "client"),
    ({"client": -4}, "client"),
    ({"client": 999999, "files": [upload("w2.pdf", pdf_bytes(W2_LINES))]}, "client"),
    ({"client": "CLIENT", "category": "nonsense\x00"}, "category"),
    ({"client": "CLIENT"}, "files"),
    ({"client": "CLIENT", "files": [upload("a.pdf", b"")]}, "files"),
    ({"client": "CLIENT", "files": [upload("a.png", b"%PDF-1.4 lies")]}, "files"),
])
def test_bad_uploads_are_400_with_the_field(in_firm_a, client_a, data, field):
    data = {k: (client_a.pk if v == "CLIENT" else v) for k, v in data.items()}

    response = _http(in_firm_a).post(URL, data)

    assert response.status_code == 400, response.content
    assert field in response.json()
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.count() == 0


def test_read_only_roles_can_list_but_not_upload(in_firm_a, client_a):
    http = _http(in_firm_a, Role.AUDITOR)

    assert http.get(URL).status_code == 200
    assert http.post(URL, {"client": client_a.pk,
                           "files": [upload("w2.pdf", pdf_bytes(W2_LINES))]}).status_code == 403


def test_list_filters_and_searches(in_firm_a, client_a):
    w2 = _processed(client_a, "w2.pdf", W2_LINES)
    invoice = _processed(client_a, "inv.pdf", INVOICE_LINES)
    http = _http(in_firm_a)

    assert [d["id"] for d in http.get(URL).json()["results"]] == [invoice.pk, w2.pk]
    assert [d["id"] for d in http.get(URL, {"doc_type": "w2"}).json()["results"]] == [w2.pk]
    assert [d["id"] for d in http.get(URL, {"tax_year": 2024}).json()["results"]] == [w2.pk]
    assert [d["id"] for d in http.get(URL, {"q": "northwind"}).json()["results"]] == [
        invoice.pk]
    assert http.get(URL, {"client": client_a.pk + 1000}).json()["results"] == []


@pytest.mark.parametrize("query", [{"q": "\x00"}, {"status": "sideways"}, {"tax_year": "-1"},
                                   {"client": "x"}, {"cursor": "%%%"}, {"q": "x" * 10_000},
                                   {"doc_type": "w9"}])
def test_bad_filters_are_400(in_firm_a, query):
    assert _http(in_firm_a).get(URL, query).status_code == 400


def test_list_runs_constant_queries(in_firm_a, client_a):
    from tests.portal.factories import make_client, make_document

    def count() -> int:
        http = _http(in_firm_a)
        http.get(URL)
        with CaptureQueriesContext(connection) as captured:
            assert http.get(URL).status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    make_document(client_a)
    few = count()
    for _ in range(15):
        make_document(make_client())

    assert count() == few


def test_detail_has_fields_and_a_working_signed_link(in_firm_a, client_a):
    w2 = _processed(client_a, "w2.pdf", W2_LINES)
    http = _http(in_firm_a)

    body = http.get(f"{URL}{w2.pk}/").json()
    download = http.get(body["download_url"].replace("http://alpha-cpa.localhost", ""))

    assert body["fields"]["wages"]["value"] == "54321.00" and body["doc_type"] == "w2"
    assert download.status_code == 200
    assert http.get(f"{URL}999999/").status_code == 404


def test_retry_only_for_failed_documents(in_firm_a, client_a, settings):
    w2 = _processed(client_a, "w2.pdf", W2_LINES)
    settings.DOCUMENTS_PARSE_SECONDS = 0
    failed = _processed(client_a, "inv.pdf", INVOICE_LINES)
    http = _http(in_firm_a, Role.TAX_PREPARER)

    refused = http.post(f"{URL}{w2.pk}/retry/")
    accepted = http.post(f"{URL}{failed.pk}/retry/")

    assert refused.status_code == 400 and "status" in refused.json()
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    assert _http(in_firm_a, Role.AUDITOR).post(f"{URL}{failed.pk}/retry/").status_code == 403
