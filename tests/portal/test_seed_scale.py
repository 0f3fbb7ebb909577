"""seed_scale measures a firm of the plan that already exists: kept when it has the
planned size, reported (never silently reused) when it has another, rebuilt on request."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.firms.models import Firm
from apps.portal.scale import FirmSize, ScalePlan, firm_size, seed_scale

pytestmark = pytest.mark.django_db


def tiny(clients: int) -> ScalePlan:
    return ScalePlan(firms=1, clients=clients, big_firm_clients=clients,
                     engagements_per_client=2, tasks_per_engagement=1,
                     documents_per_client=1, prefix="tiny")


def test_an_existing_firm_of_another_size_is_reported_and_rebuilt_on_request(db):
    said: list[str] = []
    created = seed_scale(tiny(3), progress=said.append)
    firm = Firm.objects.get(slug="tiny-big")
    assert created["firms"] == 1
    assert firm_size(firm) == FirmSize(clients=3, engagements=6, tasks=6, documents=3)

    same = seed_scale(tiny(3), progress=said.append)
    assert (same["kept"], same["mismatched"], same["firms"]) == (1, 0, 0)
    assert "exists with the planned size (3 clients" in said[-1]

    bigger = seed_scale(tiny(5), progress=said.append)
    assert (bigger["kept"], bigger["mismatched"], bigger["firms"]) == (0, 1, 0)
    assert "ANOTHER size: 3 clients" in said[-1] and "wants 5 clients" in said[-1]
    assert "--rebuild" in said[-1]
    assert firm_size(firm).clients == 3  # reported, not touched

    # The command commits each firm before the next run; this test's one transaction
    # checks the pending foreign keys now instead, or the schema could not be dropped.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    rebuilt = seed_scale(tiny(5), progress=said.append, rebuild=True)
    assert (rebuilt["rebuilt"], rebuilt["firms"], rebuilt["clients"]) == (1, 1, 5)
    assert firm_size(Firm.objects.get(slug="tiny-big")) == FirmSize(
        clients=5, engagements=10, tasks=10, documents=5)
    assert not Firm.objects.filter(pk=firm.pk).exists()  # the old firm is gone
