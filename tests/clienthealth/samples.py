"""Real objects of firm A for the isolation suite's client health routes."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context


def _client_with_score(world) -> dict:
    from apps.clienthealth.services import health_refresh
    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Health isolation sample")
        health_refresh()
    return {"client_id": client.pk}


CLIENT_HEALTH_SAMPLES: dict[str, Callable] = {"clienthealth:client": _client_with_score}
