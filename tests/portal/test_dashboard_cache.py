"""Stale-while-revalidate reads of client dashboards, and a client's own change showing
on their next page load."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.billing.payments import payment_record
from apps.documents.models import Document
from apps.documents.services import document_upload
from apps.portal.dashboard import (
    FRESH_SECONDS,
    STALE_SECONDS,
    client_cache_key,
    client_dashboard_get,
)
from apps.portal.refresh import dashboard_refresh
from tests.eager import tasks_inline
from tests.portal.factories import make_client, make_document, make_invoice

pytestmark = pytest.mark.django_db


def age_entry(client_id: int, seconds: float) -> None:
    versions, entry = cache.get(client_cache_key(client_id))  # a tagged entry
    cache.set(client_cache_key(client_id),
              (versions, dataclasses.replace(entry, cached_at=entry.cached_at - seconds)),
              STALE_SECONDS)


@pytest.fixture
def eager_celery():
    with tasks_inline(propagate=False):
        yield


def test_a_fresh_entry_is_served_from_redis_without_a_query(in_firm_a,
                                                            django_assert_num_queries):
    client = make_client()
    make_document(client)
    dashboard_refresh()
    first = client_dashboard_get(client.pk)

    with django_assert_num_queries(0):
        again = client_dashboard_get(client.pk)

    assert again == first
    assert first.source == "view" and first.figures["documents_total"] == 1


def test_a_stale_entry_is_served_at_once_and_refilled_in_the_background(in_firm_a,
                                                                        eager_celery):
    client = make_client()
    dashboard_refresh()
    stale = client_dashboard_get(client.pk)
    # A row the cache was not told about (a bulk insert sends no signal): only the view's
    # next refresh knows it.
    Document.objects.bulk_create([Document(client=client, file_name="bulk.pdf",
                                           size_bytes=1000)])
    dashboard_refresh()
    age_entry(client.pk, FRESH_SECONDS + 10)

    served = client_dashboard_get(client.pk)

    # The reader got the old figures immediately; the background task stored new ones.
    assert served.figures["documents_total"] == stale.figures["documents_total"] == 0
    assert cache.get(client_cache_key(client.pk))[1].figures["documents_total"] == 1


def test_an_entry_past_five_minutes_is_recomputed_in_the_request(in_firm_a):
    client = make_client()
    dashboard_refresh()
    client_dashboard_get(client.pk)
    make_document(client)
    dashboard_refresh()
    age_entry(client.pk, STALE_SECONDS + 1)

    assert client_dashboard_get(client.pk).figures["documents_total"] == 1


def test_a_clients_upload_shows_on_their_next_load_before_any_refresh(
        in_firm_a, django_capture_on_commit_callbacks):
    client = make_client()
    dashboard_refresh()
    assert client_dashboard_get(client.pk).figures["documents_total"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        document_upload(client=client, file=SimpleUploadedFile("w2.pdf", b"%PDF-1.4 data"),
                        category="tax_return", uploaded_by_id=None)
    after = client_dashboard_get(client.pk)

    assert after.source == "live"
    assert after.figures["documents_total"] == 1
    assert after.figures["documents_last_30_days"] == 1

    # Once the view has caught up, reads go back to it with the same figures.
    time.sleep(0.01)
    with django_capture_on_commit_callbacks(execute=True):
        dashboard_refresh()
    cache.delete(client_cache_key(client.pk))
    caught_up = client_dashboard_get(client.pk)
    assert caught_up.source == "view"
    assert caught_up.figures == after.figures


def test_a_payment_shows_on_the_next_load(in_firm_a, django_capture_on_commit_callbacks):
    client = make_client()
    invoice = make_invoice(client, total="300.00")
    dashboard_refresh()
    assert client_dashboard_get(client.pk).figures["outstanding_balance"] == Decimal("300.00")

    with django_capture_on_commit_callbacks(execute=True):
        payment_record(invoice=invoice, amount=Decimal("300.00"), method="ach")
    figures = client_dashboard_get(client.pk).figures

    assert figures["outstanding_balance"] == Decimal("0.00")
    assert figures["revenue_paid"] == Decimal("300.00")
    assert figures["invoices_open"] == 0


def test_a_client_new_since_the_last_refresh_is_aggregated_live(in_firm_a):
    dashboard_refresh()
    client = make_client()
    make_document(client)

    entry = client_dashboard_get(client.pk)

    assert entry.source == "live" and entry.figures["documents_total"] == 1


def _key_api(world):
    from apps.accounts.roles import Perm, Role

    return world.api_client(Role.ADMIN, scopes=[Perm.CLIENTS_VIEW], name="Dashboards",
                            expires_in_days=30)


def test_a_cached_dashboard_read_with_an_api_key_runs_no_query(in_firm_a,
                                                               django_assert_num_queries):
    from django.db import connection

    client = make_client()
    make_document(client)
    dashboard_refresh()
    connection.set_schema_to_public()
    api = _key_api(in_firm_a)
    url = f"/api/v1/clients/{client.pk}/dashboard/"
    first = api.get(url)
    assert first.status_code == 200, first.content

    with django_assert_num_queries(0):
        again = api.get(url)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["documents_total"] == 1


def test_an_archived_clients_cached_dashboard_is_not_served(
        in_firm_a, django_capture_on_commit_callbacks):
    from django.db import connection

    from apps.portal.services import client_archive

    client = make_client()
    dashboard_refresh()
    connection.set_schema_to_public()
    api = _key_api(in_firm_a)
    url = f"/api/v1/clients/{client.pk}/dashboard/"
    assert api.get(url).status_code == 200  # cached now

    connection.set_tenant(in_firm_a.firm)
    with django_capture_on_commit_callbacks(execute=True):
        client_archive(client=client)
    connection.set_schema_to_public()

    assert api.get(url).status_code == 404


def test_a_background_refill_for_an_archived_client_stores_nothing(in_firm_a):
    from apps.portal.dashboard import client_dashboard_cached, client_dashboard_fill
    from apps.portal.services import client_archive

    client = make_client()
    dashboard_refresh()
    client_archive(client=client)

    assert client_dashboard_fill(client.pk) is None
    assert client_dashboard_cached(client.pk) is None



def test_a_dashboard_miss_with_an_api_key_is_one_statement(in_firm_a, django_assert_num_queries):
    """Issue 13: on a miss the client's existence and its view row are read together."""
    from django.db import connection

    from apps.portal.metrics import client_metrics_from_view

    warm_up, client = make_client(), make_client()
    make_document(client)
    make_invoice(client, total="250.00")
    dashboard_refresh()
    in_view = client_metrics_from_view(client.pk)
    connection.set_schema_to_public()
    api = _key_api(in_firm_a)
    assert api.get(f"/api/v1/clients/{warm_up.pk}/dashboard/").status_code == 200

    with django_assert_num_queries(1):
        answer = api.get(f"/api/v1/clients/{client.pk}/dashboard/")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["source"] == "view"
    assert body["documents_total"] == in_view["documents_total"] == 1
    assert body["invoices_total"] == in_view["invoices_total"] == 1
    assert Decimal(body["outstanding_balance"]) == in_view["outstanding_balance"]


