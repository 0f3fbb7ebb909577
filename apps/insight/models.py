"""Stored forecasts (one row per series) and the runs that refresh them."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q


class Flow(models.TextChoices):
    RECEIPTS = "receipts", "Cash received"
    BILLED = "billed", "Revenue billed"
    BOOKS_RECEIPTS = "books_receipts", "Receipts in the books"
    BOOKS_DISBURSEMENTS = "books_disbursements", "Disbursements in the books"
    BOOKS_NET = "books_net", "Net cash flow in the books"


class ForecastRun(models.Model):
    """One refresh of a firm's forecasts (all clients, or one): progress is done/total."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+")
    horizon = models.PositiveSmallIntegerField(default=6)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open run per firm at a time: a second request joins the first.
            models.UniqueConstraint(fields=["status"], condition=Q(status__in=["queued",
                                                                               "running"]),
                                    name="insight_one_open_run"),
        ]

    def __str__(self) -> str:
        return f"Forecast run {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class Forecast(models.Model):
    """The latest forecast of one series: a client's (or the firm's, client empty) monthly
    flow in one currency. `fingerprint` hashes the input months, so an unchanged series is
    not fitted again."""

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="forecasts")
    flow = models.CharField(max_length=24, choices=Flow.choices)
    currency = models.CharField(max_length=3)
    fingerprint = models.CharField(max_length=64)
    horizon = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=20)
    short_history = models.BooleanField(default=False)
    low_confidence = models.BooleanField(default=False)
    mase = models.FloatField(null=True, blank=True)
    mape = models.FloatField(null=True, blank=True)
    baseline = models.CharField(max_length=20)
    baseline_mase = models.FloatField(null=True, blank=True)
    # [{"month": "2026-01", "amount": "123.45"}] — Decimal strings, two places.
    history = models.JSONField(default=list)
    # [{"month", "mean", "lo80", "hi80", "lo95", "hi95"}] — Decimal strings.
    points = models.JSONField(default=list)
    notes = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_id", "flow", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["client", "flow", "currency"],
                                    nulls_distinct=False, name="insight_forecast_series"),
        ]

    def __str__(self) -> str:
        return f"{self.get_flow_display()} {self.currency} ({self.client_id or 'firm'})"


class RoiAssumptions(models.Model):
    """The firm's own minutes per automated step, behind the ROI page: shown next to every
    figure and editable, because the product measures how often each step happened but
    not how long a person would have taken. One row per firm (id 1)."""

    minutes_per_document = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("4"),
        verbose_name="Minutes to classify and file one document by hand")
    minutes_per_automation = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("5"),
        verbose_name="Minutes one workflow automation would take by hand")
    minutes_per_online_payment = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("6"),
        verbose_name="Minutes to record and reconcile one payment by hand")
    minutes_per_routing_decision = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("3"),
        verbose_name="Minutes to choose who does one task")
    minutes_per_rebalance = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("15"),
        verbose_name="Minutes to rebalance one job's open tasks by hand")
    # No default: the value of an hour is the firm's to state; without it the page shows
    # hours saved only.
    hourly_value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                       verbose_name="Value of one staff hour")
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "ROI assumptions"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="insight_roi_assumptions_one_row"),
            models.CheckConstraint(
                condition=Q(minutes_per_document__gte=0, minutes_per_automation__gte=0,
                            minutes_per_online_payment__gte=0,
                            minutes_per_routing_decision__gte=0, minutes_per_rebalance__gte=0),
                name="insight_roi_minutes_not_negative"),
            models.CheckConstraint(condition=Q(hourly_value__gte=0) | Q(hourly_value=None),
                                   name="insight_roi_hourly_value_not_negative"),
        ]

    def __str__(self) -> str:
        return "ROI assumptions"
