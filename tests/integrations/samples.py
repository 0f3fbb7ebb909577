"""Real objects of a firm for the isolation suite's integration routes."""

from __future__ import annotations

from django_tenants.utils import schema_context


def _client(world) -> dict:
    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        return {"client_id": make_client().pk}


def _endpoint(world) -> dict:
    from apps.integrations.webhooks import webhook_endpoint_create

    with schema_context(world.firm.schema_name):
        endpoint, _ = webhook_endpoint_create(url="http://127.0.0.1:9/hooks",
                                              event_types=["client.created"])
    return {"endpoint_id": endpoint.pk}


def _delivery(world) -> dict:
    from apps.integrations.models import WebhookDelivery, WebhookEvent
    from apps.integrations.webhooks import webhook_endpoint_create

    with schema_context(world.firm.schema_name):
        endpoint, _ = webhook_endpoint_create(url="http://127.0.0.1:9/hooks",
                                              event_types=["client.created"])
        event = WebhookEvent.objects.create(type="client.created", resource_type="client",
                                            resource_id="1", sequence=1,
                                            dedupe_key=f"isolation:{endpoint.pk}", payload={})
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event,
                                                  next_attempt_at=event.created_at)
    return {"delivery_id": delivery.pk}


INTEGRATION_SAMPLES = {
    "integrations:client_books": _client,
    "integrations:books_connect": _client,
    "integrations:books_sync": _client,
    "integrations:books_disconnect": _client,
    "integrations:webhook_detail": _endpoint,
    "integrations:webhook_redeliver": _delivery,
}
