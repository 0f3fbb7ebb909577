"""Invoices, their lines, payments, refunds and recurring plans. Tenant schema.

Money is Decimal with two places. The database refuses a negative total, a balance outside
0..total, refunds above what was paid and a second invoice for one recurring period, so a
bug in a service cannot store an impossible invoice. Columns added after the first shape
carry database defaults: `seed_scale` inserts invoices with SQL and names only the first
shape's columns.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum


def _user_fk(related_name: str, **extra) -> models.ForeignKey:
    # Users live in public; no constraint from every firm schema into public (as in portal).
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name=related_name, **extra)


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    CAD = "CAD", "Canadian dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"
    AUD = "AUD", "Australian dollar"


class PaymentTerms(models.TextChoices):
    DUE_ON_RECEIPT = "due_on_receipt", "Due on receipt"
    NET_15 = "net_15", "Net 15"
    NET_30 = "net_30", "Net 30"
    NET_45 = "net_45", "Net 45"
    NET_60 = "net_60", "Net 60"


TERMS_DAYS: dict[str, int] = {"due_on_receipt": 0, "net_15": 15, "net_30": 30, "net_45": 45,
                              "net_60": 60}


class InvoiceNumberSequence(models.Model):
    """The last invoice number used in a year. Incremented inside the transaction that
    creates the invoice: a rollback gives the number back, so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class RecurringPlan(models.Model):
    """Bill a client the same thing every month, quarter or year; beat generates one
    invoice per period (unique per plan and period start)."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="recurring_plans")
    engagement = models.ForeignKey("portal.Engagement", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="recurring_plans")
    marketplace_engagement_id = models.BigIntegerField(null=True, blank=True)
    frequency = models.CharField(max_length=16, choices=Frequency.choices)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("1"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    # A fraction with up to five places: 8.875 % is 0.08875.
    tax_rate = models.DecimalField(max_digits=6, decimal_places=5, default=Decimal("0"))
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    payment_terms = models.CharField(max_length=20, choices=PaymentTerms.choices,
                                     default=PaymentTerms.NET_30)
    # Periods are counted from the start date (not from the previous period) so a plan
    # that starts on the 31st bills on the last day of short months without drifting.
    start_date = models.DateField()
    periods_generated = models.PositiveIntegerField(default=0)
    next_period_start = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    send_automatically = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    # Why the last generation run could not bill this plan (empty once it succeeds);
    # one failing plan never stops the others.
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["next_period_start", "id"]
        indexes = [models.Index(fields=["active", "next_period_start"], name="plan_due")]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()}: {self.description}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        OVERDUE = "overdue", "Overdue"
        VOID = "void", "Void"

    # Statuses with money still owed: what "open invoices" and "outstanding" mean.
    OPEN_STATUSES = (Status.SENT, Status.PARTIALLY_PAID, Status.OVERDUE)
    # Issued and not void: what counts as billed.
    ISSUED_STATUSES = (Status.SENT, Status.PARTIALLY_PAID, Status.PAID, Status.OVERDUE)

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="invoices")
    engagement = models.ForeignKey("portal.Engagement", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="invoices")
    # The marketplace engagement (public schema) this invoice bills: paying it records
    # the platform's commission. No database constraint across schemas.
    marketplace_engagement = models.ForeignKey(
        "marketplace.MarketplaceEngagement", on_delete=models.DO_NOTHING, null=True,
        blank=True, db_constraint=False, related_name="+")
    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, choices=Currency.choices,
                                db_default=Currency.USD, default=Currency.USD)
    payment_terms = models.CharField(max_length=20, choices=PaymentTerms.choices,
                                     db_default=PaymentTerms.NET_30,
                                     default=PaymentTerms.NET_30)
    issue_date = models.DateField()
    due_date = models.DateField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # Part of the total that is tax (revenue and commissions are counted without it).
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, db_default=Decimal("0"),
                                    default=Decimal("0"))
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    # Money given back to the client; the collected amount is total - balance - refunded.
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2,
                                          db_default=Decimal("0"), default=Decimal("0"))
    notes = models.TextField(max_length=2000, blank=True, db_default="", default="")
    void_reason = models.CharField(max_length=500, blank=True, db_default="", default="")
    recurring_plan = models.ForeignKey(RecurringPlan, on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="invoices")
    period_start = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The firm's commission rate when this marketplace invoice became paid: the ledger
    # books this one however late it records the commission, so a rate changed after
    # payment never reaches it. Empty on invoices paid before it was kept.
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True,
                                          blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    created_by = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["client", "status"], name="invoice_client_status"),
            # Aging and overdue marking: open invoices by due date.
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            # Revenue by month.
            models.Index(fields=["issue_date"], name="invoice_issue_date"),
            # Aging reports read open balances by due date from the index alone.
            models.Index(fields=["due_date"], include=["balance", "client"],
                         condition=Q(status__in=["sent", "partially_paid", "overdue"]),
                         name="invoice_open_aging"),
            # The global search finds an invoice by the first characters of its number.
            models.Index(fields=["number"], name="invoice_number_prefix",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["marketplace_engagement"], name="invoice_mkt_engagement",
                         condition=Q(marketplace_engagement__isnull=False)),
            # The minutely commission catch-up reads paid marketplace invoices changed
            # in the last hour, not the firm's whole history.
            models.Index(fields=["updated_at"], name="invoice_mkt_paid_changed",
                         condition=Q(marketplace_engagement__isnull=False,
                                     paid_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=Q(balance__gte=0) & Q(balance__lte=F("total")),
                name="invoice_balance_within_total"),
            models.CheckConstraint(condition=Q(due_date__gte=F("issue_date")),
                                   name="invoice_due_after_issue"),
            models.CheckConstraint(condition=Q(tax_total__gte=0) & Q(tax_total__lte=F("total")),
                                   name="invoice_tax_within_total"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("total")),
                name="invoice_refunded_within_total"),
            models.UniqueConstraint(fields=["recurring_plan", "period_start"],
                                    condition=Q(recurring_plan__isnull=False),
                                    name="invoice_once_per_period"),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def revenue_collected_sum(cls) -> Sum:
        """Money collected and kept over issued invoices: the dashboards' "revenue paid"
        (the view computes the same in SQL, apps/portal/dashboard_sql.py)."""
        return Sum(F("total") - F("balance") - F("amount_refunded"),
                   filter=Q(status__in=cls.ISSUED_STATUSES))

    @property
    def subtotal(self) -> Decimal:
        return self.total - self.tax_total

    @property
    def amount_paid(self) -> Decimal:
        """Collected and kept (payments less refunds); a void invoice keeps nothing."""
        if self.status in (self.Status.DRAFT, self.Status.VOID):
            return Decimal("0.00")
        return self.total - self.balance - self.amount_refunded


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=12, decimal_places=4)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    # A fraction with up to five places: 8.875 % is 0.08875.
    tax_rate = models.DecimalField(max_digits=6, decimal_places=5, default=Decimal("0"))
    # quantity x unit price and its tax, each rounded half-up to the cent (apps/billing/money.py).
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_position_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_pos"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_gte_0"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=1),
                                   name="line_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def tax_percent(self) -> str:
        """0.0825 -> "8.25" for display."""
        return f"{(self.tax_rate * 100).normalize():f}"


class Payment(models.Model):
    class Method(models.TextChoices):
        CARD = "card", "Card"
        ACH = "ach", "Bank transfer (ACH)"
        WIRE = "wire", "Wire"
        CHECK = "check", "Check"
        CASH = "cash", "Cash"
        OTHER = "other", "Other"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=16, choices=Method.choices)
    reference = models.CharField(max_length=120, blank=True)
    received_on = models.DateField()
    # Online payments: who charged and the provider's id for the charge.
    provider = models.CharField(max_length=32, blank=True)
    provider_charge_id = models.CharField(max_length=120, blank=True)
    # A retried request with the same key finds this payment instead of recording another.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    recorded_by = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["invoice", "received_on"], name="payment_invoice")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_pos"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refund_within_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.invoice_id}"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=500)
    provider_refund_id = models.CharField(max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    recorded_by = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} of payment {self.payment_id}"


class PaymentIntent(models.Model):
    """An online payment between asking the provider for money and recording it.

    Opened and committed before the provider is called, confirmed in a second
    transaction after the charge: if the database fails between the two, the charge is
    not lost, because the reconcile task asks the provider about every intent left
    pending (by its idempotency key) and records the payment or closes the intent.
    pending -> succeeded (with its payment) | failed (with the reason)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT,
                                related_name="payment_intents")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    # The key the provider is called with: it answers a repeat with the same charge.
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=32)
    provider_charge_id = models.CharField(max_length=120, blank=True)
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="intent")
    failure_reason = models.CharField(max_length=300, blank=True)
    payer = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="intent_pending",
                                condition=Q(status="pending"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="intent_amount_pos"),
            models.CheckConstraint(
                condition=(Q(status="succeeded", payment__isnull=False)
                           | (~Q(status="succeeded") & Q(payment__isnull=True))),
                name="intent_payment_iff_succeeded"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.amount} on {self.invoice_id}"


class BillableService(models.Model):
    """A service the firm bills often, with its default rate (the firm's catalogue).
    Picked on an invoice line, it fills the line's description, price and tax; the line
    keeps its own copy, so changing a rate later never changes an issued invoice."""

    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True, default="")
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=5, default=Decimal("0"))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="billable_service_name_once"),
            models.CheckConstraint(condition=Q(unit_price__gte=0),
                                   name="billable_service_price_gte_0"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=1),
                                   name="billable_service_tax_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tax_percent(self) -> str:
        return f"{(self.tax_rate * 100).normalize():f}"
