"""The fake QuickBooks server (one per test session, on a free port) with every QuickBooks
address pointed at it, a client of firm A, and a connection made through real OAuth."""

from __future__ import annotations

import json
import random
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection

from apps.integrations.fake_quickbooks.server import FakeQuickBooksServer, start_in_thread
from apps.integrations.models import QuickBooksConnection
from apps.integrations.quickbooks import tokens
from apps.integrations.services import quickbooks_connection_save
from apps.portal.models import Client


@pytest.fixture(scope="session")
def fake_qbo() -> Iterator[FakeQuickBooksServer]:
    server = start_in_thread(default_transactions=300)
    yield server
    server.shutdown()


@pytest.fixture
def qbo(fake_qbo, settings) -> FakeQuickBooksServer:
    base = fake_qbo.base_url
    settings.QUICKBOOKS_API_BASE = base
    settings.QUICKBOOKS_AUTHORIZE_URL = base + "/connect/oauth2"
    settings.QUICKBOOKS_TOKEN_URL = base + "/oauth2/v1/tokens/bearer"
    settings.QUICKBOOKS_REVOKE_URL = base + "/v2/oauth2/tokens/revoke"
    settings.QUICKBOOKS_CLIENT_ID = "advisoros-dev"
    settings.QUICKBOOKS_CLIENT_SECRET = "dev-secret"
    fake_qbo.latency = 0.0
    return fake_qbo


def control(server: FakeQuickBooksServer, action: str, **body) -> dict:
    request = urllib.request.Request(f"{server.base_url}/_control/{action}",
                                     data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def stats(server: FakeQuickBooksServer, realm: str) -> dict:
    with urllib.request.urlopen(
            f"{server.base_url}/_control/stats?realm={realm}", timeout=10) as response:
        return json.loads(response.read())


# Random per session: breaker and limiter state in Redis outlives a test run.
_realm_counter = iter(range(random.randrange(10**15, 9 * 10**15), 10**16))


def new_realm(server: FakeQuickBooksServer, *, transactions: int = 300) -> str:
    realm = str(next(_realm_counter))
    control(server, "company", realm=realm, transactions=transactions)
    return realm


def authorize(server: FakeQuickBooksServer, realm: str, redirect_uri: str, state: str) -> dict:
    """What the browser would do at Intuit: sign in, pick the company, consent."""
    url = tokens.authorize_url(state=state, redirect_uri=redirect_uri) + f"&realm_id={realm}"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        location = answer.headers["Location"]
    query = parse_qs(urlparse(location).query)
    return {key: values[0] for key, values in query.items()}


@pytest.fixture
def books_client(in_firm_a) -> Client:
    return Client.objects.create(business_name="Ledgerly Software Inc.")


def connect(server: FakeQuickBooksServer, client: Client, *, transactions: int = 300,
            actor=None) -> QuickBooksConnection:
    """A connection made the way the callback makes one (code exchange included)."""
    realm = new_realm(server, transactions=transactions)
    answer = authorize(server, realm, "http://localhost/cb", "state")
    token_set = tokens.code_exchange(code=answer["code"], redirect_uri="http://localhost/cb")
    return quickbooks_connection_save(client=client, realm_id=realm, token_set=token_set,
                                      actor=actor)


def schema() -> str:
    return connection.schema_name
