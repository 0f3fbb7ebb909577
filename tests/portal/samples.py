"""Real objects of firm A for the isolation suite's detail routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context

from tests.portal.factories import make_client, make_engagement, make_task


def _client_id(world) -> dict:
    with schema_context(world.firm.schema_name):
        return {"client_id": make_client(business_name="Isolation sample").pk}


def _pk(world) -> dict:
    return {"pk": _client_id(world)["client_id"]}


def _engagement(world) -> dict:
    with schema_context(world.firm.schema_name):
        engagement = make_engagement(make_client())
    return {"engagement_id": engagement.pk, "pk": engagement.pk}


def _task(world) -> dict:
    with schema_context(world.firm.schema_name):
        task = make_task(make_client())
    return {"task_id": task.pk, "pk": task.pk}


PORTAL_SAMPLES: dict[str, Callable] = {
    **dict.fromkeys(["staff:client_detail", "staff:client_edit", "staff:engagement_create",
                     "staff:task_create", "portal:dashboard", "portal:documents",
                     "portal:tasks", "portal:invoices"], _client_id),
    # Starting a portal preview of a client (apps/portal/preview.py).
    "staff:portal_preview_start": _client_id,
    "staff:engagement_edit": _engagement,
    "staff:task_edit": _task,
    "firm_api:client_detail": _pk,
    "firm_api:client_dashboard": _pk,
    "firm_api:engagement_detail": _engagement,
    "firm_api:task_detail": _task,
}
