"""`SET search_path` is sent once per schema switch (TENANT_LIMIT_SET_CALLS); a rollback
that undoes it must make the next query set it again, or that query would run in the
schema of whatever came before: another firm's."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_search_path_is_set_once_per_switch(firm_a):
    connection.set_tenant(firm_a.firm)

    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert _current_schema() == firm_a.firm.schema_name

    assert sum(q["sql"].startswith("SET search_path") for q in queries.captured_queries) == 1


def test_a_rolled_back_switch_is_set_again(firm_a, firm_b):
    # (A savepoint here, since the test runs inside a transaction; django-tenants clears
    # its "already set" flag on ROLLBACK and on ROLLBACK TO SAVEPOINT alike.)
    connection.set_tenant(firm_b.firm)
    assert _current_schema() == firm_b.firm.schema_name  # B is set on the session
    connection.set_tenant(firm_a.firm)

    with pytest.raises(RuntimeError), transaction.atomic():
        # The SET for firm A happens inside this block, and is undone with it.
        assert _current_schema() == firm_a.firm.schema_name
        raise RuntimeError("a service refused the input")

    assert _current_schema() == firm_a.firm.schema_name


def test_choosing_the_schema_the_session_already_has_sends_no_set(firm_a, firm_b):
    """Issue 13: every request chooses public, then its firm (advisoros/middleware.py);
    a session that already has the firm's path from the previous request is not sent it
    again (advisoros/postgresql_backend/base.py), and a different firm's still is."""
    connection.set_tenant(firm_a.firm)
    assert _current_schema() == firm_a.firm.schema_name

    with CaptureQueriesContext(connection) as queries:
        connection.set_schema_to_public()
        connection.set_tenant(firm_a.firm)  # the next request of the same firm
        assert _current_schema() == firm_a.firm.schema_name
        connection.set_schema_to_public()
        connection.set_tenant(firm_b.firm)  # then another firm's request
        assert _current_schema() == firm_b.firm.schema_name

    sets = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]
    assert sets == [f'SET search_path = "{firm_b.firm.schema_name}","public"']


def test_the_remembered_path_is_forgotten_when_a_rollback_undoes_it(firm_a, firm_b):
    connection.set_tenant(firm_b.firm)
    assert _current_schema() == firm_b.firm.schema_name
    with pytest.raises(RuntimeError), transaction.atomic():
        connection.set_tenant(firm_a.firm)
        assert _current_schema() == firm_a.firm.schema_name  # SET inside the block
        raise RuntimeError("undone")

    connection.set_schema_to_public()
    connection.set_tenant(firm_a.firm)

    assert _current_schema() == firm_a.firm.schema_name
