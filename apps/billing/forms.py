"""Billing forms: they shape input for the services, which check it again and own the
rules. Money fields are DecimalFields (never floats); bad values show next to the field."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django import forms

from apps.billing.cards import Expiry, card_number_clean, cvc_clean, expiry_clean, is_amex
from apps.billing.models import (
    BillableService,
    Currency,
    Invoice,
    Payment,
    PaymentTerms,
    RecurringPlan,
)
from apps.billing.providers import PaymentDeclined
from apps.billing.validation import MONEY_MAX, QUANTITY_MAX

LINE_ROWS = 3
_DATE = forms.DateInput(attrs={"type": "date"})


def _money_field(label: str, *, required: bool = True, minimum: str = "0.01"
                 ) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=2,
                              min_value=Decimal(minimum), max_value=MONEY_MAX,
                              widget=forms.NumberInput(attrs={"step": "0.01",
                                                              "inputmode": "decimal"}))


def _key_field() -> forms.CharField:
    # A fresh key per rendered form: submitting the same form twice (a double click, a
    # retried POST) carries the same key, so the payment is made once.
    return forms.CharField(widget=forms.HiddenInput, max_length=100,
                           initial=lambda: uuid.uuid4().hex)


class InvoiceForm(forms.Form):
    issue_date = forms.DateField(widget=_DATE, initial=date.today)
    payment_terms = forms.ChoiceField(choices=PaymentTerms.choices,
                                      initial=PaymentTerms.NET_30)
    currency = forms.ChoiceField(choices=Currency.choices, initial=Currency.USD)
    engagement = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    marketplace_engagement = forms.TypedChoiceField(
        label="Marketplace engagement", required=False, coerce=int, empty_value=None,
        help_text="Paying this invoice records the platform's commission on it.")
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(
        attrs={"rows": 2}))

    def __init__(self, *args, engagements: list[tuple[int, str]],
                 marketplace_engagements: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["engagement"].choices = [("", "None"), *engagements]
        self.fields["marketplace_engagement"].choices = [("", "None"),
                                                         *marketplace_engagements]


class LineForm(forms.Form):
    """One invoice line. Picking a saved service fills what the line leaves blank with
    the service's name, rate and tax (the browser fills them in as it is picked too)."""

    service = forms.TypedChoiceField(label="Service", required=False, coerce=int,
                                     empty_value=None)
    description = forms.CharField(max_length=500, required=False)
    quantity = forms.DecimalField(required=False, max_digits=12, decimal_places=4,
                                  min_value=Decimal("0.0001"), max_value=QUANTITY_MAX,
                                  widget=forms.NumberInput(attrs={"step": "any"}))
    unit_price = _money_field("Unit price", required=False, minimum="0")
    tax_percent = forms.DecimalField(label="Tax %", required=False, max_digits=6,
                                     decimal_places=3, min_value=Decimal(0),
                                     max_value=Decimal(100),
                                     widget=forms.NumberInput(attrs={"step": "any"}))

    def __init__(self, *args, services: dict[int, BillableService] | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.services = services or {}
        self.fields["service"].choices = [("", "Custom line"), *(
            (pk, service.name) for pk, service in self.services.items())]

    def clean(self) -> dict:
        data = super().clean()
        service = self.services.get(data.get("service"))
        if service is not None:
            if not data.get("description"):
                data["description"] = service.description or service.name
            if data.get("unit_price") is None:
                data["unit_price"] = service.unit_price
            if data.get("tax_percent") is None:
                data["tax_percent"] = service.tax_rate * 100
        filled = [data.get("description"), data.get("unit_price")]
        if any(v not in (None, "") for v in filled) and not self.errors:
            if not data.get("description"):
                self.add_error("description", "Describe the work on this line.")
            if data.get("unit_price") is None:
                self.add_error("unit_price", "Enter a price.")
        return data

    def as_line(self) -> dict | None:
        data = self.cleaned_data
        if data.get("DELETE") or not data.get("description"):
            return None
        return {"description": data["description"], "quantity": data["quantity"] or Decimal(1),
                "unit_price": data["unit_price"],
                "tax_rate": (data["tax_percent"] or Decimal(0)) / 100}

    @classmethod
    def initial_from(cls, line) -> dict:
        return {"description": line.description, "quantity": line.quantity.normalize(),
                "unit_price": line.unit_price,
                "tax_percent": (line.tax_rate * 100).normalize()}


class BaseLineFormSet(forms.BaseFormSet):
    def form_line_indexes(self) -> dict[int, int]:
        """The position of each kept line in the list given to the service -> the form
        that holds it, so the service's `lines.<n>.<field>` errors land on the right row."""
        kept = [i for i, form in enumerate(self.forms) if form.as_line() is not None]
        return dict(enumerate(kept))

    def lines(self) -> list[dict]:
        return [line for form in self.forms if (line := form.as_line()) is not None]


# Three rows to start with; "Add a line" (a submit button, so it works without
# JavaScript) asks for one more, and each row has a "Remove" box.
LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=LINE_ROWS,
                                    max_num=100, absolute_max=100, validate_max=True,
                                    can_delete=True)


class BillableServiceForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(max_length=500, required=False,
                                  help_text="What the invoice line says (the name if empty).")
    unit_price = _money_field("Default rate", minimum="0")
    tax_percent = forms.DecimalField(label="Tax %", required=False, max_digits=6,
                                     decimal_places=3, min_value=Decimal(0),
                                     max_value=Decimal(100), initial=Decimal(0))
    active = forms.BooleanField(required=False, initial=True,
                                label="Offered on new invoice lines")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["tax_rate"] = (data.pop("tax_percent") or Decimal(0)) / 100
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput(
        attrs={"placeholder": "Why is this invoice cancelled?"}))


class PaymentForm(forms.Form):
    amount = _money_field("Amount")
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.ACH)
    received_on = forms.DateField(label="Received on", widget=_DATE, initial=date.today)
    reference = forms.CharField(required=False, max_length=120,
                                help_text="Check number, transfer reference...")
    idempotency_key = _key_field()


class RefundForm(forms.Form):
    amount = _money_field("Refund amount")
    reason = forms.CharField(max_length=500)
    idempotency_key = _key_field()


def _card_input(autocomplete: str, **attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete, "spellcheck": "false",
                                  "autocapitalize": "off", **attrs})


class PortalPayForm(forms.Form):
    """A card form: cardholder, number (grouped as typed), expiry and security code, each
    checked with its own message; the provider turns the card into a token (the number
    is never stored). What the service receives is amount, token and idempotency key."""

    amount = _money_field("Amount to pay")
    cardholder = forms.CharField(label="Name on the card", max_length=100,
                                 widget=_card_input("cc-name"))
    card_number = forms.CharField(label="Card number", max_length=30, widget=_card_input(
        "cc-number", inputmode="numeric", placeholder="1234 1234 1234 1234"))
    expiry = forms.CharField(label="Expiry (MM/YY)", max_length=7, widget=_card_input(
        "cc-exp", inputmode="numeric", placeholder="MM/YY"))
    cvc = forms.CharField(label="Security code (CVC)", max_length=4, widget=_card_input(
        "cc-csc", inputmode="numeric", placeholder="123"))
    idempotency_key = _key_field()

    def __init__(self, *args, provider=None, today: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.today = today or date.today()

    def clean_card_number(self) -> str:
        try:
            return card_number_clean(self.cleaned_data["card_number"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_expiry(self) -> Expiry:
        try:
            return expiry_clean(self.cleaned_data["expiry"], today=self.today)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict:
        data = super().clean()
        number = data.get("card_number")
        if number and data.get("cvc") is not None:
            try:
                data["cvc"] = cvc_clean(data["cvc"], amex=is_amex(number))
            except ValueError as exc:
                self.add_error("cvc", str(exc))
        if not self.errors and self.provider is not None:
            try:
                data["token"] = self.provider.card_token(
                    number=number, exp_month=data["expiry"].month,
                    exp_year=data["expiry"].year, cvc=data["cvc"], name=data["cardholder"])
            except PaymentDeclined as exc:
                self.add_error("card_number", str(exc))
        return data

    def payment_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("amount", "token",
                                                           "idempotency_key")}


class RecurringPlanForm(forms.Form):
    frequency = forms.ChoiceField(choices=RecurringPlan.Frequency.choices)
    description = forms.CharField(max_length=500)
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, initial=Decimal(1),
                                  min_value=Decimal("0.0001"), max_value=QUANTITY_MAX)
    unit_price = _money_field("Unit price", minimum="0")
    tax_percent = forms.DecimalField(label="Tax %", required=False, max_digits=6,
                                     decimal_places=3, min_value=Decimal(0),
                                     max_value=Decimal(100))
    currency = forms.ChoiceField(choices=Currency.choices, initial=Currency.USD)
    payment_terms = forms.ChoiceField(choices=PaymentTerms.choices,
                                      initial=PaymentTerms.NET_30)
    start_date = forms.DateField(label="First period starts", widget=_DATE,
                                 initial=date.today)
    end_date = forms.DateField(label="Last period starts (optional)", required=False,
                               widget=_DATE)
    send_automatically = forms.BooleanField(required=False, initial=True,
                                            label="Send each invoice when it is made")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["tax_rate"] = (data.pop("tax_percent") or Decimal(0)) / 100
        return data


class InvoiceListFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(required=False,
                               choices=[("", "Any status"),
                                    ("open", "Open (sent, partly paid or overdue)"),
                                    *Invoice.Status.choices])
    client = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


class ClientPickForm(forms.Form):
    """Which client a new invoice or recurring plan is for, from lists with no client."""

    client = forms.TypedChoiceField(coerce=int, label="Client")
    make = forms.ChoiceField(choices=[("invoice", "Invoice"), ("recurring", "Recurring plan")],
                             widget=forms.HiddenInput, initial="invoice", required=False)

    def __init__(self, *args, clients: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "Choose a client"), *(
            (c["id"], c["business_name"]) for c in clients)]


class ReportForm(forms.Form):
    as_of = forms.DateField(label="Aging as of", required=False, widget=_DATE)
    start = forms.DateField(label="Revenue from", required=False, widget=_DATE)
    end = forms.DateField(label="Revenue until (exclusive)", required=False, widget=_DATE)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end must be after the start.")
        for name in ("as_of", "start", "end"):
            value = data.get(name)
            if value and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                self.add_error(name, "Use a date between 2000 and 2100.")
        return data
