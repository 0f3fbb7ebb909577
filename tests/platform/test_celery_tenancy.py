"""Tasks run in the schema of the firm that queued them, on a real worker and broker."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django_tenants.utils import schema_context

from advisoros.celery import app
from advisoros.tasks import for_each_firm
from apps.firms.selectors import firm_schema_names_ready


@app.task(name="tests.report_schema")
def report_schema(marker: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        current = cursor.fetchone()[0]
    return {"schema_name": connection.schema_name, "current_schema": current, "marker": marker}


@pytest.fixture(scope="module")
def celery_worker(_two_firms, django_db_blocker):
    import celery.contrib.testing.tasks  # noqa: F401 - registers the ping task start_worker needs

    with django_db_blocker.unblock(), start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=True, shutdown_timeout=10
    ):
        yield


@pytest.mark.django_db(transaction=False)
def test_task_queued_in_firm_a_runs_in_firm_a(celery_worker, firm_a, firm_b):
    with schema_context(firm_a.firm.schema_name):
        result_a = report_schema.delay("a")
    with schema_context(firm_b.firm.schema_name):
        result_b = report_schema.delay("b")
    public = report_schema.delay("public")

    assert result_a.get(timeout=20) == {"schema_name": firm_a.firm.schema_name,
                                        "current_schema": firm_a.firm.schema_name,
                                        "marker": "a"}
    assert result_b.get(timeout=20)["current_schema"] == firm_b.firm.schema_name
    assert public.get(timeout=20)["current_schema"] == "public"


@pytest.mark.django_db(transaction=False)
def test_dispatcher_fans_out_to_every_ready_firm(celery_worker, firm_a, firm_b):
    queued_before = len(app.backend.client.keys("celery-task-meta-*"))

    # Every ready firm: the two test firms, and any other a test module made for itself.
    ready = set(firm_schema_names_ready())
    # A marker of this run only: results of earlier runs may still be in the backend.
    marker = f"fan-out-{uuid.uuid4().hex}"
    queued = for_each_firm("tests.report_schema", kwargs={"marker": marker})

    assert queued == len(ready) >= 2
    # Results land in the backend; wait for all and check the schemas they ran in.
    import time

    deadline = time.monotonic() + 20
    seen: set[str] = set()
    while time.monotonic() < deadline and len(seen) < len(ready):
        for key in app.backend.client.keys("celery-task-meta-*"):
            meta = app.backend.decode_result(app.backend.client.get(key))
            result = meta.get("result") or {}
            if isinstance(result, dict) and result.get("marker") == marker:
                seen.add(result["current_schema"])
        time.sleep(0.05)
    assert seen == ready >= {firm_a.firm.schema_name, firm_b.firm.schema_name}
    assert len(app.backend.client.keys("celery-task-meta-*")) >= queued_before + len(ready)
