"""Personal responses (signed in, API key, cookies) are never stored by shared caches or
the browser: `Cache-Control: private, no-store`, set centrally by
advisoros.middleware.PrivateCacheControlMiddleware."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from advisoros.middleware import PrivateCacheControlMiddleware
from apps.accounts.roles import Perm, Role
from tests.billing.factories import sent_invoice
from tests.portal.factories import give_access, make_client

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def _assert_private(response, what: str) -> None:
    assert response.status_code == 200, (what, response.status_code)
    directives = _directives(response)
    assert {"private", "no-store"} <= directives, (what, response.get("Cache-Control"))
    assert "public" not in directives and not any(d.startswith("max-age=") and d != "max-age=0"
                                                  for d in directives), what


@pytest.fixture
def samples(firm_a):
    connection.set_tenant(firm_a.firm)
    client = make_client(business_name="Cache Test Co")
    invoice = sent_invoice(client)
    give_access(firm_a.user(Role.CLIENT_OWNER), client)
    connection.set_schema_to_public()
    return client, invoice


def test_staff_pages_csv_exports_and_invoice_pdfs_are_private(firm_a, samples):
    client, invoice = samples
    staff = firm_a.client(Role.OWNER)

    for path in (f"/staff/clients/{client.pk}/", "/staff/clients/",
                 "/staff/billing/reports/aging.csv", "/security/audit/export.csv",
                 f"/staff/billing/invoices/{invoice.pk}/pdf/", "/api/v1/clients/",
                 "/accounts/security/"):
        _assert_private(staff.get(path), path)


def test_portal_pages_and_the_clients_invoice_pdf_are_private(firm_a, samples):
    client, invoice = samples
    portal = firm_a.client(Role.CLIENT_OWNER)

    for path in (f"/portal/{client.pk}/", f"/portal/{client.pk}/invoices/",
                 f"/portal/{client.pk}/invoices/{invoice.pk}/pdf/"):
        _assert_private(portal.get(path), path)


def test_api_key_responses_are_private(firm_a):
    response = firm_a.api_client(Role.OWNER, scopes=[Perm.CLIENTS_VIEW],
                                 name="Cache test").get("/api/v1/clients/")

    _assert_private(response, "API key read")


def test_a_page_that_sets_a_cookie_is_private(public_client):
    # A form page sets the CSRF cookie: the page belongs to this browser only.
    _assert_private(public_client.get("/accounts/password-reset/"), "password reset form")


def _through_middleware(request, response: HttpResponse) -> HttpResponse:
    return PrivateCacheControlMiddleware(lambda _: response)(request)


def test_a_lifetime_set_by_a_view_is_dropped_for_signed_in_users(firm_a):
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Api-Key x")
    given = HttpResponse("hi")
    given["Cache-Control"] = "max-age=300"
    given["Expires"] = "Wed, 01 Jan 2031 00:00:00 GMT"

    response = _through_middleware(request, given)

    assert _directives(response) == {"private", "no-store"}
    assert "Expires" not in response


def test_anonymous_responses_and_declared_public_ones_are_left_alone():
    anonymous = RequestFactory().get("/")
    declared = HttpResponse("shared")
    declared["Cache-Control"] = "public, max-age=60"
    signed_in = RequestFactory().get("/", HTTP_AUTHORIZATION="Api-Key x")

    assert "Cache-Control" not in _through_middleware(anonymous, HttpResponse("hi"))
    assert _through_middleware(signed_in, declared)["Cache-Control"] == "public, max-age=60"
