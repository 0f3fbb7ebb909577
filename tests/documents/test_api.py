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


def _key_client(world):
    return world.api_client(Role.OWNER, scopes=["documents.view"], name="Document export",
                            expires_in_days=30)


def test_download_url_given_to_an_api_key_serves_the_file_and_audits_the_key(
        in_firm_a, client_a):
    from apps.audit.models import AuditEvent

    w2 = _processed(client_a, "w2.pdf", W2_LINES)
    keyed = _key_client(in_firm_a)
    connection.set_schema_to_public()

    body = keyed.get(f"{URL}{w2.pk}/").json()
    # The link is the credential: fetched without the header, as an integrator's
    # downloader or a browser would.
    from django.test import Client
    download = Client(HTTP_HOST=in_firm_a.host).get(
        body["download_url"].replace("http://alpha-cpa.localhost", ""))

    assert download.status_code == 200, download.get("Location")
    assert b"".join(download.streaming_content) == pdf_bytes(W2_LINES)
    connection.set_tenant(in_firm_a.firm)
    event = AuditEvent.objects.filter(action="data.downloaded").latest("id")
    assert (event.actor_email, event.details["api_key"], event.target_id) == (
        f"api-key:{keyed.api_key.prefix}", keyed.api_key.prefix, str(w2.pk))


def test_download_url_of_a_revoked_or_rescoped_key_is_refused(in_firm_a, client_a):
    from django.test import Client

    from apps.security.api_keys import api_key_revoke
    from apps.security.models import ApiKey

    w2 = _processed(client_a, "w2.pdf", W2_LINES)
    keyed = _key_client(in_firm_a)
    connection.set_schema_to_public()
    url = keyed.get(f"{URL}{w2.pk}/").json()["download_url"]
    path = url.replace("http://alpha-cpa.localhost", "")

    ApiKey.objects.filter(pk=keyed.api_key.pk).update(scopes=["clients.view"])
    rescoped = Client(HTTP_HOST=in_firm_a.host).get(path)
    ApiKey.objects.filter(pk=keyed.api_key.pk).update(scopes=["documents.view"])
    api_key_revoke(key=ApiKey.objects.get(pk=keyed.api_key.pk), by=in_firm_a.user(Role.OWNER))
    revoked = Client(HTTP_HOST=in_firm_a.host).get(path)

    assert rescoped.status_code == 403
    assert revoked.status_code == 403
    # A key's link names its document: another id with the same token is refused.
    wrong = Client(HTTP_HOST=in_firm_a.host).get(path.replace(f"/{w2.pk}/", f"/{w2.pk + 1}/"))
    assert wrong.status_code in (403, 404)


def test_a_key_link_does_not_work_at_another_firm(in_firm_a, firm_b, client_a):
    from django.test import Client

    w2 = _processed(client_a, "w2.pdf", W2_LINES)
    keyed = _key_client(in_firm_a)
    connection.set_schema_to_public()
    url = keyed.get(f"{URL}{w2.pk}/").json()["download_url"]

    elsewhere = Client(HTTP_HOST=firm_b.host).get(url.replace("http://alpha-cpa.localhost",
                                                              ""))

    assert elsewhere.status_code in (403, 404)


def test_more_files_than_django_parses_is_a_json_400(in_firm_a, client_a, settings):
    # Before: Django's TooManyFilesSent escaped DRF as an HTML 400 page with a traceback.
    files = [upload(f"f{n}.csv", b"amount\n1.00\n") for n in range(101)]

    response = _http(in_firm_a).post(URL, {"client": client_a.pk, "files": files})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"files": ["Up to 50 files can be uploaded at once."]}
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.count() == 0


def test_fifty_one_files_get_the_same_answer(in_firm_a, client_a):
    files = [upload(f"f{n}.csv", b"amount\n1.00\n") for n in range(51)]

    response = _http(in_firm_a).post(URL, {"client": client_a.pk, "files": files})

    assert response.status_code == 400
    assert response.json() == {"files": ["Up to 50 files can be uploaded at once."]}


def test_the_same_file_twice_in_one_request_is_reported(in_firm_a, client_a,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = _http(in_firm_a).post(URL, {"client": client_a.pk, "files": [
            upload("w2.pdf", pdf_bytes(W2_LINES)), upload("w2 copy.pdf", pdf_bytes(W2_LINES))]})

    body = response.json()
    assert response.status_code == 201
    assert [d["file_name"] for d in body["created"]] == ["w2.pdf"]
    assert [(d["id"], d["uploaded_as"], d["in_this_upload"]) for d in body["duplicates"]] == [
        (body["created"][0]["id"], "w2 copy.pdf", True)]
