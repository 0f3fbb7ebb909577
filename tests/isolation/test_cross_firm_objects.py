"""Object-level isolation: a firm's users never reach another firm's objects.

For every firm route that names an object, a real object is made in firm B and requested
(GET and POST) on firm A's address by firm A's owner, who holds every staff permission:
the answer must be 403/404, never the object. A route that names an object and has no
sample (tests/isolation/routes.py SAMPLES, or ADMIN_MODEL_SAMPLES below for the firm
admin) fails the coverage test, so a new route cannot slip by uncovered.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from tests.isolation.routes import SAMPLES, iter_routes
from tests.portal import factories

pytestmark = pytest.mark.django_db

TENANT_ROUTES = list(iter_routes(settings.ROOT_URLCONF))
_OBJECT_PARAM = re.compile(r"<(?:int|path|uuid):(\w*id|pk|object_id)>")

# Routes whose parameter is not a firm's object.
NOT_FIRM_OBJECTS = {
    "accounts:password_reset_confirm",  # a signed token, checked by Django
    "firm_marketplace:request",  # advisors are public, cross-firm by design
    "firm_admin:view_on_site",  # content-type shortcut: permission-checked by the admin
}
# Unnamed admin redirects (`admin/<app>/<model>/<id>/` -> change view) are covered by the
# change views they redirect to.
_ADMIN_REDIRECT = re.compile(r"^admin/\w+/\w+/<path:object_id>/$")


def _admin_object(make):
    def sample(world) -> dict:
        with schema_context(world.firm.schema_name):
            return {"object_id": make().pk}
    return sample


def _client_access():
    from apps.portal.models import ClientAccess

    return ClientAccess.objects.create(client=factories.make_client(), user_id=1)


def _dashboard_refresh():
    from django.utils import timezone

    from apps.portal.models import DashboardRefresh

    return DashboardRefresh.objects.create(started_at=timezone.now(), duration_ms=1, rows=1,
                                           concurrently=False)


ADMIN_MODEL_SAMPLES = {
    "portal_client": factories.make_client,
    "portal_clientaccess": _client_access,
    "portal_engagement": lambda: factories.make_engagement(factories.make_client()),
    "portal_task": lambda: factories.make_task(factories.make_client()),
    "portal_dashboardrefresh": _dashboard_refresh,
    "documents_document": lambda: factories.make_document(factories.make_client()),
    "billing_invoice": lambda: factories.make_invoice(factories.make_client()),
}


def _sample_for(route):
    if route.name in SAMPLES:
        return SAMPLES[route.name]
    match = re.fullmatch(r"firm_admin:(\w+?)_(change|delete|history)", route.name)
    if match and match.group(1) in ADMIN_MODEL_SAMPLES:
        return _admin_object(ADMIN_MODEL_SAMPLES[match.group(1)])
    return None


def _object_routes():
    for route in TENANT_ROUTES:
        if not _OBJECT_PARAM.search(route.template) or route.name in NOT_FIRM_OBJECTS:
            continue
        if _ADMIN_REDIRECT.match(route.name):
            continue
        yield route


OBJECT_ROUTES = list(_object_routes())


def test_every_route_that_names_an_object_has_a_sample():
    uncovered = [route.name for route in OBJECT_ROUTES if _sample_for(route) is None]

    assert uncovered == [], (
        "routes that name a firm object need a sample in tests/isolation (SAMPLES or "
        f"ADMIN_MODEL_SAMPLES): {uncovered}")
    assert len(OBJECT_ROUTES) >= 10


@pytest.fixture
def firm_b_ids_apart(firm_b):
    """Move firm B's id sequences far past firm A's, so an id made in firm B names
    nothing in firm A (otherwise both schemas start at 1 and a 200 could be legit)."""
    with schema_context(firm_b.firm.schema_name), connection.cursor() as cursor:
        # Identity columns own sequences too; pg_class lists them all.
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = %s",
            [firm_b.firm.schema_name])
        for (sequence,) in cursor.fetchall():
            cursor.execute("SELECT setval(%s::regclass, 5000000)", [sequence])
    return firm_b


def _path(route, kwargs) -> str:
    def fill(match):
        return str(kwargs.get(match.group("name"), "1"))
    return "/" + re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>", fill, route.template)


def _refused(response, route) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    # The admin answers a missing object by redirecting to its index (with a message),
    # and anyone without admin access to its sign-in page.
    location = response.headers.get("Location", "")
    return (response.status_code == 302 and route.name.startswith("firm_admin:")
            and (location == "/admin/" or location.startswith("/admin/login/")))


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_firm_a_cannot_reach_firm_b_objects(route, firm_a, firm_b_ids_apart):
    kwargs = _sample_for(route)(firm_b_ids_apart)
    path = _path(route, kwargs)

    for role in (Role.OWNER, Role.CLIENT_OWNER):
        client = firm_a.client(role)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert _refused(response, route), (
                f"{role} of firm A got {response.status_code} for firm B's object at "
                f"{method.upper()} {path}")


@pytest.mark.parametrize("route", [r for r in OBJECT_ROUTES if not r.name.startswith("portal:")],
                         ids=lambda r: r.name)
def test_positive_control_firm_a_reaches_its_own_objects(route, firm_a):
    kwargs = _sample_for(route)(firm_a)

    response = firm_a.client(Role.OWNER).get(_path(route, kwargs))
    if route.name.startswith("firm_admin:") and not route.name.endswith("_delete"):
        # (Deleting is not granted in the firm admin: 403 there is the expected answer.)
        assert response.status_code == 200, (route.name, response.status_code)

    assert response.status_code != 404 and response.status_code < 500, (
        f"the sample for {route.name} does not name a reachable object: "
        f"{response.status_code}")


CLIENT_SCOPED_ROUTES = [r for r in OBJECT_ROUTES if r.name.split(":")[0].startswith("portal")]


def test_client_scoped_routes_are_found():
    assert len(CLIENT_SCOPED_ROUTES) >= 8


@pytest.mark.parametrize("route", CLIENT_SCOPED_ROUTES, ids=lambda r: r.name)
def test_client_users_cannot_reach_other_clients_of_their_own_firm(route, firm_a):
    """Objects of a client of firm A that firm A's client users were not given (any access
    a sample granted is taken away first): the portal must not acknowledge them."""
    from apps.portal.models import ClientAccess

    kwargs = _sample_for(route)(firm_a)
    assert "client_id" in kwargs, f"the sample for {route.name} must name its client"
    with schema_context(firm_a.firm.schema_name):
        ClientAccess.objects.filter(client_id=kwargs["client_id"]).delete()
    path = _path(route, kwargs)

    for role in (Role.CLIENT_OWNER, Role.CLIENT_MEMBER):
        client = firm_a.client(role)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code in (403, 404, 405), (
                f"{role} got {response.status_code} for another client's {method.upper()} "
                f"{path}")
