"""Mass assignment: no API write lets a caller set the firm, a role, an owner or staff
flags. Proven two ways: no write serializer exposes such a field as writable, and firing
every write endpoint with those fields changes none of them."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers as drf_serializers
from rest_framework.views import APIView

from apps.accounts.models import Membership, User
from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db

PRIVILEGED_FIELDS = {"firm", "firm_id", "role", "owner", "owner_id", "is_staff",
                     "is_superuser", "user", "user_id", "created_by", "requested_by",
                     "schema_name", "tenant", "scopes", "permissions"}
ATTACK = {name: 1 for name in PRIVILEGED_FIELDS} | {"role": Role.OWNER, "is_staff": True,
                                                     "is_superuser": True}


def _api_views(urlconf: str):
    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", None) or \
                    getattr(entry.callback, "cls", None)
                if view is not None and issubclass(view, APIView):
                    yield view
    return set(walk(get_resolver(urlconf).url_patterns))


API_VIEWS = sorted(_api_views(settings.ROOT_URLCONF) | _api_views(
    settings.PUBLIC_SCHEMA_URLCONF), key=lambda view: view.__name__)


def _is_serializer(candidate) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, drf_serializers.Serializer)


def _input_serializers(view):
    """Serializers a view may read input with: its own attributes, and every serializer
    defined in its module or its package's serializers module."""
    import importlib
    import sys

    found = {getattr(view, attr, None) for attr in ("serializer_class", "input_serializer_class")}
    modules = [sys.modules[view.__module__]]
    package = view.__module__.rsplit(".", 1)[0]
    with contextlib.suppress(ModuleNotFoundError):
        modules.append(importlib.import_module(f"{package}.serializers"))
    for module in modules:
        found |= {obj for obj in vars(module).values()
                  if _is_serializer(obj) and obj.__module__ == module.__name__}
    return [candidate for candidate in found if _is_serializer(candidate)]


def test_the_api_views_and_their_serializers_are_found():
    assert len(API_VIEWS) >= 8
    names = {serializer.__name__ for view in API_VIEWS for serializer in _input_serializers(view)}
    assert {"ReviewInput", "EngagementRequestInput", "ClientOutput"} <= names


@pytest.mark.parametrize("view", API_VIEWS, ids=lambda view: view.__name__)
def test_no_write_serializer_accepts_privileged_fields(view):
    for serializer_class in _input_serializers(view):
        fields = serializer_class().fields
        writable = {name for name, field in fields.items() if not field.read_only}
        assert not writable & PRIVILEGED_FIELDS, (view.__name__, writable & PRIVILEGED_FIELDS)


def _snapshot():
    return (
        sorted(Membership.objects.values_list("user_id", "firm_id", "role", "is_active")),
        sorted(User.objects.filter(is_staff=True).values_list("id", flat=True)),
    )


def test_posting_privileged_fields_everywhere_changes_nothing(firm_a, firm_b):
    from tests.isolation.routes import SAMPLES, iter_routes

    before = _snapshot()
    client = firm_a.client(Role.CLIENT_OWNER)
    owner = firm_a.client(Role.OWNER)
    tried = 0
    for urlconf, host in ((settings.ROOT_URLCONF, firm_a.host),
                          (settings.PUBLIC_SCHEMA_URLCONF, settings.BASE_DOMAIN)):
        for route in iter_routes(urlconf):
            if not route.template.startswith("api/"):
                continue
            path = route.path_for(firm_a) if route.name in SAMPLES or urlconf == \
                settings.ROOT_URLCONF else route.path_for(None)
            for who in (client, owner):
                for method in ("post", "put", "patch"):
                    response = getattr(who, method)(path, ATTACK, content_type="application/json",
                                                    HTTP_HOST=host)
                    assert response.status_code < 500, (method, path, response.status_code)
                    tried += 1

    assert tried >= 20
    assert _snapshot() == before
