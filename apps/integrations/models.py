"""Integrations in a firm's schema: QuickBooks Online connections, their sync runs and the
synced books, and the outgoing webhooks integrators register.

Synced records are read-only copies: QuickBooks stays the source of truth, and a record is
replaced only by a newer version of itself (a higher SyncToken).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.security.fields import EncryptedField


def _user_fk(**extra) -> models.ForeignKey:
    # Users live in the public schema: no cross-schema database constraint.
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+", **extra)


class QuickBooksConnection(models.Model):
    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        ERROR = "error", "Sync failing"
        DISCONNECTED = "disconnected", "Disconnected"

    client = models.OneToOneField("portal.Client", on_delete=models.CASCADE,
                                  related_name="quickbooks")
    realm_id = models.CharField(max_length=32)
    company_name = models.CharField(max_length=200, blank=True)
    home_currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.CharField(max_length=300, blank=True)
    access_token = EncryptedField(kind="token")
    refresh_token = EncryptedField(kind="token")
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    # Change Data Capture resumes from here; QuickBooks keeps 30 days of changes, so an
    # older cursor means a full resync.
    cdc_cursor = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    connected_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "last_synced_at"])]

    def __str__(self) -> str:
        return f"QuickBooks company {self.realm_id}"


class SyncRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", "Full sync"
        INCREMENTAL = "incremental", "Changes since last sync"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        COMPLETED_WITH_WARNINGS = "warnings", "Completed with warnings"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    connection = models.ForeignKey(QuickBooksConnection, on_delete=models.CASCADE,
                                   related_name="runs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Fences a stale worker: each claim increments it, and checkpoints are written only
    # by the holder of the current attempt.
    attempt = models.PositiveIntegerField(default=0)
    # entity -> {"position": next STARTPOSITION, "done": bool, "records": n}
    progress = models.JSONField(default=dict)
    # CDC window start and the server time this run began (the next cursor).
    since = models.DateTimeField(null=True, blank=True)
    server_time = models.DateTimeField(null=True, blank=True)
    records_written = models.PositiveIntegerField(default=0)
    requests_used = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["connection"], condition=Q(status__in=["queued", "running"]),
            name="one_active_sync_per_connection")]
        indexes = [models.Index(fields=["connection", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.connection} ({self.get_status_display()})"


class SyncedRecord(models.Model):
    connection = models.ForeignKey(QuickBooksConnection, on_delete=models.CASCADE,
                                   related_name="records")
    realm_id = models.CharField(max_length=32)
    entity = models.CharField(max_length=20)
    qbo_id = models.CharField(max_length=32)
    sync_token = models.IntegerField(default=0)
    last_updated = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True)
    txn_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    balance = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    account_type = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)
    # The full sync that last saw this record: after a full pass over an entity, the ones
    # it did not see were deleted in QuickBooks.
    seen_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["realm_id", "entity", "qbo_id"],
                                               name="uniq_synced_record")]
        indexes = [models.Index(fields=["connection", "entity", "txn_date"])]

    def __str__(self) -> str:
        return f"{self.entity} {self.qbo_id}"


class WebhookEndpoint(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = EncryptedField(kind="token")
    event_types = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Set at the first failure after a success; a day of failures disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=40)
    resource_type = models.CharField(max_length=30)
    resource_id = models.CharField(max_length=64)
    # Per resource, increasing: receivers drop an event older than one they already hold.
    sequence = models.PositiveIntegerField()
    # A state-derived key (e.g. "document.processed:42:3") makes re-saves emit nothing new.
    dedupe_key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["resource_type", "resource_id", "sequence"], name="uniq_event_sequence")]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence} of {self.resource_type} {self.resource_id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_excerpt = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"],
                                               name="uniq_delivery")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint}"


class ResourceSequence(models.Model):
    resource_type = models.CharField(max_length=30)
    resource_id = models.CharField(max_length=64)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource_type", "resource_id"],
                                               name="uniq_resource_sequence")]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.resource_id}: {self.last}"
