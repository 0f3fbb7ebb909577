"""A health score per client and its daily history (firm schema).

The score (0-100, higher is healthier) and the measurements it comes from are written in
one set-based statement by `services.health_refresh`; the words shown to people are made
from the stored measurements by `scoring.health_reasons`, so what a page says always
matches the number next to it.
"""

from __future__ import annotations

from django.db import models


class ClientHealth(models.Model):
    client = models.OneToOneField("portal.Client", on_delete=models.CASCADE, primary_key=True,
                                  related_name="health")
    score = models.SmallIntegerField()
    # The measurements (see scoring.py for what each one costs).
    overdue_invoices = models.IntegerField(default=0)
    worst_days_late = models.IntegerField(default=0)  # the oldest unpaid invoice past due
    overdue_requests = models.IntegerField(default=0)  # document request items past due
    days_idle = models.IntegerField(default=0)  # since the last sign-in, upload or message
    response_days = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    engagements_added = models.IntegerField(default=0)  # in the last 90 days
    engagements_ended = models.IntegerField(default=0)  # in the last 90 days
    paid_days_late = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The firm list, riskiest first, is a keyset walk of this index.
            models.Index(fields=["score", "client"], name="clienthealth_risk_order"),
        ]

    def __str__(self) -> str:
        return f"client {self.client_id}: {self.score}"


class ClientHealthSnapshot(models.Model):
    """One score per client and day, for the trend; a second refresh the same day
    overwrites that day's value."""

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    score = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "day"],
                                               name="clienthealth_snapshot_once_a_day")]

    def __str__(self) -> str:
        return f"client {self.client_id} {self.day}: {self.score}"
