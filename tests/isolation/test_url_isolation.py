"""Nothing tenant-scoped is reachable from another firm, route by route.

Enumerates every route of the firm URLconf and requests it (GET and POST) on firm A's
host as: nobody, an owner of firm B, and a client-side user of firm A where staff-only.
Routes that answer anyone by design (sign-in, password reset, health) are listed and
checked not to show firm data. A route added later is covered without touching this file.
"""

import pytest
from django.conf import settings

from apps.accounts.roles import Role
from tests.conftest import sign_in
from tests.isolation.routes import iter_routes

pytestmark = pytest.mark.django_db

# Pages that must answer before sign-in. They show the firm's name and nothing else.
OPEN_BY_DESIGN = {
    "accounts:login", "accounts:logout", "accounts:password_reset",
    "accounts:password_reset_done", "accounts:password_reset_confirm",
    "accounts:password_reset_complete", "health", "firm_admin:login", "firm_admin:logout",
    # The firm API's OpenAPI schema: the same document at every firm, no firm data.
    "api-schema",
}
DENIED = {302, 401, 403, 404, 405}

TENANT_ROUTES = list(iter_routes(settings.ROOT_URLCONF))
GUARDED_ROUTES = [r for r in TENANT_ROUTES if r.name not in OPEN_BY_DESIGN]


def _assert_denied(response, route, who: str) -> None:
    assert response.status_code in DENIED, (
        f"{route.name} ({route.template}) answered {response.status_code} to {who}")
    if response.status_code == 302:
        location = response.headers["Location"]
        assert "login" in location or "sign-in" in location, (
            f"{route.name} redirected {who} to {location}, not to sign-in")


def test_the_enumeration_finds_the_routes():
    names = {route.name for route in TENANT_ROUTES}

    assert {"home", "accounts:login", "firm_admin:index"} <= names
    assert len(GUARDED_ROUTES) >= 5


@pytest.mark.parametrize("route", GUARDED_ROUTES, ids=lambda r: r.name)
def test_anonymous_visitors_are_denied(firm_a, route):
    client = firm_a.client()
    path = route.path_for(firm_a)

    _assert_denied(client.get(path), route, "an anonymous visitor (GET)")
    _assert_denied(client.post(path, {}), route, "an anonymous visitor (POST)")


@pytest.mark.parametrize("route", GUARDED_ROUTES, ids=lambda r: r.name)
def test_another_firms_owner_is_denied(firm_a, firm_b, route):
    client = sign_in(firm_a.client(), firm_b.user(Role.OWNER))
    path = route.path_for(firm_a)

    _assert_denied(client.get(path), route, "the owner of another firm (GET)")
    _assert_denied(client.post(path, {}), route, "the owner of another firm (POST)")


@pytest.mark.parametrize("route", [r for r in TENANT_ROUTES if r.name in OPEN_BY_DESIGN],
                         ids=lambda r: r.name)
def test_open_pages_show_no_firm_data(firm_a, firm_b, route):
    client = sign_in(firm_a.client(), firm_b.user(Role.OWNER))

    response = client.get(route.path_for(firm_a))

    assert response.status_code < 500
    body = response.content.decode(errors="replace")
    for user in firm_a.users.values():
        assert user.email not in body


def test_positive_control_the_firms_own_owner_gets_in(firm_a):
    client = firm_a.client(Role.OWNER)

    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [Role.CLIENT_OWNER, Role.CLIENT_MEMBER, Role.STAFF_ACCOUNTANT])
def test_roles_without_admin_access_are_kept_out_of_the_firm_admin(firm_a, role):
    response = firm_a.client(role).get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]
