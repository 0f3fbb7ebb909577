"""The API's filter backend (advisoros/api_filters.py) builds no FilterSet for a request
that names no filter, and filters exactly as django-filter does when one is named: the
right rows, and a 400 naming the parameter for a bad value."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.audit.api.views import AuditEventFilter
from apps.portal.api.filters import ClientFilter
from tests.portal.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(firm_a) -> Client:
    return firm_a.api_client(Role.OWNER, name="sync")


@pytest.fixture
def clients(firm_a) -> dict[str, int]:
    with schema_context(firm_a.firm.schema_name):
        return {"active": make_client(business_name="Active Co", status="active").pk,
                "onboarding": make_client(business_name="Onboarding Co", status="onboarding").pk}


@pytest.fixture
def filtersets_built(monkeypatch) -> list[str]:
    built: list[str] = []
    for filterset_class in (ClientFilter, AuditEventFilter):
        original = filterset_class.__init__

        def counting(self, *args, _original=original, **kwargs):
            built.append(type(self).__name__)
            _original(self, *args, **kwargs)

        monkeypatch.setattr(filterset_class, "__init__", counting)
    return built


def test_a_list_without_filter_parameters_builds_no_filterset(api, clients, filtersets_built):
    response = api.get("/api/v1/clients/", {"page_size": "50"})

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} >= set(clients.values())
    assert api.get("/api/v1/audit-events/").status_code == 200
    assert filtersets_built == []


def test_a_named_filter_filters(api, clients, filtersets_built):
    response = api.get("/api/v1/clients/", {"status": "onboarding"})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [clients["onboarding"]]
    assert filtersets_built == ["ClientFilter"]


def test_a_bad_filter_value_is_a_400_naming_the_parameter(api, clients):
    response = api.get("/api/v1/clients/", {"status": "bogus"})

    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    bad_date = api.get("/api/v1/audit-events/", {"since": "not a date"})
    assert bad_date.status_code == 400 and list(bad_date.json()) == ["since"]


def test_an_empty_filter_value_is_no_filter_as_before(api, clients):
    response = api.get("/api/v1/clients/", {"status": ""})

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} >= set(clients.values())
