"""Outgoing webhooks: firms register endpoints; events are stored after the change they
describe has committed, then delivered at least once, signed, with exponential backoff for
up to a day. An endpoint that has failed for a whole day is disabled and the firm's admins
are told. Every attempt is logged (status, time, response code, body excerpt) and any
delivery can be sent again by hand.

Deliveries never wait on each other: each is its own task, claimed by a short lease (its
next attempt time pushed forward) so a retry sweep never sends one twice at once.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.integrations.http import http_client
from apps.integrations.models import (
    ResourceSequence,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from apps.integrations.signing import HEADER, webhook_signature
from apps.integrations.ssrf import UnsafeUrl, webhook_url_check

EVENT_TYPES: dict[str, str] = {
    "client.created": "Client created",
    "client.updated": "Client changed",
    "client.deleted": "Client archived",
    "document.processed": "Document processed (with its classification)",
    "document.deleted": "Document deleted",
    "invoice.sent": "Invoice sent",
    "invoice.paid": "Invoice paid",
    "invoice.voided": "Invoice voided",
    "payment.created": "Payment received",
    "job.stage_changed": "Job moved to another stage",
    "message.created": "Message from or to a client (without its text)",
}
GIVE_UP_AFTER = timedelta(hours=24)
DISABLE_AFTER = timedelta(hours=24)
LEASE = timedelta(minutes=2)
MAX_BACKOFF_SECONDS = 60 * 60
EXCERPT_CHARS = 500


def _validate(url: str, event_types: list[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not url or len(url) > 500:
        errors["url"] = ["Give an address of at most 500 characters."]
    else:
        try:
            webhook_url_check(url)
        except UnsafeUrl as error:
            errors["url"] = [str(error)]
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        errors["event_types"] = [f"Unknown events: {', '.join(unknown)}."]
    elif not event_types:
        errors["event_types"] = ["Choose at least one event."]
    return errors


@transaction.atomic
def webhook_endpoint_create(*, url: str, event_types: list[str], description: str = "",
                            actor=None, request=None) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret (shown once)."""
    errors = _validate(url, event_types)
    if errors:
        raise ValidationError(errors)
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        url=url, event_types=sorted(set(event_types)), description=description[:200],
        secret=secret, created_by=actor)
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=endpoint, details={"change": "webhook.created", "url": url,
                                           "events": endpoint.event_types})
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor=None, request=None) -> None:
    endpoint.status = WebhookEndpoint.Status.ACTIVE
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save(update_fields=["status", "disabled_reason", "failing_since"])
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=endpoint, details={"change": "webhook.enabled"})


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor=None, request=None) -> None:
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=endpoint, details={"change": "webhook.deleted", "url": endpoint.url})
    endpoint.delete()


# --- events -----------------------------------------------------------------------------
def webhook_event_emit(*, type: str, resource_type: str, resource_id: object,
                       dedupe_key: str, data: dict) -> None:
    """Call inside the writing transaction: the event is stored after it commits (and
    never if it rolls back), in the firm schema it was emitted in (the connection may be
    on another schema by the time the transaction commits)."""
    schema = connection.schema_name

    def store() -> None:
        with schema_context(schema):
            _event_store(type=type, resource_type=resource_type,
                         resource_id=str(resource_id), dedupe_key=dedupe_key, data=data)

    transaction.on_commit(store)


def _event_store(*, type: str, resource_type: str, resource_id: str,
                 dedupe_key: str, data: dict) -> WebhookEvent | None:
    endpoints = [e for e in WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE)
                 if type in e.event_types]
    if not endpoints:
        return None  # nobody listens: no rows, no work
    now = timezone.now()
    try:
        with transaction.atomic():
            sequence = _next_sequence(resource_type, resource_id)
            event = WebhookEvent.objects.create(
                type=type, resource_type=resource_type, resource_id=resource_id,
                sequence=sequence, dedupe_key=dedupe_key[:120],
                payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)))
            deliveries = WebhookDelivery.objects.bulk_create(
                [WebhookDelivery(endpoint=e, event=event, next_attempt_at=now)
                 for e in endpoints])
            ids = [d.pk for d in deliveries]
            transaction.on_commit(lambda: _enqueue_deliveries(ids))
    except IntegrityError:
        return None  # this state change was already announced
    return event


def _next_sequence(resource_type: str, resource_id: str) -> int:
    """The resource's next sequence number, in one statement (the row lock it takes holds
    concurrent events of the same resource in order until commit)."""
    table = ResourceSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (resource_type, resource_id, last) VALUES (%s, %s, 1) "  # noqa: S608 - our table name
            f"ON CONFLICT (resource_type, resource_id) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last", [resource_type, resource_id])
        return cursor.fetchone()[0]


def _enqueue_deliveries(ids: list[int]) -> None:
    """A delivery not queued now (broker down) is still pending: the beat sweep sends it."""
    from advisoros.tasks import delay_or_log
    from apps.integrations.tasks import webhook_deliver

    for delivery_id in ids:
        if not delay_or_log(webhook_deliver, delivery_id=delivery_id):
            break


