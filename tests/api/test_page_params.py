"""Every date, number and choice parameter of the pages (list filters, pagination,
reports, search) answers bad input with a form error or a 400, never a 500: the same
hostile values the API fuzzing uses, plus the calendar's edges."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.roles import Role
from tests.conftest import sign_in
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "a\x00b", "x" * 5000, "💸", "-1", "0", "9" * 40, "1e309", "NaN", "[]",
           "0001-01-01", "9999-12-31", "10000-01-01", "2020-02-30", "2020-01-01T00:00:00-17:00",
           "2020-01-01T00:00:00+23:59"]

# path -> query parameters it reads (staff pages, as the firm's owner)
STAFF_PAGES = {
    "/staff/clients/": ["q", "status", "industry", "assigned_staff", "sort", "page"],
    "/staff/billing/invoices/": ["status", "client", "page"],
    "/staff/billing/reports/": ["as_of", "start", "end", "page"],
    "/staff/billing/reports/aging.csv": ["as_of", "start", "end"],
    "/security/audit/": ["action", "actor", "since", "until", "page"],
    "/security/audit/export.csv": ["action", "actor", "since", "until"],
    "/documents/": ["q", "category", "doc_type", "status", "client", "tax_year", "page"],
    "/documents/status/": ["ids"],
}
PORTAL_PAGES = ["/portal/{client}/documents/", "/portal/{client}/tasks/",
                "/portal/{client}/invoices/", "/portal/{client}/documents/upload/"]
PUBLIC_PAGES = {
    "/marketplace/": ["industries", "services", "min_rating", "max_rate", "available",
                      "verified", "q", "sort", "page_size", "cursor"],
    "/marketplace/match/": ["industries", "required_services", "budget", "company_size",
                            "needs"],
}


def _probe(client: Client, path: str, names: list[str]) -> list[str]:
    failures = []
    for name in names:
        for value in HOSTILE:
            response = client.get(path, {name: value})
            if response.status_code >= 500:
                failures.append(f"{path}?{name}={value[:30]!r}: {response.status_code}")
    return failures


def test_staff_pages_refuse_bad_parameters_without_a_500(firm_a):
    client = firm_a.client(Role.OWNER)

    failures = [f for path, names in STAFF_PAGES.items() for f in _probe(client, path, names)]

    assert failures == []


def test_an_end_date_at_the_end_of_the_calendar_is_a_form_error(firm_a):
    client = firm_a.client(Role.OWNER)

    page = client.get("/security/audit/", {"until": "9999-12-31"})
    export = client.get("/security/audit/export.csv", {"until": "9999-12-31"})

    assert page.status_code == 400
    assert page.context["form"].errors["until"]
    assert export.status_code == 400


def test_portal_pages_refuse_bad_parameters_without_a_500(firm_a):
    connection.set_tenant(firm_a.firm)
    own = make_client()
    user = firm_a.user(Role.CLIENT_OWNER)
    give_access(user, own)
    connection.set_schema_to_public()
    client = sign_in(firm_a.client(), user)

    failures = [f for template in PORTAL_PAGES
                for f in _probe(client, template.format(client=own.pk),
                                ["page", "item", "batch"])]

    assert failures == []


def test_public_pages_refuse_bad_parameters_without_a_500(public_client):
    failures = [f for path, names in PUBLIC_PAGES.items()
                for f in _probe(public_client, path, names)]

    assert failures == []
