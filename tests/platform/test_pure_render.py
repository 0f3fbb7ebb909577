"""render_pure: the same values render once per process; other values, another entry;
values that compare loosely (model instances) are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisoros import pure_render
from advisoros.pure_render import render_pure
from apps.portal.views_portal import PortalClient

pytestmark = pytest.mark.django_db

TABS = "portal/partials/client_tabs.html"


def _tabs(name: str, section: str = "tasks", switcher=()) -> str:
    return str(render_pure(TABS, client=PortalClient(7, name), section=section,
                           portal_clients=list(switcher)))


def test_equal_values_are_rendered_once(monkeypatch):
    calls = []
    real = pure_render.render_to_string
    monkeypatch.setattr(pure_render, "render_to_string",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    pure_render._rendered.clear()

    first = _tabs("Acme Co")
    again = _tabs("Acme Co")

    assert first == again and len(calls) == 1
    assert 'aria-current="page">Tasks' in first


def test_any_changed_value_is_a_new_rendering():
    assert "Acme Co" in _tabs("Acme Co")
    assert "Acme Renamed" in _tabs("Acme Renamed")
    assert 'aria-current="page">Invoices' in _tabs("Acme Co", section="invoices")
    two = [{"id": 7, "business_name": "Acme Co"}, {"id": 8, "business_name": "Second LLC"}]
    assert "Second LLC" in _tabs("Acme Co", switcher=two)


def test_model_instances_are_refused(in_firm_a):
    from tests.portal.factories import make_client

    with pytest.raises(TypeError, match="plain values"):
        render_pure(TABS, client=make_client(business_name="Acme"), section="tasks",
                    portal_clients=[])


def test_plain_values_of_every_kind_freeze():
    assert pure_render.frozen({"b": [Decimal("1.50"), None], "a": {"x": 1}}) == \
        (("a", (("x", 1),)), ("b", (Decimal("1.50"), None)))
