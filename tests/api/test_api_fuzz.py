"""Fuzz every REST endpoint from its served OpenAPI schema (drf-spectacular) with
schemathesis: the examples, coverage and fuzzing phases, every check, no 5xx.

Firm endpoints are called at firm A's address with an API key holding all of the owner's
permissions; public endpoints anonymously. FUZZ_EXAMPLES bounds the fuzzing phase per
operation (default 15: the whole run stays within a few minutes on a 2-core CI machine;
raise it for a deeper run). A second test throws NUL bytes, huge strings, emoji and
right-to-left text at every query parameter and JSON field.
"""

from __future__ import annotations

import copy
import os
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from apps.accounts.roles import ROLE_PERMISSIONS, Role
from apps.security.api_keys import api_key_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
NASTY_VALUES = ["\x00", "a\x00b", "x" * 10_000, "💸🧾📈", "‮ةيبرع‭", "' OR 1=1 --", "-1",
                "9" * 40, "1e309", "../../etc/passwd", "%00", "null", "true", "[]", "{}"]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


def _document(urlconf: str) -> dict:
    """The schema as served at /api/schema/ for that URLconf (advisoros/urls_*.py)."""
    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


def _without_cursors(document: dict) -> dict:
    """Cursors are opaque tokens the API issued: no schema can describe which strings are
    valid, so the positive-data check would call every refusal a bug. The fuzzer leaves
    them out; the nasty-values test below and tests/portal cover malformed cursors."""
    document = copy.deepcopy(document)
    for methods in document["paths"].values():
        for operation in methods.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"]
                                           if p.get("name") != "cursor"]
    return document


# Strings our services answer when a body names an object that does not exist (a
# client, an engagement, an advisor, an invoice, a staff member): a schema cannot know
# which ids exist, so the positive-data check may not call that refusal a bug. Besides
# those, only business rules OpenAPI cannot state are excused: a range of dates (a
# `format: date` has no minimum) and a cap on a total summed over lines. Nothing else is.
MISSING_REFERENCE = re.compile(r"^(No such|This firm has no|This advisor is not available"
                               r"|Not a staff member of this firm"
                               r"|Use a date between \d{4} and \d{4}\."
                               r"|The invoice total cannot be more than )")


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    if getattr(failure, "code", "") != "ST202" or response.status_code != 400:
        return True
    try:
        errors = response.json()
    except Exception:  # not JSON: a real failure
        return True
    if not isinstance(errors, dict):
        return True
    messages = [message for value in errors.values()
                for message in (value if isinstance(value, list) else [value])]
    return not (messages and all(isinstance(m, str) and MISSING_REFERENCE.match(m)
                                 for m in messages))


TENANT_DOCUMENT = _document("advisoros.urls_tenant")
PUBLIC_DOCUMENT = _document("advisoros.urls_public")
TENANT_SCHEMA = schemathesis.openapi.from_dict(_without_cursors(TENANT_DOCUMENT))
PUBLIC_SCHEMA = schemathesis.openapi.from_dict(_without_cursors(PUBLIC_DOCUMENT))
# Every call, the checks' own follow-up requests included, goes to Django in this thread
# (inside the test's transaction), never over the network.
TENANT_SCHEMA.app = PUBLIC_SCHEMA.app = WSGIHandler()


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


TENANT_OPERATIONS = _operations(schemathesis.openapi.from_dict(TENANT_DOCUMENT))
PUBLIC_OPERATIONS = _operations(schemathesis.openapi.from_dict(PUBLIC_DOCUMENT))


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


def test_the_schemas_list_the_api():
    assert len(TENANT_OPERATIONS) >= 5
    assert len(PUBLIC_OPERATIONS) >= 1


@TENANT_SCHEMA.parametrize()
@FUZZ_SETTINGS
def test_fuzz_firm_endpoints(case, firm_a, owner_key, wsgi_app):
    # Every check schemathesis has (server errors, status codes, content types, headers,
    # response schemas, negative data rejected, positive data accepted, auth ignored...).
    case.call_and_validate(base_url="http://testserver",
                           headers={"Host": firm_a.host, "Authorization": f"Api-Key {owner_key}",
                                    "Accept-Encoding": "identity"})


@PUBLIC_SCHEMA.parametrize()
@FUZZ_SETTINGS
def test_fuzz_public_endpoints(case, wsgi_app):
    case.call_and_validate(base_url="http://testserver",
                           headers={"Host": "localhost", "Accept-Encoding": "identity"})


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
