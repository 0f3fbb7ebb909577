"""Every route of the public site (the bare domain) is classified; the classification is
enforced. A new public route that is not listed here fails the first test."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from apps.accounts.roles import Role
from tests.conftest import sign_in
from tests.isolation.routes import iter_routes

pytestmark = pytest.mark.django_db

OPEN = "open to anyone"
SIGNED_IN = "needs a signed-in person"
PLATFORM_STAFF = "needs platform staff"

CLASSIFIED = [
    (r"^home$", OPEN),
    (r"^accounts:(login|logout|password_reset\w*)$", OPEN),
    (r"^security:\w+$", SIGNED_IN),
    (r"^health$", OPEN),
    (r"^api-schema$", OPEN),
    (r"^metrics$", PLATFORM_STAFF),
    (r"^observability:\w+$", PLATFORM_STAFF),
    (r"^platform_admin:(login|logout)$", OPEN),
    (r"^(platform_admin:\w+|admin/.*)$", PLATFORM_STAFF),
    (r"^marketplace:(search|advisor|match)$", OPEN),  # clients find advisors before signing up
    (r"^marketplace_api:(advisor-list|advisor-detail|match)$", OPEN),
    (r"^marketplace:(profile|payout|inbox|inbox-action)$", SIGNED_IN),
    (r"^marketplace_api:my-engagement-action$", SIGNED_IN),
    (r"^ledger:payouts$", SIGNED_IN),  # an advisor's own payouts
    (r"^ledger:(platform_ledger|mark_paid)$", PLATFORM_STAFF),
    # QuickBooks' OAuth redirect (only bounces a state we signed to its firm's host, which
    # checks it) and Intuit's webhook (refused unless signed with the verifier token).
    (r"^integrations_public:(quickbooks_callback|quickbooks_webhook)$", OPEN),
]
PUBLIC_ROUTES = list(iter_routes(settings.PUBLIC_SCHEMA_URLCONF))


def classify(name: str) -> str | None:
    for pattern, kind in CLASSIFIED:
        if re.match(pattern, name):
            return kind
    return None


def test_every_public_route_is_classified():
    unclassified = [route.name for route in PUBLIC_ROUTES if classify(route.name) is None]

    assert unclassified == [], f"classify these public routes in {__file__}: {unclassified}"


def _denied(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and ("login" in location or "sign-in" in location)


@pytest.mark.parametrize("route", [r for r in PUBLIC_ROUTES if classify(r.name) != OPEN],
                         ids=lambda r: r.name)
def test_anonymous_visitors_are_kept_out(route):
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    path = route.path_for(None)

    assert _denied(client.get(path)), f"GET {path} let an anonymous visitor in"
    assert _denied(client.post(path, {})), f"POST {path} let an anonymous visitor in"


@pytest.mark.parametrize("route", [r for r in PUBLIC_ROUTES if classify(r.name) == PLATFORM_STAFF],
                         ids=lambda r: r.name)
def test_firm_owners_are_not_platform_staff(route, firm_a):
    client = sign_in(Client(HTTP_HOST=settings.BASE_DOMAIN), firm_a.user(Role.OWNER))
    path = route.path_for(None)

    assert _denied(client.get(path)), f"GET {path} let a firm owner in"
