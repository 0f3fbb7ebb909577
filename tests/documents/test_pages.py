"""Staff and portal document pages: upload, search, detail, downloads, review, retry,
requests, live status; denied paths change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.documents.models import DocType, Document, DocumentRequest
from apps.documents.pipeline import document_process
from apps.documents.requests import RequestLine, document_request_create
from apps.documents.services import documents_upload
from tests.documents.samples import INVOICE_LINES, W2_LINES, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _processed(client, name="w2.pdf", lines=W2_LINES) -> Document:
    document = documents_upload(client=client, files=[upload(name, pdf_bytes(lines))],
                                category="other", uploaded_by_id=None).created[0]
    document_process(document_id=document.pk)
    document.refresh_from_db()
    return document


def _http(world, role):
    connection.set_schema_to_public()
    return world.client(role)


def test_staff_upload_several_files_then_see_them_listed(in_firm_a, client_a,
                                                         django_capture_on_commit_callbacks):
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
    with django_capture_on_commit_callbacks(execute=False):
        response = http.post(f"/documents/clients/{client_a.pk}/upload/", {
            "client": client_a.pk, "category": "tax_return",
            "files": [upload("w2.pdf", pdf_bytes(W2_LINES)),
                      upload("inv.pdf", pdf_bytes(INVOICE_LINES))]})

    assert response.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    assert sorted(Document.objects.values_list("file_name", flat=True)) == ["inv.pdf", "w2.pdf"]
    page = _http(in_firm_a, Role.STAFF_ACCOUNTANT).get(f"/documents/?client={client_a.pk}")
    assert page.status_code == 200 and b"inv.pdf" in page.content


def test_staff_upload_with_a_lying_file_shows_the_error_inline(in_firm_a, client_a):
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)

    response = http.post(f"/documents/clients/{client_a.pk}/upload/", {
        "client": client_a.pk, "category": "other", "files": [upload("w2.png", b"%PDF-1.4 x")]})

    assert response.status_code == 400
    assert "named like a PNG image but its content is a PDF" in response.content.decode()
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.count() == 0


def test_read_only_roles_cannot_upload(in_firm_a, client_a):
    response = _http(in_firm_a, Role.AUDITOR).post(
        f"/documents/clients/{client_a.pk}/upload/",
        {"client": client_a.pk, "category": "other", "files": [upload("w2.pdf", b"%PDF")]})

    assert response.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.count() == 0


def test_staff_upload_from_the_documents_list_picking_the_client(in_firm_a, client_a):
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)

    listing = http.get("/documents/").content.decode()
    form = http.get("/documents/upload/")
    response = http.post("/documents/upload/", {
        "client": client_a.pk, "category": "tax_return",
        "files": [upload("w2.pdf", pdf_bytes(W2_LINES))]})

    assert 'href="/documents/upload/"' in listing
    assert form.status_code == 200 and client_a.business_name in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/documents/?client={client_a.pk}"
    connection.set_tenant(in_firm_a.firm)
    assert list(Document.objects.values_list("client_id", "file_name")) == [
        (client_a.pk, "w2.pdf")]


@pytest.mark.parametrize(("client", "error"), [
    ("", "Choose the client these documents belong to."),
    ("999999", "Choose one of the firm&#x27;s clients from the list."),
])
def test_uploading_from_the_list_without_a_client_is_a_form_error(in_firm_a, client_a,
                                                                    client, error):
    response = _http(in_firm_a, Role.STAFF_ACCOUNTANT).post("/documents/upload/", {
        "client": client, "category": "other", "files": [upload("w2.pdf", pdf_bytes(W2_LINES))]})

    assert response.status_code == 400
    assert error in response.content.decode()
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.count() == 0


def test_read_only_roles_cannot_upload_from_the_list(in_firm_a, client_a):
    response = _http(in_firm_a, Role.AUDITOR).post("/documents/upload/", {
        "client": client_a.pk, "category": "other", "files": [upload("w2.pdf", b"%PDF")]})

    assert response.status_code == 403
    assert 'href="/documents/upload/"' not in _http(in_firm_a, Role.AUDITOR).get(
        "/documents/").content.decode()


def test_search_finds_text_and_fields_and_filters(in_firm_a, client_a):
    w2 = _processed(client_a)
    _processed(client_a, "inv.pdf", INVOICE_LINES)
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)

    by_text = http.get("/documents/?q=Acme+widgets")
    by_field = http.get("/documents/?q=12-3456789")
    by_type = http.get("/documents/?doc_type=invoice&tax_year=2025")
    nothing = http.get("/documents/?q=zebra")

    assert w2.file_name.encode() in by_text.content and b"inv.pdf" not in by_text.content
    assert b"w2.pdf" in by_field.content
    assert b"inv.pdf" in by_type.content and b"w2.pdf" not in by_type.content
    assert b"No documents match" in nothing.content


@pytest.mark.parametrize("query", ["q=%00", f"q={'x' * 10_000}", "status=unknown",
                                   "tax_year=-5", "client=abc", "page=0", "doc_type=%00"])
def test_bad_search_input_is_a_400_not_a_500(in_firm_a, query):
    response = _http(in_firm_a, Role.STAFF_ACCOUNTANT).get(f"/documents/?{query}")

    assert response.status_code == 400
    assert b"errorlist" in response.content


def test_document_list_runs_constant_queries(in_firm_a, client_a):
    from tests.portal.factories import make_client, make_document

    def count() -> int:
        http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
        http.get("/documents/")
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/documents/").status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    make_document(client_a)
    few = count()
    for _ in range(20):
        make_document(make_client())

    assert count() == few


def test_download_is_signed_audited_and_an_attachment(in_firm_a, client_a):
    document = _processed(client_a)
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
    detail = http.get(f"/documents/{document.pk}/")
    link = detail.context["download_url"]

    response = http.get(link)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes(W2_LINES)
    assert response["Content-Disposition"] == 'attachment; filename="w2.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    connection.set_tenant(in_firm_a.firm)
    event = AuditEvent.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED).get()
    assert event.target_id == str(document.pk)


def test_download_without_or_with_someone_elses_token_is_refused(in_firm_a, client_a,
                                                                 settings):
    document = _processed(client_a)
    owner_link = _http(in_firm_a, Role.OWNER).get(f"/documents/{document.pk}/").context[
        "download_url"]
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)

    assert http.get(f"/documents/{document.pk}/download/").status_code == 403
    assert http.get(owner_link).status_code == 403
    assert http.get(f"/documents/{document.pk}/download/?t=%00garbage").status_code == 403
    settings.DOCUMENTS_LINK_SECONDS = -1
    own = http.get(f"/documents/{document.pk}/").context["download_url"]
    assert http.get(own).status_code == 403
    connection.set_tenant(in_firm_a.firm)
    assert not AuditEvent.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED).exists()


def test_review_corrects_and_approves(in_firm_a, client_a):
    document = _processed(client_a)

    response = _http(in_firm_a, Role.TAX_PREPARER).post(
        f"/documents/{document.pk}/review/",
        {"decision": "approve", "doc_type": "1099_nec", "tax_year": "2023"})

    assert response.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    document.refresh_from_db()
    assert (document.status, document.doc_type, document.tax_year) == (
        "approved", "1099_nec", 2023)


def test_review_with_bad_values_is_a_400(in_firm_a, client_a):
    document = _processed(client_a)

    response = _http(in_firm_a, Role.TAX_PREPARER).post(
        f"/documents/{document.pk}/review/", {"decision": "maybe", "tax_year": "-1"})

    assert response.status_code == 400
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.get(pk=document.pk).status == "processed"


def test_retry_from_the_detail_page(in_firm_a, client_a, settings):
    settings.DOCUMENTS_PARSE_SECONDS = 0
    document = _processed(client_a)
    assert document.status == "failed"

    response = _http(in_firm_a, Role.TAX_PREPARER).post(f"/documents/{document.pk}/retry/")

    assert response.status_code == 302
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.get(pk=document.pk).status == Document.Status.QUEUED


def test_status_endpoint_reports_documents_and_batch_progress(in_firm_a, client_a):
    document = _processed(client_a)

    data = _http(in_firm_a, Role.STAFF_ACCOUNTANT).get(
        f"/documents/status/?ids={document.pk},999999").json()

    assert data["documents"] == [{"id": document.pk, "status": "processed", "doc_type": "w2",
                                  "tax_year": 2024, "failure_reason": "",
                                  "batch_id": document.batch_id}]
    assert data["batches"] == {str(document.batch_id): {"total": 1, "done": 1, "failed": 0}}


@pytest.mark.parametrize("ids", ["abc", "1,%00", "-1", "1" * 20])
def test_status_endpoint_refuses_bad_ids(in_firm_a, ids):
    response = _http(in_firm_a, Role.STAFF_ACCOUNTANT).get(f"/documents/status/?ids={ids}")

    assert response.status_code == 400 and "ids" in response.json()["errors"]


def test_staff_ask_for_documents_and_see_what_is_outstanding(in_firm_a, client_a):
    due = (date.today() + timedelta(days=20)).isoformat()
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)

    response = http.post(f"/documents/requests/clients/{client_a.pk}/new/", {
        "title": "2024 return", "label_1": "W-2 from your employer", "type_1": "w2",
        "due_1": due, "label_2": "Mortgage interest (1098)", "type_2": "1098", "due_2": due})
    outstanding = http.get("/documents/requests/")

    assert response.status_code == 302
    assert b"W-2 from your employer" in outstanding.content
    assert b"Maple Bakery LLC" in outstanding.content


def test_a_request_with_bad_lines_shows_errors(in_firm_a, client_a):
    response = _http(in_firm_a, Role.STAFF_ACCOUNTANT).post(
        f"/documents/requests/clients/{client_a.pk}/new/",
        {"title": "x", "label_1": "W-2", "type_1": "nonsense", "due_1": "2020-01-01",
         "label_2": "no due date"})

    assert response.status_code == 400
    connection.set_tenant(in_firm_a.firm)
    assert DocumentRequest.objects.count() == 0


def test_portal_client_fulfils_a_request_by_uploading(in_firm_a, client_a,
                                                      django_capture_on_commit_callbacks):
    request = document_request_create(
        client=client_a, title="2024 taxes", created_by_id=None,
        lines=[RequestLine("Your W-2", date.today() + timedelta(days=30), DocType.W2)])
    item = request.items.get()
    http = _http(in_firm_a, Role.CLIENT_OWNER)

    checklist = http.get(f"/portal/{client_a.pk}/documents/requests/")
    with django_capture_on_commit_callbacks(execute=False):
        response = http.post(f"/portal/{client_a.pk}/documents/upload/", {
            "category": "tax_return", "request_item": item.pk,
            "files": [upload("w2.pdf", pdf_bytes(W2_LINES)), upload("w2-b.pdf", pdf_bytes(
                W2_LINES[:3]))]})

    assert b"Your W-2" in checklist.content
    assert response.status_code == 302 and "?batch=" in response["Location"]
    connection.set_tenant(in_firm_a.firm)
    item.refresh_from_db()
    assert item.fulfilled_at is not None and item.document.file_name == "w2.pdf"
    assert Document.objects.filter(client=client_a).count() == 2
    after = _http(in_firm_a, Role.CLIENT_OWNER).get(response["Location"])
    assert b"Received" in after.content and b"data-batch-id" in after.content


def test_portal_upload_to_a_client_without_access_is_404(in_firm_a, client_a):
    from tests.portal.factories import make_client

    other = make_client()

    response = _http(in_firm_a, Role.CLIENT_OWNER).post(
        f"/portal/{other.pk}/documents/upload/", {"category": "other",
                                                  "files": [upload("w2.pdf", b"%PDF")]})

    assert response.status_code == 404
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.count() == 0


def test_portal_status_and_download_are_limited_to_the_clients_documents(in_firm_a, client_a):
    from tests.portal.factories import make_client

    mine = _processed(client_a)
    theirs = _processed(make_client(), "other.pdf", INVOICE_LINES)
    http = _http(in_firm_a, Role.CLIENT_OWNER)

    status = http.get(f"/portal/{client_a.pk}/documents/status/?ids={mine.pk},{theirs.pk}")
    link = http.get(f"/portal/{client_a.pk}/documents/{mine.pk}/link/")
    download = http.get(link["Location"])
    stolen = http.get(f"/portal/{client_a.pk}/documents/{theirs.pk}/link/")

    assert [d["id"] for d in status.json()["documents"]] == [mine.pk]
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert stolen.status_code == 404


def test_portal_requests_page_runs_constant_queries(in_firm_a, client_a):
    def count() -> int:
        http = _http(in_firm_a, Role.CLIENT_OWNER)
        http.get(f"/portal/{client_a.pk}/documents/requests/")
        with CaptureQueriesContext(connection) as captured:
            assert http.get(f"/portal/{client_a.pk}/documents/requests/").status_code == 200
        connection.set_tenant(in_firm_a.firm)
        return len(captured)

    lines = [RequestLine(f"Doc {n}", date.today() + timedelta(days=9)) for n in range(3)]
    document_request_create(client=client_a, title="A", lines=lines, created_by_id=None)
    _processed(client_a)
    few = count()
    document_request_create(client=client_a, title="B", lines=lines * 5, created_by_id=None)
    _processed(client_a, "inv.pdf", INVOICE_LINES)

    assert count() == few


def test_download_of_a_missing_file_is_a_clear_410_page_logged(in_firm_a, client_a,
                                                               documents_storage, caplog):
    document = _processed(client_a)
    (documents_storage / document.file.name).unlink()
    http = _http(in_firm_a, Role.STAFF_ACCOUNTANT)
    link = http.get(f"/documents/{document.pk}/").context["download_url"]

    with caplog.at_level("ERROR", logger="apps.documents.downloads"):
        page = http.get(link)
    api = http.get(link, HTTP_ACCEPT="application/json")

    assert page.status_code == 410 and b"This file is missing" in page.content
    assert b"w2.pdf" in page.content
    assert api.status_code == 410 and api.json()["code"] == "file_missing"
    assert any(f"document {document.pk}: stored file" in r.getMessage()
               for r in caplog.records)
    connection.set_tenant(in_firm_a.firm)
    assert not AuditEvent.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED).exists()
