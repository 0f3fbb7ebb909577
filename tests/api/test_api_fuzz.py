"""Fuzz every REST endpoint from its OpenAPI schema (drf-spectacular) with schemathesis.

Each operation gets a bounded number of generated requests (FUZZ_EXAMPLES, default 15):
no 5xx, and documented responses match the schema. Firm endpoints are called at firm A's
address with an API key holding all of the owner's permissions; public endpoints
anonymously. A second test throws NUL bytes, huge strings, emoji and right-to-left text
at every query parameter and JSON field.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from apps.accounts.roles import ROLE_PERMISSIONS, Role
from apps.security.api_keys import api_key_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
NASTY_VALUES = ["\x00", "a\x00b", "x" * 10_000, "💸🧾📈", "‮ةيبرع‭", "' OR 1=1 --", "-1",
                "9" * 40, "1e309", "../../etc/passwd", "%00", "null", "true", "[]", "{}"]


def _schema(urlconf: str):
    document = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(document)


TENANT_SCHEMA = _schema("advisoros.urls_tenant")
PUBLIC_SCHEMA = _schema("advisoros.urls_public")


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


TENANT_OPERATIONS = _operations(TENANT_SCHEMA)
PUBLIC_OPERATIONS = _operations(PUBLIC_SCHEMA)


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler in this thread, inside the test's transaction: the signals
    that close "obsolete" connections would end that transaction, as the test client
    knows, so they are off while fuzzing."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner_key(firm_a):
    from django.db import connection

    from tests.portal.factories import make_client, make_engagement, make_task

    connection.set_tenant(firm_a.firm)
    client = make_client()
    make_task(client, engagement=make_engagement(client))
    connection.set_schema_to_public()
    created = api_key_create(firm=firm_a.firm, created_by=firm_a.user(Role.OWNER),
                             name="fuzzer", scopes=sorted(ROLE_PERMISSIONS[Role.OWNER]),
                             expires_in_days=1)
    return created.plaintext


def _fuzz(operation, app, headers: dict[str, str]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(app=app, base_url="http://testserver", headers=headers)
        case.validate_response(response, checks=[not_a_server_error,
                                                 response_schema_conformance])

    run()


def test_the_schemas_list_the_api():
    assert len(TENANT_OPERATIONS) >= 5
    assert len(PUBLIC_OPERATIONS) >= 1


@pytest.mark.parametrize("operation", TENANT_OPERATIONS, ids=lambda op: op.label)
def test_fuzz_firm_endpoints(operation, firm_a, owner_key, wsgi_app):
    _fuzz(operation, wsgi_app, {"Host": firm_a.host, "Authorization": f"Api-Key {owner_key}",
                                "Accept-Encoding": "identity"})


@pytest.mark.parametrize("operation", PUBLIC_OPERATIONS, ids=lambda op: op.label)
def test_fuzz_public_endpoints(operation, wsgi_app):
    _fuzz(operation, wsgi_app, {"Host": "localhost", "Accept-Encoding": "identity"})


def _parameters(operation, location: str) -> list[str]:
    return [param.name for param in operation.iter_parameters() if param.location == location]


@pytest.mark.parametrize("operation", TENANT_OPERATIONS, ids=lambda op: op.label)
def test_nasty_values_in_every_filter_and_field_get_4xx_never_5xx(operation, firm_a, owner_key):
    from django.test import Client

    client = Client(HTTP_HOST=firm_a.host, HTTP_AUTHORIZATION=f"Api-Key {owner_key}")
    path = operation.path
    for name in _parameters(operation, "path"):
        path = path.replace("{" + name + "}", "1")
    method = operation.method.lower()
    for name in _parameters(operation, "query"):
        for value in NASTY_VALUES:
            response = getattr(client, method)(path, {name: value}) if method == "get" else \
                getattr(client, method)(f"{path}?{name}=x", content_type="application/json")
            assert response.status_code < 500, (operation.label, name, repr(value)[:40])
            if "\x00" in value:
                assert response.status_code >= 400, (operation.label, name, "NUL accepted")
    if method in ("post", "put", "patch"):
        for value in [*NASTY_VALUES, "y" * 10_000_000]:
            response = getattr(client, method)(path, {"anything": value, "name": value},
                                               content_type="application/json")
            assert response.status_code < 500, (operation.label, repr(value)[:40])
