"""Staff preview the portal as one client: bannered, read-only, audited, that one client
of that one firm, and only for roles the matrix allows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.documents.models import Document
from tests.portal.factories import make_client, make_document

pytestmark = pytest.mark.django_db


def test_a_manager_previews_one_clients_portal_read_only_and_it_is_audited(in_firm_a):
    acme = make_client(business_name="Acme Robotics")
    other = make_client(business_name="Other Client")
    make_document(acme, file_name="acme-ledger.pdf")
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.MANAGER)

    started = staff.post(f"/staff/clients/{acme.pk}/preview/")
    dashboard = staff.get(f"/portal/{acme.pk}/")
    documents = staff.get(f"/portal/{acme.pk}/documents/")
    home = staff.get("/portal/")
    elsewhere = staff.get(f"/portal/{other.pk}/")
    upload = staff.post(f"/portal/{acme.pk}/documents/", {
        "category": "other", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 x")})
    stopped = staff.post("/staff/preview/stop/")
    after = staff.get(f"/portal/{acme.pk}/")

    assert started.status_code == 302 and started["Location"] == f"/portal/{acme.pk}/"
    assert dashboard.status_code == 200
    assert "Preview of Acme Robotics\u2019s portal · read-only" in dashboard.content.decode()
    assert documents.status_code == 200 and b"acme-ledger.pdf" in documents.content
    assert home.status_code == 302 and home["Location"] == f"/portal/{acme.pk}/"
    assert elsewhere.status_code == 404
    assert upload.status_code == 403 and b"nothing can be changed" in upload.content
    assert stopped.status_code == 302 and stopped["Location"] == f"/staff/clients/{acme.pk}/"
    assert after.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    assert Document.objects.filter(client=acme).count() == 1
    actions = list(AuditEvent.objects.filter(target_id=str(acme.pk)).filter(
        action__in=[AuditAction.PORTAL_PREVIEW_STARTED, AuditAction.PORTAL_PREVIEW_STOPPED])
        .order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.PORTAL_PREVIEW_STARTED, AuditAction.PORTAL_PREVIEW_STOPPED]


@pytest.mark.parametrize("role", [Role.STAFF_ACCOUNTANT, Role.AUDITOR, Role.CLIENT_OWNER])
def test_roles_without_the_preview_permission_cannot_start_one(in_firm_a, role):
    acme = make_client()
    connection.set_schema_to_public()
    user = in_firm_a.client(role)

    started = user.post(f"/staff/clients/{acme.pk}/preview/")

    assert started.status_code == 403
    connection.set_tenant(in_firm_a.firm)
    assert not AuditEvent.objects.filter(action=AuditAction.PORTAL_PREVIEW_STARTED).exists()


def test_a_preview_never_reaches_beyond_its_firm(in_firm_a, firm_b):
    acme = make_client(business_name="Acme Robotics")
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.OWNER)
    staff.post(f"/staff/clients/{acme.pk}/preview/")

    other_host = staff.get(f"/portal/{acme.pk}/", HTTP_HOST=firm_b.host)
    start_other = staff.post(f"/staff/clients/{acme.pk}/preview/", HTTP_HOST=firm_b.host)

    assert other_host.status_code in (302, 403, 404)
    assert start_other.status_code in (302, 403, 404)


def test_the_client_page_offers_the_preview_to_those_allowed(firm_a):
    connection.set_tenant(firm_a.firm)
    acme = make_client()
    connection.set_schema_to_public()

    manager = firm_a.client(Role.MANAGER).get(f"/staff/clients/{acme.pk}/").content.decode()
    staff = firm_a.client(Role.STAFF_ACCOUNTANT).get(f"/staff/clients/{acme.pk}/")

    assert f'action="/staff/clients/{acme.pk}/preview/"' in manager
    assert b"Preview portal" not in staff.content
