"""Input and output shapes of the billing API. Inputs refuse unknown choices, NUL bytes,
floats-as-money surprises (strings or numbers become Decimal), absurd amounts and
negative quantities with a 400 naming the field; services check again."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.billing.models import Currency, Invoice, Payment, PaymentTerms
from apps.billing.validation import MONEY_MAX, QUANTITY_MAX
from apps.ledger.models import RevenueShareEntry

_ID = {"min_value": 1, "max_value": 2**63 - 1}


def money(**extra) -> serializers.DecimalField:
    extra.setdefault("min_value", Decimal("0"))
    return serializers.DecimalField(max_digits=12, decimal_places=2, max_value=MONEY_MAX,
                                    coerce_to_string=True, **extra)


class LineInput(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=4,
                                        min_value=Decimal("0.0001"), max_value=QUANTITY_MAX,
                                        default=Decimal(1))
    unit_price = money()
    tax_rate = serializers.DecimalField(max_digits=6, decimal_places=5, min_value=Decimal(0),
                                        max_value=Decimal(1), default=Decimal(0),
                                        help_text="A fraction: 0.08875 is 8.875 %.")


class InvoiceCreateInput(serializers.Serializer):
    client = serializers.IntegerField(**_ID)
    engagement = serializers.IntegerField(required=False, allow_null=True, **_ID)
    marketplace_engagement = serializers.IntegerField(required=False, allow_null=True, **_ID)
    issue_date = serializers.DateField(required=False)
    payment_terms = serializers.ChoiceField(choices=PaymentTerms.choices,
                                            default=PaymentTerms.NET_30)
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.USD)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                  default="")
    lines = LineInput(many=True, min_length=1, max_length=100)


class VoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class LineOutput(serializers.Serializer):
    position = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=4)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = serializers.DecimalField(max_digits=6, decimal_places=5)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = serializers.DecimalField(max_digits=12, decimal_places=2)


INVOICE_FIELDS = ("id", "number", "client_id", "engagement_id", "marketplace_engagement_id",
                  "status", "currency", "payment_terms", "issue_date", "due_date", "total",
                  "tax_total", "balance", "amount_refunded", "sent_at", "paid_at",
                  "voided_at", "created_at")


class InvoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    client_id = serializers.IntegerField()
    engagement_id = serializers.IntegerField(allow_null=True)
    marketplace_engagement_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    currency = serializers.CharField()
    payment_terms = serializers.CharField()
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount_refunded = serializers.DecimalField(max_digits=12, decimal_places=2)
    sent_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class InvoiceDetailOutput(InvoiceOutput):
    lines = LineOutput(many=True)


class PaymentInput(serializers.Serializer):
    invoice = serializers.IntegerField(**_ID)
    amount = money(min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    received_on = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                      default="")


PAYMENT_FIELDS = ("id", "invoice_id", "amount", "method", "reference", "received_on",
                  "provider", "amount_refunded", "created_at")


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    invoice_id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    reference = serializers.CharField()
    received_on = serializers.DateField()
    provider = serializers.CharField()
    amount_refunded = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_at = serializers.DateTimeField()


REVENUE_SHARE_FIELDS = ("id", "kind", "invoice_id", "invoice_number",
                        "marketplace_engagement_id", "advisor_id", "currency", "gross_amount",
                        "commission_rate", "platform_fee", "advisor_payout", "payout_status",
                        "reverses_id", "created_at")


class RevenueShareOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RevenueShareEntry.Kind.choices)
    invoice_id = serializers.IntegerField()
    invoice_number = serializers.CharField()
    marketplace_engagement_id = serializers.IntegerField()
    advisor_id = serializers.IntegerField()
    currency = serializers.CharField()
    gross_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    commission_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    platform_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    advisor_payout = serializers.DecimalField(max_digits=12, decimal_places=2)
    payout_status = serializers.ChoiceField(choices=RevenueShareEntry.PayoutStatus.choices)
    reverses_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
