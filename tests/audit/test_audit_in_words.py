"""The audit trail covers creating, changing and deleting the firm's records, with before
and after values, and reads as sentences naming people, fields and values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.audit.presenters import audit_rows
from apps.documents import services as document_services
from apps.portal import services
from apps.portal.models import ClientAccess, Task

pytestmark = pytest.mark.django_db


def _events(target_type: str, action: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(target_type=target_type).order_by("id")
    return list(events.filter(action=action) if action else events)


def test_a_task_date_change_made_on_the_page_reads_as_a_sentence(firm_a):
    connection.set_tenant(firm_a.firm)
    manager = firm_a.user(Role.MANAGER)
    client = services.client_create(business_name="Brightline Bakery")
    task = services.task_create(client=client, title="Send payroll summary",
                                due_date=date(2026, 12, 3), assignee_id=manager.pk)
    connection.set_schema_to_public()

    response = firm_a.client(Role.MANAGER).post(f"/staff/tasks/{task.pk}/edit/", {
        "title": "Send payroll summary", "status": "pending", "priority": "2",
        "due_date": "2026-12-08", "assignee": str(manager.pk)})

    assert response.status_code == 302
    connection.set_tenant(firm_a.firm)
    [event] = _events("portal.task", AuditAction.RECORD_CHANGED)
    assert event.actor_id == manager.pk
    assert event.details["before"] == {"due_date": "2026-12-03"}
    assert event.details["after"] == {"due_date": "2026-12-08"}
    [row] = audit_rows([event])
    year = "" if date.today().year == 2026 else ", 2026"
    assert row.sentence == (f"{manager.get_full_name()} changed the due date of Task "
                            f"'Send payroll summary' from Dec 3{year} to Dec 8{year}")

    page = firm_a.client(Role.OWNER).get("/security/audit/", {"object": "portal.task"})
    assert row.sentence.replace("'", "&#x27;") in page.content.decode()


def test_creating_changing_and_archiving_a_client_keeps_every_value(in_firm_a):
    staff = in_firm_a.user(Role.MANAGER)
    client = services.client_create(business_name="Cedar & Stone", industry="construction",
                                    annual_revenue=Decimal("3200000"),
                                    assigned_staff_id=staff.pk)
    services.client_update(client=client, status="inactive", business_name="Cedar & Stone")
    services.client_archive(client=client)

    created, changed, deleted = _events("portal.client")
    assert created.action == AuditAction.RECORD_CREATED
    assert created.details["after"]["annual_revenue"] == "3200000"
    assert created.details["after"]["assigned_staff"] == staff.pk
    assert changed.details["before"] == {"status": "active"}
    assert changed.details["after"] == {"status": "inactive"}
    assert deleted.action == AuditAction.RECORD_DELETED
    rows = audit_rows([created, changed, deleted])
    assert rows[0].sentence == "The system created Client 'Cedar & Stone'"
    assert ("Assigned staff", "", staff.get_full_name()) in [
        (c.field.capitalize(), c.before, c.after) for c in rows[0].changes]
    assert ("Annual revenue", "", "$3,200,000.00") in [
        (c.field.capitalize(), c.before, c.after) for c in rows[0].changes]
    assert rows[1].sentence == ("The system changed the status of Client 'Cedar & Stone' "
                                "from Active to Inactive")
    assert rows[2].sentence == "The system deleted Client 'Cedar & Stone'"


def test_an_edit_that_changes_nothing_records_nothing(in_firm_a):
    client = services.client_create(business_name="Northwind Dental")

    services.client_update(client=client, business_name="Northwind Dental")

    assert [e.action for e in _events("portal.client")] == [AuditAction.RECORD_CREATED]


def test_engagements_tasks_and_portal_access_are_audited(in_firm_a):
    client = services.client_create(business_name="Pixelcraft Studio")
    engagement = services.engagement_create(client=client, type="cfo_advisory",
                                            start_date=date(2026, 1, 15), fee=Decimal("1500"))
    services.engagement_update(engagement=engagement, fee=Decimal("1750.50"))
    task = services.task_create(client=client, title="Approve budget", engagement=engagement)
    services.task_update(task=task, status=Task.Status.COMPLETED)
    client_user = in_firm_a.user(Role.CLIENT_OWNER)
    services.client_access_grant(client=client, user=client_user)
    services.client_access_revoke(client=client, user=client_user)

    engagement_rows = audit_rows(_events("portal.engagement"))
    assert [r.event.action for r in engagement_rows] == [AuditAction.RECORD_CREATED,
                                                         AuditAction.RECORD_CHANGED]
    assert engagement_rows[1].sentence.endswith("from $1,500.00 to $1,750.50")
    assert ("type", "CFO advisory") in [(c.field, c.after) for c in engagement_rows[0].changes]
    [_, task_change] = audit_rows(_events("portal.task"))
    assert task_change.changes[0].before == "Pending"
    assert task_change.changes[0].after == "Completed"
    granted, revoked = _events("portal.clientaccess")
    assert granted.action == AuditAction.RECORD_CREATED
    assert revoked.action == AuditAction.RECORD_DELETED
    assert not ClientAccess.objects.filter(client=client).exists()
    [row] = audit_rows([granted])
    assert ("user", client_user.get_full_name()) in [(c.field, c.after) for c in row.changes]


def test_uploads_reviews_and_deletions_of_documents_are_audited(in_firm_a):
    uploader = in_firm_a.user(Role.STAFF_ACCOUNTANT)
    client = services.client_create(business_name="Harbor View")
    upload = SimpleUploadedFile("notes.csv", b"account,amount\ncash,120.50\n",
                                content_type="text/csv")
    result = document_services.documents_upload(client=client, files=[upload],
                                                category="other", uploaded_by_id=uploader.pk)
    [document] = result.created
    document.status = "needs_review"
    document.save(update_fields=["status"])
    document_services.document_review(document=document, decision="approve", tax_year=2025)
    document_services.document_delete(document=document)

    created, reviewed, deleted = _events("documents.document")
    assert created.actor_id == uploader.pk
    assert created.details["after"]["file_name"] == "notes.csv"
    assert reviewed.details["before"] == {"status": "needs_review", "tax_year": None}
    assert reviewed.details["after"] == {"status": "approved", "tax_year": 2025}
    assert deleted.action == AuditAction.RECORD_DELETED
    assert audit_rows([created])[0].sentence == (f"{uploader.get_full_name()} created "
                                                 "Document 'notes.csv'")


def test_the_trail_filters_by_person_object_and_action(firm_a):
    connection.set_tenant(firm_a.firm)
    owner, manager = firm_a.user(Role.OWNER), firm_a.user(Role.MANAGER)
    client = services.client_create(business_name="Summit Outfitters", actor=owner)
    task = services.task_create(client=client, title="Upload bank statements", actor=manager)
    services.task_update(task=task, title="Upload the bank statements", actor=manager)
    connection.set_schema_to_public()
    http = firm_a.client(Role.OWNER)

    by_person = http.get("/security/audit/", {"actor": manager.email})
    by_object = http.get("/security/audit/", {"object": "portal.task",
                                              "object_id": str(task.pk)})
    by_action = http.get("/security/audit/", {"action": AuditAction.RECORD_CREATED})
    unknown_person = http.get("/security/audit/", {"actor": "someone@else.test"})

    assert {r.event.actor_id for r in by_person.context["rows"]} == {manager.pk}
    assert [r.event.action for r in by_object.context["rows"]] == [
        AuditAction.RECORD_CHANGED, AuditAction.RECORD_CREATED]
    assert {r.event.target_type for r in by_action.context["rows"]} == {
        "portal.client", "portal.task"}
    assert unknown_person.status_code == 400
    table = by_object.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "History of this task" in table
    assert "{&#x27;" not in table and "portal.task" not in table.replace("=portal.task", "")


def test_times_are_shown_in_the_firms_zone_with_the_zone(firm_a):
    from zoneinfo import ZoneInfo

    from apps.firms.models import Firm

    Firm.objects.filter(pk=firm_a.firm.pk).update(time_zone="America/Chicago")
    connection.set_tenant(firm_a.firm)
    services.client_create(business_name="Lakeside Law")
    [event] = _events("portal.client")
    connection.set_schema_to_public()

    html = firm_a.client(Role.OWNER).get("/security/audit/",
                                         {"object": "portal.client"}).content.decode()

    local = event.created_at.astimezone(ZoneInfo("America/Chicago"))
    hour = local.hour % 12 or 12
    assert "America/Chicago" in html
    assert f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M}" in html
    assert f" {local.tzname()}</span></time>" in html


def test_the_csv_export_carries_the_sentence_too(firm_a):
    connection.set_tenant(firm_a.firm)
    owner = firm_a.user(Role.OWNER)
    client = services.client_create(business_name="Maple Street Cafe", actor=owner)
    services.client_update(client=client, contact_phone="(555) 010-2000", actor=owner)
    connection.set_schema_to_public()

    response = firm_a.client(Role.OWNER).get("/security/audit/export.csv",
                                             {"object": "portal.client"})

    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["summary"] == (f"{owner.get_full_name()} set the contact phone of "
                                  "Client 'Maple Street Cafe' to (555) 010-2000. "
                                  "contact phone: nothing → (555) 010-2000")
    assert rows[1]["summary"].startswith(f"{owner.get_full_name()} created Client")
