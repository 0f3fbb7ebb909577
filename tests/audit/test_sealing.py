"""Audited writes do not wait on each other (issue 19): rows are appended without a
lock and sealed afterwards, in order, by a step that only sealers serialize on."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django_tenants.utils import schema_context

from apps.audit.models import AuditAction, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_seal, audit_record
from tests.audit.test_tampering import _as_owner


def _in_thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args)
    thread.start()
    return thread


def test_a_writer_does_not_wait_for_another_writers_open_transaction(committed_firm):
    schema = committed_firm.schema_name
    written, release, errors = threading.Event(), threading.Event(), []

    def slow_writer() -> None:
        try:
            with schema_context(schema), transaction.atomic():
                audit_record(action=AuditAction.EXPORTED, details={"who": "slow"})
                written.set()
                release.wait(10)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    slow = _in_thread(slow_writer)
    assert written.wait(10)
    try:
        with schema_context(schema), transaction.atomic(), connection.cursor() as cursor:
            # Under the former per-firm lock this write waited for the slow one's commit;
            # a wait of even a second now fails the test instead of hanging it.
            cursor.execute("SET LOCAL lock_timeout = '1s'")
            audit_record(action=AuditAction.PERMISSION_DENIED, details={"who": "other"})
    except OperationalError as exc:
        pytest.fail(f"an audited write waited on another writer: {exc}")
    finally:
        release.set()
        slow.join()
    assert not errors


def test_concurrent_writers_are_all_sealed_into_one_verifiable_chain(committed_firm):
    schema = committed_firm.schema_name
    errors: list[Exception] = []
    stop_sealing = threading.Event()

    def writer(n: int) -> None:
        try:
            with schema_context(schema):
                for i in range(25):
                    audit_record(action=AuditAction.SENSITIVE_REVEALED,
                                 details={"writer": n, "i": i})
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            with schema_context(schema):
                while not stop_sealing.is_set():
                    audit_chain_seal(batch_size=7)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    sealers = [_in_thread(sealer) for _ in range(2)]
    writers = [_in_thread(writer, n) for n in range(8)]
    for thread in writers:
        thread.join()
    stop_sealing.set()
    for thread in sealers:
        thread.join()
    assert not errors

    with schema_context(schema):
        audit_chain_seal()
        rows = list(AuditEvent.objects.filter(action=AuditAction.SENSITIVE_REVEALED)
                    .values_list("chain_seq", "details"))
        all_seqs = sorted(AuditEvent.objects.values_list("chain_seq", flat=True))
        report = audit_chain_verify()

    assert len(rows) == 200
    assert all(seq is not None for seq, _ in rows)
    assert all_seqs == list(range(1, len(all_seqs) + 1))  # no gap, no position twice
    for n in range(8):  # each writer's rows keep their order in the chain
        mine = sorted((d["i"], seq) for seq, d in rows if d["writer"] == n)
        assert [seq for _, seq in mine] == sorted(seq for _, seq in mine)
    assert report.intact, report.reason
    assert report.checked == len(all_seqs)


def test_sequential_events_are_sealed_in_id_order(committed_firm):
    with schema_context(committed_firm.schema_name):
        ids = [audit_record(action=AuditAction.EXPORTED, details={"i": i}).pk for i in range(5)]
        audit_chain_seal(batch_size=2)
        seqs = [AuditEvent.objects.get(pk=pk).chain_seq for pk in ids]
    assert seqs == sorted(seqs)
    assert seqs[-1] - seqs[0] == 4


def test_tampering_with_a_sealed_row_is_found_after_more_sealing(committed_firm):
    schema = committed_firm.schema_name
    with schema_context(schema):
        events = [audit_record(action=AuditAction.EXPORTED, details={"i": i}) for i in range(3)]
        audit_chain_seal()
        _as_owner(schema, ("UPDATE audit_auditevent SET actor_email = 'someone@else.test' "
                           "WHERE id = %s", [events[0].pk]))
        audit_record(action=AuditAction.EXPORTED, details={"i": 3})
        audit_chain_seal()

        report = audit_chain_verify()

    assert report.broken_at_id == events[0].pk
    assert "altered" in report.reason


def test_refused_requests_append_without_taking_any_lock(firm_a):
    """Every refused request is audited: its write must take no advisory lock."""
    with schema_context(firm_a.firm.schema_name), transaction.atomic():
        audit_record(action=AuditAction.PERMISSION_DENIED, details={"path": "/x"})
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND pid = pg_backend_pid()")
            assert cursor.fetchone()[0] == 0


def test_a_committed_write_marks_its_schema_and_beat_seals_it(committed_firm):
    from django_redis import get_redis_connection

    from apps.audit.services import PENDING_SCHEMAS_KEY
    from apps.audit.tasks import audit_seal_pending

    schema = committed_firm.schema_name
    get_redis_connection("public").delete(PENDING_SCHEMAS_KEY)
    with schema_context(schema):
        event = audit_record(action=AuditAction.EXPORTED, details={"what": "marked"})
    assert get_redis_connection("public").smembers(PENDING_SCHEMAS_KEY) == {schema.encode()}

    assert audit_seal_pending() >= 1

    with schema_context(schema):
        assert AuditEvent.objects.get(pk=event.pk).chain_seq is not None
    assert not get_redis_connection("public").smembers(PENDING_SCHEMAS_KEY)


def test_an_uncommitted_write_marks_nothing(firm_a):
    from django_redis import get_redis_connection

    from apps.audit.services import PENDING_SCHEMAS_KEY

    with schema_context(firm_a.firm.schema_name):
        audit_record(action=AuditAction.EXPORTED, details={"what": "rolled back"})
    assert not get_redis_connection("public").smembers(PENDING_SCHEMAS_KEY)
