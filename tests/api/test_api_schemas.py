"""Each API's OpenAPI schema is served where the API lives: the public (marketplace) API's
on the bare domain, the firm API's on every firm host, so integrators and fuzzers find
them. API keys get a clear 403 where an endpoint needs a person."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.marketplace.api.views import API_KEY_CANNOT_REQUEST
from apps.marketplace.models import MarketplaceEngagement

pytestmark = pytest.mark.django_db


def _paths(response) -> set[str]:
    assert response.status_code == 200
    return set(response.json()["paths"])


def test_the_bare_domain_serves_the_public_api_schema(public_client):
    paths = _paths(public_client.get("/api/schema/", {"format": "json"}))

    assert {"/api/v1/marketplace/advisors/", "/api/v1/marketplace/advisors/{id}/",
            "/api/v1/marketplace/match/"} <= paths
    assert not any(path.startswith(("/api/v1/clients", "/api/v1/billing")) for path in paths)


def test_a_firm_host_serves_the_firm_api_schema_to_anyone(firm_a, firm_b):
    for client in (firm_a.client(), Client(HTTP_HOST=firm_b.host)):
        paths = _paths(client.get("/api/schema/", {"format": "json"}))

        assert {"/api/v1/clients/", "/api/v1/audit-events/",
                "/api/v1/marketplace/engagements/", "/api/v1/billing/invoices/"} <= paths
        assert "/api/v1/marketplace/match/" not in paths


def test_an_api_key_requesting_an_advisor_gets_a_clear_403(firm_a):
    client = firm_a.api_client(Role.OWNER, name="integration")
    before = MarketplaceEngagement.objects.count()

    response = client.post("/api/v1/marketplace/engagements/",
                           {"advisor": 1, "client_id": 1, "agreed_rate": "100.00"},
                           content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {"detail": API_KEY_CANNOT_REQUEST}
    assert MarketplaceEngagement.objects.count() == before
    # Listing stays open to keys with the permission.
    assert client.get("/api/v1/marketplace/engagements/").status_code == 200


def test_the_firm_schema_documents_the_403_for_keys(firm_a):
    schema = firm_a.client().get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/marketplace/engagements/"]["post"]

    assert "403" in post["responses"]
    assert "API keys" in post["responses"]["403"]["description"]


def _parameter(document: dict, path: str, name: str) -> dict:
    return next(p["schema"] for p in document["paths"][path]["get"]["parameters"]
                if p["name"] == name)


def test_every_choice_in_the_firm_schema_says_what_its_codes_mean(firm_a):
    document = firm_a.client().get("/api/schema/", {"format": "json"}).json()
    components = document["components"]["schemas"]

    invoice_status = components["InvoiceStatusEnum"]
    client_status_filter = _parameter(document, "/api/v1/clients/", "status")
    task_priority = components["TaskPriorityEnum"]

    assert dict(zip(invoice_status["enum"], invoice_status["x-enum-descriptions"],
                    strict=True))["partially_paid"] == "Partially paid"
    assert components["ClientOutput"]["properties"]["status"]["$ref"].endswith(
        "/ClientStatusEnum")
    assert "* `onboarding` - Onboarding" in client_status_filter["description"]
    assert dict(zip(task_priority["enum"], task_priority["x-enum-descriptions"],
                    strict=True))[4] == "Urgent"
    assert "`cfo_advisory` - CFO advisory" in _parameter(
        document, "/api/v1/engagements/", "type")["description"]


def test_every_choice_in_the_public_schema_says_what_its_codes_mean(public_client):
    document = public_client.get("/api/schema/", {"format": "json"}).json()

    industries = _parameter(document, "/api/v1/marketplace/advisors/", "industries")
    sort = _parameter(document, "/api/v1/marketplace/advisors/", "sort")

    assert "* `saas` - SaaS and software" in industries["description"]
    assert dict(zip(sort["enum"], sort["x-enum-descriptions"], strict=True))["price"] == \
        "Lowest hourly rate"
