"""Billing fixtures for tests that need several real connections at once (concurrency):
a firm whose rows are committed, dropped with its schema afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.services import user_create
from apps.firms.models import Firm
from apps.firms.services import firm_create, firm_delete


@pytest.fixture
def committed_firm(django_db_setup, django_db_blocker) -> Iterator[Firm]:
    """A firm of its own, committed, so other threads (each its own connection) see what
    the test makes in it; its schema (with its audit rows) is dropped afterwards."""
    with django_db_blocker.unblock():
        owner = user_create(email="owner@billing-race.test", password=None, validate=False)
        firm = firm_create(name="Billing Race", slug="billing-race", owner=owner).firm
        connection.set_schema_to_public()
    yield firm
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        firm_delete(firm=firm)
        owner.delete()
        connection.set_schema_to_public()


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def backends_waiting_on_locks(query_like: str = "%") -> int:
    """Other connections of this database now waiting for a lock (row or unique index)
    in a statement matching `query_like`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND pid <> pg_backend_pid() AND datname = current_database() "
                       "AND query LIKE %s", [query_like])
        return cursor.fetchone()[0]


def in_thread(firm: Firm, work: Callable[[], object], results: list, errors: list
              ) -> threading.Thread:
    """Run `work` on its own connection in `firm`'s schema; its result or exception is
    appended for the main thread to check."""
    def run() -> None:
        try:
            with schema_context(firm.schema_name):
                results.append(work())
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread
