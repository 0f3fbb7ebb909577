"""Client portal pages: a client user sees the clients they were given, nothing else."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.documents.models import Document
from apps.portal.refresh import dashboard_refresh
from tests.portal.factories import (
    give_access,
    make_client,
    make_document,
    make_invoice,
    make_task,
)

pytestmark = pytest.mark.django_db

PAGES = ["", "documents/", "tasks/", "invoices/"]


@pytest.fixture
def two_clients(in_firm_a):
    mine = make_client(business_name="Mine LLC")
    theirs = make_client(business_name="Theirs Inc")
    give_access(in_firm_a.user(Role.CLIENT_OWNER), mine)
    make_document(theirs, file_name="their-secret.pdf")
    make_invoice(theirs, number="THEIRS-1")
    connection.set_schema_to_public()
    return mine, theirs


def test_portal_home_sends_a_client_user_to_their_client(firm_a, two_clients):
    mine, _ = two_clients

    response = firm_a.client(Role.CLIENT_OWNER).get("/portal/")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/portal/{mine.pk}/"
    assert firm_a.client(Role.CLIENT_OWNER).get("/").headers["Location"] == "/portal/"


@pytest.mark.parametrize("page", PAGES)
def test_other_clients_of_the_same_firm_answer_404(firm_a, two_clients, page):
    _, theirs = two_clients

    response = firm_a.client(Role.CLIENT_OWNER).get(f"/portal/{theirs.pk}/{page}")

    assert response.status_code == 404
    assert "Theirs Inc" not in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_client_member_without_access_sees_nothing(firm_a, two_clients, page):
    mine, _ = two_clients

    assert firm_a.client(Role.CLIENT_MEMBER).get(f"/portal/{mine.pk}/{page}").status_code == 404


def test_a_client_user_without_any_client_gets_told_what_to_do(firm_a, two_clients):
    response = firm_a.client(Role.CLIENT_MEMBER).get("/portal/")

    assert response.status_code == 200
    assert "not linked to a business yet" in response.content.decode()


def test_staff_do_not_use_the_portal(firm_a, two_clients):
    mine, _ = two_clients

    assert firm_a.client(Role.OWNER).get(f"/portal/{mine.pk}/").status_code == 403


def test_dashboard_shows_metrics_latest_documents_next_tasks_open_invoices(in_firm_a):
    mine = make_client(business_name="Mine LLC")
    give_access(in_firm_a.user(Role.CLIENT_OWNER), mine)
    for i in range(7):
        make_document(mine, file_name=f"statement-{i}.pdf", days_old=7 - i)
        make_task(mine, title=f"Send item {i}")
    make_invoice(mine, number="INV-OPEN", total="420.00", balance="120.00")
    make_invoice(mine, number="INV-PAID", total="50.00", balance="0.00", status="paid")
    dashboard_refresh()
    connection.set_schema_to_public()

    response = in_firm_a.client(Role.CLIENT_OWNER).get(f"/portal/{mine.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["documents"]) == 5
    assert "statement-6.pdf" in body and "statement-1.pdf" not in body
    assert len(response.context["tasks"]) == 5
    assert "INV-OPEN" in body and "INV-PAID" not in body
    assert "$120.00" in body
    assert "Figures as of" in body


def test_portal_pages_run_constant_queries(in_firm_a):
    mine = make_client(business_name="Mine LLC")
    give_access(in_firm_a.user(Role.CLIENT_OWNER), mine)
    make_document(mine)
    make_task(mine)
    make_invoice(mine)
    dashboard_refresh()

    def queries() -> list[int]:
        connection.set_schema_to_public()
        http = in_firm_a.client(Role.CLIENT_OWNER)
        counts = []
        for page in PAGES:
            http.get(f"/portal/{mine.pk}/{page}")  # warm caches
            with CaptureQueriesContext(connection) as captured:
                assert http.get(f"/portal/{mine.pk}/{page}").status_code == 200
            counts.append(len(captured))
        connection.set_tenant(in_firm_a.firm)
        return counts

    few = queries()
    for _ in range(30):
        make_document(mine)
        make_task(mine)
        make_invoice(mine)

    assert queries() == few


def test_upload_then_the_dashboard_counts_it_at_once(firm_a, two_clients,
                                                     django_capture_on_commit_callbacks):
    mine, _ = two_clients
    http = firm_a.client(Role.CLIENT_OWNER)
    connection.set_tenant(firm_a.firm)
    dashboard_refresh()
    connection.set_schema_to_public()
    assert http.get(f"/portal/{mine.pk}/").context["dashboard"].figures["documents_total"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(f"/portal/{mine.pk}/documents/", {
            "file": SimpleUploadedFile("bank-march.pdf", b"%PDF-1.4 statement"),
            "category": "bank_statement"})
    dashboard = http.get(f"/portal/{mine.pk}/").context["dashboard"]

    assert response.status_code == 302
    assert dashboard.figures["documents_total"] == 1
    connection.set_tenant(firm_a.firm)
    document = Document.objects.get(client=mine)
    assert (document.file_name, document.size_bytes) == ("bank-march.pdf", 18)
    assert document.uploaded_by_id == firm_a.user(Role.CLIENT_OWNER).pk
    assert f"firms/{firm_a.firm.schema_name}/" in document.file.name


@pytest.mark.parametrize("data", [
    {"category": "bank_statement"},
    {"category": "not-a-category", "file": ("a.pdf", b"x")},
    {"category": "receipt", "file": ("empty.pdf", b"")},
])
def test_bad_uploads_are_refused_with_a_message(firm_a, two_clients, data):
    mine, _ = two_clients
    if "file" in data:
        name, content = data["file"]
        data = {**data, "file": SimpleUploadedFile(name, content)}

    response = firm_a.client(Role.CLIENT_OWNER).post(f"/portal/{mine.pk}/documents/", data)

    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    connection.set_tenant(firm_a.firm)
    assert not Document.objects.filter(client=mine).exists()


def test_uploading_into_another_client_is_404(firm_a, two_clients):
    _, theirs = two_clients

    response = firm_a.client(Role.CLIENT_OWNER).post(f"/portal/{theirs.pk}/documents/", {
        "file": SimpleUploadedFile("x.pdf", b"data"), "category": "receipt"})

    assert response.status_code == 404
    connection.set_tenant(firm_a.firm)
    assert Document.objects.filter(client=theirs).count() == 1
