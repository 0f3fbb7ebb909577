"""Invoices (first shape; the billing issue adds lines, payments and the ledger).

Tenant schema. Money is Decimal with two places; the database refuses a negative total, a
negative balance or a balance above the total.
"""

from __future__ import annotations

from django.db import models


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PAID = "paid", "Paid"
        OVERDUE = "overdue", "Overdue"
        VOID = "void", "Void"

    # Statuses with money still owed: what "open invoices" and "outstanding" mean.
    OPEN_STATUSES = (Status.SENT, Status.OVERDUE)

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="invoices")
    engagement = models.ForeignKey("portal.Engagement", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="invoices")
    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    issue_date = models.DateField()
    due_date = models.DateField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["client", "status"], name="invoice_client_status"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0) & models.Q(balance__lte=models.F("total")),
                name="invoice_balance_within_total"),
            models.CheckConstraint(condition=models.Q(due_date__gte=models.F("issue_date")),
                                   name="invoice_due_after_issue"),
        ]

    def __str__(self) -> str:
        return self.number
