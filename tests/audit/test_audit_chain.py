import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from apps.audit.models import AuditAction, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import GENESIS_HASH, audit_record

pytestmark = pytest.mark.django_db


def _three_events(user):
    return [audit_record(action=AuditAction.SENSITIVE_REVEALED, actor=user,
                         target_type="portal.client", target_id=str(i),
                         details={"field": "ssn", "n": i}) for i in range(3)]


def test_events_are_chained_in_order(firm_a):
    with schema_context(firm_a.firm.schema_name):
        first, second, third = _three_events(firm_a.user("owner"))

        assert first.prev_hash in (GENESIS_HASH,
                                   *AuditEvent.objects.exclude(pk__in=[first.pk, second.pk,
                                                                       third.pk])
                                   .values_list("hash", flat=True))
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        assert audit_chain_verify().intact


def test_firm_and_platform_trails_are_separate(firm_a, firm_b):
    with schema_context(firm_a.firm.schema_name):
        audit_record(action=AuditAction.EXPORTED, actor=firm_a.user("owner"),
                     details={"what": "clients.csv"})
    with schema_context(firm_b.firm.schema_name):
        assert not AuditEvent.objects.filter(details__what="clients.csv").exists()
    assert not AuditEvent.objects.filter(details__what="clients.csv").exists()  # public


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET action = 'x'",
    "DELETE FROM audit_auditevent",
])
def test_database_rejects_update_and_delete(firm_a, statement):
    with schema_context(firm_a.firm.schema_name):
        _three_events(firm_a.user("owner"))
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement)
        assert AuditEvent.objects.count() >= 3


def test_database_rejects_truncate_outside_the_test_harness(firm_a):
    with schema_context(firm_a.firm.schema_name):
        _three_events(firm_a.user("owner"))
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute("SET LOCAL advisoros.audit_truncate_allowed = off")
            cursor.execute("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.count() >= 3


def test_orm_delete_is_rejected_too(firm_a):
    with schema_context(firm_a.firm.schema_name):
        event = _three_events(firm_a.user("owner"))[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()


def _tamper(sql: str, params: list) -> None:
    """What an attacker with table-owner rights could do: switch the trigger off."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_update_delete")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_no_update_delete")


def test_verify_reports_the_first_altered_row(firm_a):
    with schema_context(firm_a.firm.schema_name):
        events = _three_events(firm_a.user("owner"))
        _tamper("UPDATE audit_auditevent SET details = '{\"field\": \"none\"}' WHERE id = %s",
                [events[1].pk])

        report = audit_chain_verify()

        assert report.broken_at_id == events[1].pk
        assert "altered" in report.reason
        out = io.StringIO()
        with pytest.raises(CommandError, match=firm_a.firm.schema_name):
            call_command("verify_audit_chain", schema=firm_a.firm.schema_name, stdout=out)
        assert f"BROKEN at event id {events[1].pk}" in out.getvalue()


def test_verify_reports_a_removed_row(firm_a):
    with schema_context(firm_a.firm.schema_name):
        events = _three_events(firm_a.user("owner"))
        _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

        report = audit_chain_verify()

        assert report.broken_at_id == events[2].pk
        assert "removed" in report.reason


def test_verify_command_passes_on_intact_chains(firm_a):
    with schema_context(firm_a.firm.schema_name):
        _three_events(firm_a.user("owner"))
    out = io.StringIO()

    call_command("verify_audit_chain", stdout=out)

    assert f"{firm_a.firm.schema_name}: intact" in out.getvalue()
    assert "public: intact" in out.getvalue()


def test_sign_in_and_failures_are_recorded_in_the_firms_trail(firm_a):
    client = firm_a.client()
    client.post("/accounts/sign-in/", {"username": firm_a.user("manager").email,
                                       "password": "wrong-password-0"})
    from tests.conftest import PASSWORD
    client.post("/accounts/sign-in/", {"username": firm_a.user("manager").email,
                                       "password": PASSWORD})

    with schema_context(firm_a.firm.schema_name):
        actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_email"))
        failed = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).last()
    assert actions[-2:] == [(AuditAction.SIGN_IN_FAILED, ""),
                            (AuditAction.SIGN_IN, firm_a.user("manager").email)]
    assert failed.details == {"attempted_email": firm_a.user("manager").email}
    assert "wrong-password" not in str(failed.details)
    assert failed.ip_address == "127.0.0.1"


def test_cloned_firm_schemas_carry_the_triggers(firm_b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass",
                       [f"{firm_b.firm.schema_name}.audit_auditevent"])
        assert cursor.fetchone()[0] == 2
