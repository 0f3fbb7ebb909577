"""Races that need committed data and several connections: two workers refreshing one
company's token at once. Committed rows in firm A, removed afterwards."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.integrations.models import QuickBooksConnection
from apps.integrations.quickbooks import tokens
from apps.integrations.realms.models import QuickBooksRealm
from apps.portal.models import Client
from tests.integrations.conftest import authorize, new_realm


def in_thread(target) -> None:
    """Run `target` on a connection of its own (this test's connection holds a transaction
    that is rolled back; the rows here are committed)."""
    errors: list[BaseException] = []

    def run():
        try:
            target()
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert errors == []


@pytest.mark.django_db
def test_two_workers_refreshing_at_once_rotate_the_token_once(_two_firms, qbo,
                                                              django_db_blocker):
    firm = _two_firms[0].firm
    realm = new_realm(qbo)
    answer = authorize(qbo, realm, "http://localhost/cb", "s")
    made: dict = {}

    def setup():
        connection.set_tenant(firm)
        client = Client.objects.create(business_name="Token race")
        token_set = tokens.code_exchange(code=answer["code"], redirect_uri="http://localhost/cb")
        conn = QuickBooksConnection.objects.create(client=client, realm_id=realm)
        tokens.tokens_store(conn, token_set)
        made.update(connection_id=conn.pk, client_id=client.pk, old=token_set.access_token)

    results: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def refresh():
        try:
            connection.set_tenant(firm)
            start.wait(timeout=10)
            results.append(tokens.access_token_get(connection_id=made["connection_id"],
                                                   force_refresh=True,
                                                   rejected_token=made["old"]))
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        in_thread(setup)
        workers = [threading.Thread(target=refresh) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        stored: dict = {}

        def read_and_clean_up():
            connection.set_tenant(firm)
            conn = QuickBooksConnection.objects.get(pk=made["connection_id"])
            stored.update(refresh=conn.refresh_token.reveal(), status=conn.status)
            QuickBooksConnection.objects.filter(pk=conn.pk).delete()
            Client.objects.filter(pk=made["client_id"]).delete()
            QuickBooksRealm.objects.filter(realm_id=realm).delete()

        in_thread(read_and_clean_up)

    assert failures == []
    assert len(results) == 2 and results[0] == results[1] != made["old"]
    # One rotation: the token we kept is the one QuickBooks still accepts.
    valid = [token for token, owner in qbo.state.refresh.items() if owner == realm]
    assert valid == [stored["refresh"]] and stored["status"] == "connected"