def event_body(event: WebhookEvent) -> bytes:
    return json.dumps({"id": str(event.event_id), "type": event.type,
                       "created": event.created_at.isoformat(), "sequence": event.sequence,
                       "resource": {"type": event.resource_type, "id": event.resource_id},
                       "data": event.payload}, separators=(",", ":")).encode()


# --- delivery ---------------------------------------------------------------------------
def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    with transaction.atomic():
        # of=self: lock the delivery only; every delivery joins the same endpoint row, and
        # locking it too would make concurrent workers skip each other's deliveries.
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("endpoint", "event")
                    .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING,
                            next_attempt_at__lte=now).first())
        if delivery is None:
            return None
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["next_attempt_at"])
    return delivery


def webhook_deliver(*, delivery_id: int) -> str | None:
    """One attempt; returns the delivery's status after it, or None if it was not due."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if endpoint.status != WebhookEndpoint.Status.ACTIVE:
        return _after_attempt(delivery, ok=False, code=None, excerpt="",
                              error="The endpoint is disabled.", duration_ms=0)
    body = event_body(delivery.event)
    started = time.monotonic()
    code, excerpt, error = None, "", ""
    try:
        webhook_url_check(endpoint.url)
        response = http_client().post(
            endpoint.url, content=body, timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            headers={"Content-Type": "application/json", "User-Agent": "AdvisorOS-Webhooks/1",
                     HEADER: webhook_signature(endpoint.secret.reveal(), body),
                     "AdvisorOS-Event-Id": str(delivery.event.event_id),
                     "AdvisorOS-Event-Type": delivery.event.type})
        code = response.status_code
        excerpt = response.text[:EXCERPT_CHARS].replace("\x00", "")
        if 300 <= code < 400:
            error = "Redirects are not followed; give the final address."
    except UnsafeUrl as unsafe:
        error = str(unsafe)
    except httpx.TimeoutException:
        error = f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS} s."
    except httpx.HTTPError as failure:
        error = f"Could not connect: {type(failure).__name__}."
    ok = code is not None and 200 <= code < 300
    return _after_attempt(delivery, ok=ok, code=code, excerpt=excerpt, error=error,
                          duration_ms=int((time.monotonic() - started) * 1000))


def _after_attempt(delivery: WebhookDelivery, *, ok: bool, code: int | None, excerpt: str,
                   error: str, duration_ms: int) -> str:
    now = timezone.now()
    delivery.attempts += 1
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.last_status_code = code
    delivery.last_response_excerpt = excerpt
    delivery.last_error = error[:300] if not ok else ""
    delivery.last_duration_ms = duration_ms
    if ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
    elif now - delivery.first_attempt_at >= GIVE_UP_AFTER:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        backoff = min(30 * 2 ** (delivery.attempts - 1), MAX_BACKOFF_SECONDS)
        delivery.next_attempt_at = now + timedelta(seconds=backoff * random.uniform(0.8, 1.2))
    with transaction.atomic():
        delivery.save()
        _endpoint_health(delivery.endpoint_id, ok=ok, now=now)
    return delivery.status


def _endpoint_health(endpoint_id: int, *, ok: bool, now) -> None:
    """Conditional updates, no row lock: deliveries to one endpoint never queue on it."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if ok:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=now)
    reason = "Every delivery failed for a day."
    if endpoints.filter(status=WebhookEndpoint.Status.ACTIVE,
                        failing_since__lte=now - DISABLE_AFTER).update(
            status=WebhookEndpoint.Status.DISABLED, disabled_reason=reason):
        endpoint = endpoints.get()
        endpoint.disabled_reason = (f"Every delivery failed for a day (since "
                                    f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC).")
        endpoint.save(update_fields=["disabled_reason"])
        audit_record(action=AuditAction.RECORD_CHANGED, target=endpoint,
                     details={"change": "webhook.disabled", "reason": endpoint.disabled_reason})
        transaction.on_commit(lambda: _tell_admins(endpoint_id))


def _tell_admins(endpoint_id: int) -> None:
    from advisoros.tasks import delay_or_log
    from apps.integrations.tasks import webhook_disabled_notify

    delay_or_log(webhook_disabled_notify, endpoint_id=endpoint_id)


def webhook_retry_due() -> int:
    """Beat, in each firm: queue the deliveries whose next attempt is due."""
    ids = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING,
                                              next_attempt_at__lte=timezone.now())
               .order_by("next_attempt_at").values_list("pk", flat=True)[:5000])
    _enqueue_deliveries(ids)
    return len(ids)


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor=None, request=None) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(),
        first_attempt_at=None)
    audit_record(action=AuditAction.RECORD_CHANGED, request=request, actor=actor,
                 target=delivery, details={"change": "webhook.redelivered",
                                           "event": str(delivery.event.event_id)})
    transaction.on_commit(lambda: _enqueue_deliveries([delivery.pk]))
