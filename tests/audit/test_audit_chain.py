import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from apps.audit.chain import GENESIS_HASH
from apps.audit.models import AuditAction, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_seal, audit_record

pytestmark = pytest.mark.django_db


def _three_events(user):
    return [audit_record(action=AuditAction.SENSITIVE_REVEALED, actor=user,
                         target_type="portal.client", target_id=str(i),
                         details={"field": "ssn", "n": i}) for i in range(3)]


def test_events_are_written_unsealed_then_sealed_in_order(firm_a):
    with schema_context(firm_a.firm.schema_name):
        events = _three_events(firm_a.user("owner"))
        assert [e.chain_seq for e in events] == [None, None, None]

        audit_chain_seal()

        first, second, third = (AuditEvent.objects.get(pk=e.pk) for e in events)
        head_before = AuditEvent.objects.filter(chain_seq=first.chain_seq - 1).first()
        assert first.prev_hash == (head_before.hash if head_before else GENESIS_HASH)
        assert (second.chain_seq, third.chain_seq) == (first.chain_seq + 1, first.chain_seq + 2)
        assert second.prev_hash == first.hash
        assert third.prev_hash == second.hash
        assert not AuditEvent.objects.filter(chain_seq__isnull=True).exists()
        assert audit_chain_verify().intact


def test_firm_and_platform_trails_are_separate(firm_a, firm_b):
    with schema_context(firm_a.firm.schema_name):
        audit_record(action=AuditAction.EXPORTED, actor=firm_a.user("owner"),
                     details={"what": "clients.csv"})
    with schema_context(firm_b.firm.schema_name):
        assert not AuditEvent.objects.filter(details__what="clients.csv").exists()
    assert not AuditEvent.objects.filter(details__what="clients.csv").exists()  # public


def test_the_application_role_is_no_superuser_and_owns_no_audit_table(firm_a):
    with schema_context(firm_a.firm.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
                       "WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False, False)
        cursor.execute("SELECT pg_get_userbyid(relowner) <> current_user FROM pg_class "
                       "WHERE oid = 'audit_auditevent'::regclass")
        assert cursor.fetchone() == (True,)


@pytest.mark.parametrize(("statement", "error"), [
    ("UPDATE audit_auditevent SET action = 'x'", "permission denied for table audit_auditevent"),
    ("DELETE FROM audit_auditevent", "permission denied for table audit_auditevent"),
    ("TRUNCATE audit_auditevent", "permission denied for table audit_auditevent"),
    ("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_update_delete",
     "must be owner of table audit_auditevent"),
    ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", "must be owner of table audit_auditevent"),
    ("DROP TABLE audit_auditevent", "must be owner of table audit_auditevent"),
    ("UPDATE audit_auditanchor SET chain_seq = 0",
     "permission denied for table audit_auditanchor"),
    ("DELETE FROM audit_auditanchor", "permission denied for table audit_auditanchor"),
    ("SET ROLE advisoros_owner", "permission denied to set role"),
])
def test_the_application_role_cannot_change_or_remove_audit_rows(firm_a, statement, error):
    with schema_context(firm_a.firm.schema_name):
        _three_events(firm_a.user("owner"))
        audit_chain_seal()
        before = list(AuditEvent.objects.order_by("id").values_list("id", "action", "hash"))

        with pytest.raises(DatabaseError, match=error), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement)

        assert list(AuditEvent.objects.order_by("id").values_list("id", "action", "hash")) \
            == before


def test_a_sealed_row_cannot_be_sealed_again(firm_a):
    with schema_context(firm_a.firm.schema_name):
        event = _three_events(firm_a.user("owner"))[0]
        audit_chain_seal()
        event.refresh_from_db()

        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET hash = %s WHERE id = %s",
                           ["f" * 64, event.pk])

        assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


def test_orm_delete_is_rejected_too(firm_a):
    with schema_context(firm_a.firm.schema_name):
        event = _three_events(firm_a.user("owner"))[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_verify_command_passes_on_intact_chains(firm_a):
    with schema_context(firm_a.firm.schema_name):
        _three_events(firm_a.user("owner"))
        audit_chain_seal()
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


def test_cloned_firm_schemas_carry_the_triggers_and_the_grants(firm_b):
    schema = firm_b.firm.schema_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass",
                       [f"{schema}.audit_auditevent"])
        assert cursor.fetchone()[0] == 2
        cursor.execute("SELECT has_table_privilege(%s, 'INSERT'), "
                       "has_table_privilege(%s, 'UPDATE'), has_table_privilege(%s, 'DELETE'), "
                       "has_table_privilege(%s, 'DELETE')",
                       [f"{schema}.audit_auditevent"] * 3 + [f"{schema}.portal_client"])
        assert cursor.fetchone() == (True, False, False, True)
