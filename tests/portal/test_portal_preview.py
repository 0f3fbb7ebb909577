"""Staff preview the portal as one client: bannered, read-only, audited, that one client
of that one firm, and only for roles the matrix allows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

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


def test_the_people_portal_pages_work_read_only_in_a_preview(in_firm_a):
    from apps.people.models import Message, Organizer, Proposal, Thread, ThreadRead
    from apps.people.tax_organizer import TAX_ORGANIZER

    acme = make_client(business_name="Acme Robotics")
    thread = Thread.objects.create(client=acme, subject="Year-end close",
                                   last_message_at=timezone.now())
    Message.objects.create(thread=thread, from_firm=True, body="Please send the bank letter")
    proposal = Proposal.objects.create(client=acme, title="Engagement letter 2027",
                                       terms="Terms", status=Proposal.Status.SENT,
                                       expires_on=timezone.localdate() + timedelta(days=9))
    organizer = Organizer.objects.create(client=acme, title="2026 tax organizer",
                                         definition=TAX_ORGANIZER)
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.MANAGER)
    staff.post(f"/staff/clients/{acme.pk}/preview/")
    base = f"/portal/{acme.pk}"

    pages = {
        f"{base}/messages/": "Year-end close",
        f"{base}/messages/{thread.pk}/": "Please send the bank letter",
        f"{base}/proposals/": "Engagement letter 2027",
        f"{base}/proposals/{proposal.pk}/": "Engagement letter 2027",
        f"{base}/organizers/": "2026 tax organizer",
        f"{base}/organizers/{organizer.pk}/": "2026 tax organizer",
    }
    shown = {path: staff.get(path) for path in pages}
    writes = [
        staff.post(f"{base}/messages/", {"subject": "Hi", "body": "From the preview"}),
        staff.post(f"{base}/messages/{thread.pk}/", {"body": "From the preview"}),
        staff.post(f"{base}/proposals/{proposal.pk}/", {"signer_name": "Maya", "consent": "on"}),
        staff.post(f"{base}/organizers/{organizer.pk}/", {"submit": "1"}),
    ]

    for path, text in pages.items():
        body = shown[path].content.decode()
        assert shown[path].status_code == 200, path
        assert text in body and "read-only" in body, path
    assert [w.status_code for w in writes] == [403, 403, 403, 403]
    connection.set_tenant(in_firm_a.firm)
    assert Message.objects.filter(thread__client=acme).count() == 1
    assert not ThreadRead.objects.filter(thread=thread).exists()
    proposal.refresh_from_db()
    organizer.refresh_from_db()
    assert proposal.status == Proposal.Status.SENT
    assert organizer.status == Organizer.Status.SENT


def test_without_a_preview_staff_still_get_404_on_people_portal_pages(in_firm_a):
    acme = make_client(business_name="Acme Robotics")
    connection.set_schema_to_public()
    staff = in_firm_a.client(Role.MANAGER)

    assert staff.get(f"/portal/{acme.pk}/messages/").status_code in (403, 404)
