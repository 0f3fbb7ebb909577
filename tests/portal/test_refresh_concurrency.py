"""REFRESH ... CONCURRENTLY while other connections keep writing: no error, no blocked
reader, and once the writes stop the view equals a live aggregation."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from apps.accounts.services import user_create
from apps.firms.services import firm_create, firm_delete
from apps.portal.metrics import (
    client_metrics_from_view,
    client_metrics_live,
    stored_documents_window,
)
from apps.portal.models import Client
from apps.portal.refresh import dashboard_refresh
from tests.portal.factories import make_client, make_document, make_task


@pytest.fixture
def committed_firm(django_db_setup, django_db_blocker):
    """A firm whose rows are committed, so other connections (the writers) see them."""
    with django_db_blocker.unblock():
        owner = user_create(email="owner@refresh-race.test", password=None, validate=False)
        firm = firm_create(name="Refresh Race", slug="refresh-race", owner=owner).firm
        with schema_context(firm.schema_name):
            client_ids = [make_client(business_name=f"Race {i}").pk for i in range(5)]
        connection.set_schema_to_public()
    yield firm, client_ids
    with django_db_blocker.unblock():
        firm_delete(firm=firm)
        owner.delete()
        connection.set_schema_to_public()


def _writer(firm, client_ids, stop: threading.Event, errors: list) -> None:
    try:
        with schema_context(firm.schema_name):
            n = 0
            while not stop.is_set():
                client = Client.objects.get(pk=client_ids[n % len(client_ids)])
                make_document(client)
                make_task(client)
                n += 1
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


def test_concurrent_refreshes_under_writes(committed_firm, django_db_blocker):
    firm, client_ids = committed_firm
    stop, errors = threading.Event(), []
    writers = [threading.Thread(target=_writer, args=(firm, client_ids, stop, errors))
               for _ in range(2)]
    with django_db_blocker.unblock(), schema_context(firm.schema_name):
        for thread in writers:
            thread.start()
        records = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            records.append(dashboard_refresh(concurrently=True))
        stop.set()
        for thread in writers:
            thread.join(timeout=30)
        final = dashboard_refresh(concurrently=True)
        live = client_metrics_live(client_ids, documents_since=stored_documents_window())
        from_view = {cid: client_metrics_from_view(cid) for cid in client_ids}

    assert errors == []
    assert len([r for r in records if r is not None]) >= 2
    assert final is not None and final.rows == len(client_ids)
    assert from_view == live
    assert sum(figures["documents_total"] for figures in live.values()) > 0
