"""A Celery worker keeps its database connection across tasks (advisoros/worker_connections.py),
still runs each task in its own firm's schema, and replaces a connection that broke
between tasks instead of failing the next task."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django_tenants.utils import schema_context

from advisoros.celery import app


@app.task(name="tests.backend_and_schema")
def backend_and_schema() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_schema()")
        pid, schema = cursor.fetchone()
    return {"pid": pid, "schema": schema}


@app.task(name="tests.close_connection")
def close_connection() -> None:
    connection.close()


@pytest.fixture(scope="module")
def one_thread_worker(_two_firms, django_db_blocker):
    import celery.contrib.testing.tasks  # noqa: F401 - registers the ping task start_worker needs

    # One thread: every task runs on the same thread, hence on the same connection
    # when the worker keeps it.
    with django_db_blocker.unblock(), start_worker(
        app, pool="threads", concurrency=1, perform_ping_check=True, shutdown_timeout=10
    ):
        yield
        # The kept connection would outlive the worker and hold the test database open.
        close_connection.delay().get(timeout=20)


def _run_in(schema_name: str | None) -> dict:
    if schema_name is None:
        return backend_and_schema.delay().get(timeout=20)
    with schema_context(schema_name):
        result = backend_and_schema.delay()
    return result.get(timeout=20)


@pytest.mark.django_db(transaction=False)
def test_tasks_of_two_firms_share_one_backend_and_each_runs_in_its_schema(
        one_thread_worker, firm_a, firm_b):
    schema_a, schema_b = firm_a.firm.schema_name, firm_b.firm.schema_name
    asked = [schema_a, schema_b, None, schema_a, schema_a, schema_b] * 4

    results = [_run_in(schema) for schema in asked]

    assert [r["schema"] for r in results] == [schema or "public" for schema in asked]
    assert len({r["pid"] for r in results}) == 1


@pytest.mark.django_db(transaction=False)
def test_a_connection_killed_between_tasks_is_replaced_and_the_next_task_runs(
        one_thread_worker, firm_a):
    schema = firm_a.firm.schema_name
    first = _run_in(schema)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first["pid"]])
        assert cursor.fetchone() == (True,)

    after = _run_in(schema)
    again = _run_in(schema)

    assert after["pid"] != first["pid"]
    assert after == again == {"pid": after["pid"], "schema": schema}
