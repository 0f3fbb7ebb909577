"""Alert history: when a rule fired, what it saw, and when it cleared.

Rules themselves are code (apps/observability/alerts.py): their thresholds come from the
performance budgets and change with a review, not from an admin form.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class AlertRuleKey(models.TextChoices):
    P95_LATENCY = "p95_latency", "p95 latency above 500 ms for 5 minutes"
    ERROR_RATE = "error_rate", "Error rate above 1 %"
    CACHE_HIT_RATIO = "cache_hit_ratio", "Cache hit ratio below 60 %"
    QUEUE_DEPTH = "queue_depth", "Celery queue depth above 100"


class AlertEvent(models.Model):
    rule = models.CharField(max_length=40, choices=AlertRuleKey.choices)
    threshold = models.FloatField()
    fired_value = models.FloatField(help_text="What the rule measured when it fired.")
    last_value = models.FloatField(null=True, blank=True,
                                   help_text="The latest measurement while it was firing.")
    detail = models.CharField(max_length=300, blank=True)
    fired_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fired_at", "-pk"]
        indexes = [models.Index(fields=["-fired_at"], name="obs_alert_fired_idx")]
        constraints = [
            # A rule is either firing once or not at all: evaluation runs can overlap.
            models.UniqueConstraint(fields=["rule"], condition=Q(cleared_at__isnull=True),
                                    name="obs_one_open_alert_per_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} fired {self.fired_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
