"""Outgoing webhooks over real HTTP to a local receiver: stored only after commit, signed,
sequenced, retried with backoff, disabled after a day of failures, never blocked by
another endpoint, and never sent to internal addresses."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from apps.integrations.signing import webhook_signature_verify
from apps.integrations.webhooks import (
    _event_store,
    webhook_deliver,
    webhook_endpoint_create,
    webhook_retry_due,
)
from apps.portal.models import Client
from tests.integrations.receiver import start_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    server = start_receiver()
    yield server
    server.shutdown()


def emit_client_created(client: Client) -> WebhookEvent | None:
    # What the after-commit hook runs (tests run inside a transaction that never commits).
    return _event_store(type="client.created", resource_type="client",
                        resource_id=str(client.pk), dedupe_key=f"client.created:{client.pk}",
                        data={"id": client.pk, "business_name": client.business_name})


def deliver_all() -> list[str | None]:
    return [webhook_deliver(delivery_id=d.pk) for d in WebhookDelivery.objects.all()]


def test_an_event_is_signed_sequenced_and_delivered(in_firm_a, receiver):
    _, secret = webhook_endpoint_create(url=receiver.url,
                                        event_types=["client.created", "client.updated"])
    client = Client.objects.create(business_name="Northwind Dental")
    event = emit_client_created(client)

    assert deliver_all() == [WebhookDelivery.Status.DELIVERED]

    headers, body = receiver.received[0]
    assert webhook_signature_verify(secret, body, headers["AdvisorOS-Signature"])
    assert not webhook_signature_verify(secret, body + b" ", headers["AdvisorOS-Signature"])
    payload = json.loads(body)
    assert payload["id"] == str(event.event_id) == headers["AdvisorOS-Event-Id"]
    assert (payload["type"], payload["sequence"], payload["data"]["business_name"]) == \
        ("client.created", 1, "Northwind Dental")
    second = _event_store(type="client.updated", resource_type="client",
                          resource_id=str(client.pk), dedupe_key="client.updated:x",
                          data={"id": client.pk})
    assert second.sequence == 2


def test_nothing_is_stored_when_the_transaction_rolls_back(in_firm_a, receiver,
                                                           django_capture_on_commit_callbacks):
    webhook_endpoint_create(url=receiver.url, event_types=["client.created"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                Client.objects.create(business_name="Never happened")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not WebhookEvent.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client = Client.objects.create(business_name="Committed")
    assert not WebhookEvent.objects.exists()  # not before the commit
    for callback in callbacks:
        callback()
    assert WebhookEvent.objects.get().payload["business_name"] == client.business_name


def test_the_same_state_change_is_announced_once(in_firm_a, receiver):
    webhook_endpoint_create(url=receiver.url, event_types=["client.created"])
    client = Client.objects.create(business_name="Once")
    assert emit_client_created(client) is not None
    assert emit_client_created(client) is None
    assert WebhookDelivery.objects.count() == 1


def test_failures_are_retried_with_backoff_then_delivered(in_firm_a, receiver):
    webhook_endpoint_create(url=receiver.url, event_types=["client.created"])
    emit_client_created(Client.objects.create(business_name="Retry me"))
    receiver.status = 500

    assert deliver_all() == [WebhookDelivery.Status.PENDING]
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.last_response_excerpt == "receiver exploded"
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 20 <= wait <= 40  # 30 s, with jitter
    assert webhook_deliver(delivery_id=delivery.pk) is None  # not due yet

    receiver.status = 200
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhook_retry_due() == 1  # the beat sweep finds it
    assert deliver_all() == [WebhookDelivery.Status.DELIVERED]
    assert WebhookDelivery.objects.get().attempts == 2


def test_redirects_and_timeouts_count_as_failures(in_firm_a, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    webhook_endpoint_create(url=receiver.url, event_types=["client.created"])
    emit_client_created(Client.objects.create(business_name="Slow"))
    receiver.redirect_to = "http://169.254.169.254/latest/meta-data/"
    deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code == 302 and "Redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 1  # the redirect was not followed

    receiver.redirect_to, receiver.delay = "", 2
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    deliver_all()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and "No answer within 1 s" in \
        delivery.last_error


def test_a_failing_endpoint_never_holds_up_another(in_firm_a, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    slow, fine = start_receiver(), start_receiver()
    slow.delay = 3
    try:
        webhook_endpoint_create(url=slow.url, event_types=["client.created"])
        good, _ = webhook_endpoint_create(url=fine.url, event_types=["client.created"])
        emit_client_created(Client.objects.create(business_name="Both"))
        good_delivery = WebhookDelivery.objects.get(endpoint=good)
        assert webhook_deliver(delivery_id=good_delivery.pk) == WebhookDelivery.Status.DELIVERED
        assert len(fine.received) == 1
    finally:
        slow.shutdown()
        fine.shutdown()


def test_a_day_of_failures_disables_the_endpoint_and_tells_the_admins(in_firm_a, receiver,
                                                                       mailoutbox):
    endpoint, _ = webhook_endpoint_create(url=receiver.url, event_types=["client.created"])
    emit_client_created(Client.objects.create(business_name="Down all day"))
    receiver.status = 503
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(hours=25))
    WebhookDelivery.objects.update(first_attempt_at=timezone.now() - timedelta(hours=25))

    from apps.integrations.notify import webhook_disabled_notify

    assert deliver_all() == [WebhookDelivery.Status.FAILED]
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    assert "failed for a day" in endpoint.disabled_reason
    assert webhook_disabled_notify(endpoint_id=endpoint.pk) >= 1
    assert "was disabled" in mailoutbox[-1].subject
    assert "Down all day" not in mailoutbox[-1].body  # no event data in the mail


@pytest.mark.parametrize("url", ["http://10.0.0.5/hook", "http://169.254.169.254/latest",
                                 "http://127.0.0.1:9/hook", "http://[::1]/hook",
                                 "ftp://example.com/hook"])
def test_internal_addresses_are_refused(in_firm_a, settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(url=url, event_types=["client.created"])
    assert "url" in refused.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_invoice_and_payment_saves_emit_events(in_firm_a, receiver,
                                               django_capture_on_commit_callbacks):
    from tests.billing.factories import paid_invoice

    webhook_endpoint_create(url=receiver.url,
                            event_types=["invoice.sent", "invoice.paid", "payment.created"])
    with django_capture_on_commit_callbacks(execute=True):
        invoice = paid_invoice()
    events = {e.type: e for e in WebhookEvent.objects.all()}
    assert set(events) == {"invoice.sent", "invoice.paid", "payment.created"}
    assert events["invoice.paid"].payload["number"] == invoice.number
    assert events["invoice.paid"].payload["balance"] == str(Decimal("0.00"))
