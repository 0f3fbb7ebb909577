"""The platform's commission ledger. Public schema (a shared app), one table for all firms.

Append-only: an entry's money never changes; a refund or a void after payment adds a
reversing entry. Only the payout columns move (pending -> paid). `event_key` is unique:
the event that caused an entry ("paid:<firm>:<invoice>", "refund:<firm>:<refund>",
"void:<firm>:<invoice>") can record at most one entry however often it is processed.
A trigger (migration 0002) refuses DELETE, TRUNCATE and any UPDATE of the money columns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class RevenueShareEntry(models.Model):
    class Kind(models.TextChoices):
        COMMISSION = "commission", "Commission"
        REVERSAL = "reversal", "Reversal"

    class PayoutStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"

    event_key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    firm = models.ForeignKey("firms.Firm", on_delete=models.PROTECT,
                             related_name="revenue_share_entries")
    marketplace_engagement = models.ForeignKey(
        "marketplace.MarketplaceEngagement", on_delete=models.PROTECT,
        related_name="revenue_share_entries")
    advisor = models.ForeignKey("marketplace.AdvisorProfile", on_delete=models.PROTECT,
                                related_name="revenue_share_entries")
    # The invoice lives in the firm's schema: its id and number as they were.
    invoice_id = models.BigIntegerField()
    invoice_number = models.CharField(max_length=32)
    currency = models.CharField(max_length=3)
    # Reversals carry negative amounts; the sum of a firm's entries is what is owed.
    gross_amount = models.DecimalField(max_digits=12, decimal_places=2)
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)
    platform_fee = models.DecimalField(max_digits=12, decimal_places=2)
    advisor_payout = models.DecimalField(max_digits=12, decimal_places=2)
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="reversals")
    payout_status = models.CharField(max_length=16, choices=PayoutStatus.choices,
                                     default=PayoutStatus.PENDING)
    paid_out_at = models.DateTimeField(null=True, blank=True)
    paid_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "revenue share entries"
        indexes = [
            models.Index(fields=["firm", "invoice_id"], name="ledger_firm_invoice"),
            models.Index(fields=["advisor", "-created_at"], name="ledger_advisor_recent"),
            models.Index(fields=["payout_status", "created_at"], name="ledger_payout"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_amount=F("platform_fee") + F("advisor_payout")),
                name="ledger_split_adds_up"),
            models.CheckConstraint(
                condition=(Q(kind="commission", gross_amount__gte=0, reverses__isnull=True)
                           | Q(kind="reversal", gross_amount__lte=0, reverses__isnull=False)),
                name="ledger_sign_by_kind"),
            models.CheckConstraint(condition=Q(commission_rate__gte=0, commission_rate__lte=1),
                                   name="ledger_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.event_key}: {self.gross_amount}"
