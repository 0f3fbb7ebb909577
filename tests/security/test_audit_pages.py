import csv
import io

import pytest
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.audit.models import AuditAction, AuditEvent
from apps.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(firm_a):
    with schema_context(firm_a.firm.schema_name):
        owner = firm_a.user(Role.OWNER)
        audit_record(action=AuditAction.SENSITIVE_REVEALED, actor=owner,
                     target_type="portal.client", target_id="7", details={"field": "ssn"})
        audit_record(action=AuditAction.EXPORTED, actor=firm_a.user(Role.PARTNER),
                     details={"what": "clients.csv"})


def test_auditors_browse_and_filter_the_trail(firm_a, events):
    client = firm_a.client(Role.AUDITOR)

    page = client.get("/security/audit/", {"action": AuditAction.SENSITIVE_REVEALED})

    assert page.status_code == 200
    rows = list(page.context["page"].object_list)
    assert [e.action for e in rows] == [AuditAction.SENSITIVE_REVEALED]


@pytest.mark.parametrize("query", [{"action": "nope"}, {"actor": "not-an-email"},
                                   {"since": "2026-13-45"},
                                   {"since": "2026-05-02", "until": "2026-05-01"},
                                   {"actor": "a\x00b@x.test"}])
def test_bad_filters_are_400_with_messages(firm_a, query):
    response = firm_a.client(Role.AUDITOR).get("/security/audit/", query)

    assert response.status_code == 400
    assert response.context["form"].errors


def test_csv_export_is_complete_and_audited(firm_a, events):
    response = firm_a.client(Role.OWNER).get("/security/audit/export.csv",
                                             {"action": AuditAction.EXPORTED})

    assert response["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == [AuditAction.EXPORTED]
    assert rows[0]["actor_email"] == firm_a.user(Role.PARTNER).email
    with schema_context(firm_a.firm.schema_name):
        assert AuditEvent.objects.filter(action=AuditAction.EXPORTED,
                                         actor_email=firm_a.user(Role.OWNER).email).exists()


@pytest.mark.parametrize("role", [Role.STAFF_ACCOUNTANT, Role.CLIENT_OWNER, Role.MANAGER])
def test_roles_without_audit_access_are_refused_and_the_refusal_is_audited(firm_a, role):
    client = firm_a.client(role)

    assert client.get("/security/audit/").status_code == 403
    assert client.get("/security/audit/export.csv").status_code == 403
    with schema_context(firm_a.firm.schema_name):
        denial = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).first()
    assert denial.details["permission"] == "audit.view"
    assert denial.actor_email == firm_a.user(role).email


def test_audit_api_filters_and_rejects_bad_values(firm_a, events):
    client = firm_a.client(Role.OWNER)

    ok = client.get("/api/v1/audit-events/", {"action": AuditAction.EXPORTED})
    bad = client.get("/api/v1/audit-events/", {"action": "nope"})
    bad_cursor = client.get("/api/v1/audit-events/", {"cursor": "bz1hYmM="})  # "o=abc"

    assert [e["action"] for e in ok.json()["results"]] == [AuditAction.EXPORTED]
    assert bad.status_code == 400 and "action" in bad.json()
    assert bad_cursor.status_code == 400
    assert bad_cursor.json() == {"cursor": ["This cursor is not valid."]}
    for size in ("0", "501", "-5", "ten"):
        too_big = client.get("/api/v1/audit-events/", {"page_size": size})
        assert too_big.status_code == 400
        assert too_big.json() == {"page_size": ["A whole number from 1 to 500."]}


def test_audit_api_list_runs_a_fixed_number_of_queries(firm_a, events,
                                                       django_assert_max_num_queries):
    client = firm_a.client(Role.OWNER)
    client.get("/api/v1/audit-events/")
    with schema_context(firm_a.firm.schema_name):
        for n in range(30):
            audit_record(action=AuditAction.EXPORTED, details={"n": n})

        total = AuditEvent.objects.count()

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/audit-events/")

    assert total >= 32
    assert len(response.json()["results"]) == min(total, 50)


def test_audit_api_cursors_it_issues_work(firm_a):
    with schema_context(firm_a.firm.schema_name):
        for n in range(7):
            audit_record(action=AuditAction.EXPORTED, details={"n": n})
    client = firm_a.client(Role.OWNER)

    first = client.get("/api/v1/audit-events/", {"page_size": 5}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 5
    assert {e["id"] for e in first["results"]}.isdisjoint({e["id"] for e in second["results"]})
    assert second["previous"] is not None


def test_audit_api_rows_are_what_the_model_serializer_would_write(firm_a):
    """The listing writes rows out directly (apps/audit/api/views.py); every field must
    come out exactly as DRF's own ModelSerializer wrote it: timestamps in UTC with Z,
    an address or null, nested details, empty and sealed hashes."""
    from django.test import RequestFactory
    from rest_framework import serializers

    from apps.audit.api.views import AUDIT_EVENT_FIELDS
    from apps.audit.services import audit_chain_seal

    class Stock(serializers.ModelSerializer):
        class Meta:
            model = AuditEvent
            fields = list(AUDIT_EVENT_FIELDS)

    with schema_context(firm_a.firm.schema_name):
        audit_record(action=AuditAction.EXPORTED, actor=firm_a.user(Role.OWNER),
                     target_type="portal.client", target_id="7",
                     details={"what": "clients.csv", "rows": [1, {"n": None}], "ok": True})
        audit_chain_seal()
        audit_record(action=AuditAction.SENSITIVE_REVEALED, details={},
                     request=RequestFactory().get("/", REMOTE_ADDR="2001:db8::1"))
        audit_record(action=AuditAction.EXPORTED, details={"when": "2026-11-30"})
        expected = [dict(Stock(event).data) for event in AuditEvent.objects.order_by("-id")]

    response = firm_a.client(Role.OWNER).get("/api/v1/audit-events/", {"page_size": 500})

    assert response.status_code == 200
    assert response.json()["results"] == expected
    assert {e["ip_address"] for e in expected} >= {"2001:db8::1"}
    assert any(e["hash"] for e in expected) and any(e["hash"] == "" for e in expected)
    assert all(e["created_at"].endswith("Z") for e in expected)
