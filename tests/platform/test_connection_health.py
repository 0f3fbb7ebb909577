"""The health check of a kept connection (CONN_HEALTH_CHECKS) looks at the socket before
it asks the server: a healthy connection is vouched for without a round trip, one the
server ended is replaced before the request uses it, and a socket with data waiting
still gets Django's `SELECT 1` (advisoros/postgresql_backend/base.py)."""

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


def _new_connection():
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    return wrapper


@pytest.fixture
def kept():
    """A second connection to the same database, as a web worker keeps it."""
    wrapper = _new_connection()
    yield wrapper
    wrapper.close()


def _last_statement_of(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def _run(wrapper, sql: str) -> None:
    with wrapper.connection.cursor() as cursor:
        cursor.execute(sql)


def _wait_until_readable(wrapper, seconds: float = 5.0) -> None:
    import select

    select.select([wrapper.connection.fileno()], [], [], seconds)


def test_a_healthy_kept_connection_is_vouched_for_without_a_statement(kept):
    pid = kept.connection.info.backend_pid
    _run(kept, "SELECT 42 AS last_work_of_the_previous_request")

    assert kept.is_usable() is True

    assert _last_statement_of(pid) == "SELECT 42 AS last_work_of_the_previous_request"


def test_a_connection_the_server_ended_is_unusable_and_replaced(kept):
    pid = kept.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    _wait_until_readable(kept)

    assert kept.is_usable() is False
    # What Django does at the next request's first query: close, then reconnect.
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_socket_with_data_waiting_is_asked_with_a_round_trip(kept):
    pid = kept.connection.info.backend_pid
    _run(kept, "LISTEN connection_health_probe")
    notifier = _new_connection()  # autocommit: the test's own connection is in a transaction
    try:
        _run(notifier, "NOTIFY connection_health_probe")
    finally:
        notifier.close()
    _wait_until_readable(kept)

    assert kept.is_usable() is True

    assert _last_statement_of(pid) == "SELECT 1"
