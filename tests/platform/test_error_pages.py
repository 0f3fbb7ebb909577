"""The product's own error pages, in development (DEBUG on) and production, on firm,
public and unknown hosts; static files and the favicon answer before firm routing; the
empty commission ledger."""

import pytest
from django.test import Client

from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db

NOT_FOUND = b"We could not find that page"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("debug", [True, False], ids=["development", "production"])
def test_a_missing_page_is_the_products_404_on_firm_and_public_hosts(firm_a, settings, debug):
    settings.DEBUG = debug

    signed_in = firm_a.client(Role.PARTNER).get("/no-such-page/")
    public = Client(HTTP_HOST="localhost").get("/no-such-page/")

    for response in (signed_in, public):
        assert response.status_code == 404
        assert NOT_FOUND in response.content
        assert b"DEBUG = True" not in response.content and b"URLconf" not in response.content
        assert b"css/app.css" in response.content
    # The signed-in header, like any other page of the firm.
    assert firm_a.firm.name.encode() in signed_in.content
    assert b"Sign out" in signed_in.content


@pytest.mark.parametrize("debug", [True, False], ids=["development", "production"])
def test_a_missing_object_in_a_view_is_the_products_404(firm_a, settings, debug):
    settings.DEBUG = debug

    response = firm_a.client(Role.PARTNER).get("/staff/clients/987654321/")

    assert response.status_code == 404
    assert NOT_FOUND in response.content


@pytest.mark.parametrize("debug", [True, False], ids=["development", "production"])
def test_a_refused_page_is_the_products_403(firm_a, settings, debug):
    settings.DEBUG = debug

    response = firm_a.client(Role.CLIENT_MEMBER).get("/security/audit/")

    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content
    assert b"css/app.css" in response.content


def test_the_500_page_is_styled_and_standalone(rf):
    from advisoros.errors import server_error

    request = rf.get("/staff/clients/", HTTP_HOST="localhost")
    response = server_error(request)

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"css/app.css" in response.content and b"favicon.svg" in response.content


@pytest.mark.parametrize("host", ["no-such-firm.localhost", "localhost"])
def test_static_files_answer_before_firm_routing(firm_a, host):
    """The unknown-firm page links the stylesheet from its own (unknown) host: it must load
    there, or the page shows unstyled."""
    client = Client(HTTP_HOST=host)

    page = client.get("/")
    stylesheet = client.get("/static/css/app.css")

    assert stylesheet.status_code == 200
    assert stylesheet["Content-Type"].startswith("text/css")
    assert b"--brand" in _body(stylesheet)
    if host != "localhost":
        assert page.status_code == 404 and b"There is no firm at" in page.content
        assert b"/static/css/app.css" in page.content


@pytest.mark.parametrize("host", ["firm", "localhost", "no-such-firm.localhost"])
def test_the_favicon_is_answered_on_every_host(firm_a, host):
    client = Client(HTTP_HOST=firm_a.host if host == "firm" else host)

    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert _body(response)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_links_the_favicon(firm_a):
    page = firm_a.client(Role.PARTNER).get("/")

    assert b'rel="icon"' in page.content and b"favicon.svg" in page.content
    assert Client(HTTP_HOST=firm_a.host).get("/static/favicon.svg").status_code == 200


def test_an_empty_commission_ledger_says_what_fills_it(django_user_model):
    from django.conf import settings

    from tests.conftest import sign_in

    staff = django_user_model.objects.create_user(email="ops-empty@platform.test",
                                                  password=None, is_staff=True)
    client = sign_in(Client(HTTP_HOST=settings.BASE_DOMAIN), staff)

    everything = client.get("/billing/ledger/")
    filtered = client.get("/billing/ledger/?payout_status=paid")

    assert everything.status_code == 200
    assert b"No commissions yet" in everything.content
    assert b'href="/marketplace/"' in everything.content
    assert b"No entries match these filters" in filtered.content