def test_a_dashboard_miss_for_a_deleted_or_unknown_client_is_404_and_stores_nothing(
        in_firm_a, django_capture_on_commit_callbacks):
    from django.db import connection

    from apps.portal.dashboard import client_dashboard_cached
    from apps.portal.services import client_archive

    archived = make_client()
    dashboard_refresh()  # the view still has a row for it
    with django_capture_on_commit_callbacks(execute=True):
        client_archive(client=archived)
    connection.set_schema_to_public()
    api = _key_api(in_firm_a)

    assert api.get(f"/api/v1/clients/{archived.pk}/dashboard/").status_code == 404
    assert api.get(f"/api/v1/clients/{archived.pk + 10_000}/dashboard/").status_code == 404

    connection.set_tenant(in_firm_a.firm)
    assert client_dashboard_cached(archived.pk) is None


def test_a_dashboard_miss_after_the_clients_own_change_is_aggregated_live(
        in_firm_a, django_capture_on_commit_callbacks):
    from django.db import connection

    client = make_client()
    dashboard_refresh()
    with django_capture_on_commit_callbacks(execute=True):
        document_upload(client=client, file=SimpleUploadedFile("w2.pdf", b"%PDF-1.4 data"),
                        category="tax_return", uploaded_by_id=None)
    connection.set_schema_to_public()

    body = _key_api(in_firm_a).get(f"/api/v1/clients/{client.pk}/dashboard/").json()

    assert body["source"] == "live"
    assert body["documents_total"] == 1
