"""Billing in the firm admin. Adding an invoice and the send / void actions go through the
services (numbering, totals, audit); an existing invoice's money is read-only here."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from advisoros.admin_sites import FirmModelAdmin, firm_admin
from apps.accounts.access import request_has_permission
from apps.accounts.roles import Perm
from apps.billing.models import Invoice, InvoiceLine, Payment, PaymentIntent, RecurringPlan
from apps.billing.services import invoice_create, invoice_send, invoice_validate, invoice_void


class InvoiceAddForm(forms.ModelForm):
    """One line is enough to start; more lines are added on the staff page."""

    description = forms.CharField(max_length=500)
    quantity = forms.DecimalField(max_digits=12, decimal_places=4, initial=Decimal(1))
    unit_price = forms.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = forms.DecimalField(max_digits=6, decimal_places=5, initial=Decimal(0),
                                  help_text="A fraction: 0.0825 is 8.25 %.")

    class Meta:
        model = Invoice
        fields = ["client", "engagement", "issue_date", "payment_terms", "currency", "notes"]

    def clean(self) -> dict:
        """The service's own checks (another client's engagement, an archived client, a
        total over the maximum, ...), so bad input is a form error and never a 500."""
        data = super().clean()
        if self.errors or data.get("client") is None:
            return data
        try:
            invoice_validate(
                client=data["client"], engagement=data.get("engagement"),
                issue_date=data.get("issue_date"), payment_terms=data.get("payment_terms"),
                currency=data.get("currency"), notes=data.get("notes", ""),
                lines=[self.line()])
        except ValidationError as exc:
            for key, messages_ in exc.message_dict.items():
                field = key.rsplit(".", 1)[-1]
                for message in messages_:
                    self.add_error(field if field in self.fields else None, message)
        return data

    def line(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k) for k in ("description", "quantity", "unit_price", "tax_rate")}


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under an invoice, read-only. Visible by the firm's role matrix: Django's
    per-model auth permissions know no firm, so without this the inlines never showed."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request_has_permission(request, Perm.INVOICES_VIEW)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = readonly_fields = ["position", "description", "quantity", "unit_price",
                                "tax_rate", "amount", "tax_amount"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = readonly_fields = ["received_on", "amount", "method", "reference",
                                "amount_refunded"]


class PaymentIntentInline(ReadOnlyInline):
    """Online payment attempts: one still pending after a few minutes, or failed with a
    reason, is what staff look at when a client says "I paid"."""

    model = PaymentIntent
    verbose_name_plural = "online payment attempts"
    fields = readonly_fields = ["created_at", "amount", "status", "failure_reason", "payment"]


@admin.register(Invoice, site=firm_admin)
class InvoiceAdmin(FirmModelAdmin):
    list_display = ["number", "client", "status", "issue_date", "due_date", "total", "balance"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "client__business_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "engagement"]
    date_hierarchy = "issue_date"
    show_full_result_count = False
    list_per_page = 50
    view_permission = Perm.INVOICES_VIEW
    edit_permission = Perm.INVOICES_EDIT
    actions = ["send_invoices", "void_invoices"]
    inlines = [LineInline, PaymentInline, PaymentIntentInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InvoiceAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["client", "engagement", "issue_date", "payment_terms", "currency",
                    "description", "quantity", "unit_price", "tax_rate", "notes"]
        return [f.name for f in Invoice._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Invoice, form, change: bool) -> None:
        if change:  # nothing is editable on an existing invoice
            return
        data = form.cleaned_data
        invoice = invoice_create(
            client=data["client"], engagement=data.get("engagement"),
            issue_date=data["issue_date"], payment_terms=data["payment_terms"],
            currency=data["currency"], notes=data.get("notes", ""), lines=[form.line()],
            created_by=request.user, request=request)
        # The admin goes on with `obj` (its log entry and redirect): make it the new row.
        obj.__dict__.update(invoice.__dict__)

    @admin.action(description="Send selected draft invoices")
    def send_invoices(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, lambda i: invoice_send(invoice=i, actor=request.user,
                                                             request=request), "sent")

    @admin.action(description="Void selected invoices (refunds any payments)")
    def void_invoices(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, lambda i: invoice_void(
            invoice=i, reason="Voided in the firm admin", actor=request.user,
            request=request), "voided")

    def _each(self, request: HttpRequest, queryset: QuerySet, act, verb: str) -> None:
        done = 0
        for invoice in queryset.order_by("id")[:200]:
            try:
                act(invoice)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{invoice.number}: {' '.join(exc.messages)}",
                                  messages.ERROR)
        self.message_user(request, f"{done} invoice{'s' if done != 1 else ''} {verb}.")


@admin.register(RecurringPlan, site=firm_admin)
class RecurringPlanAdmin(FirmModelAdmin):
    list_display = ["client", "frequency", "description", "unit_price", "next_period_start",
                    "active"]
    list_filter = ["frequency", "active"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "engagement"]
    view_permission = Perm.INVOICES_VIEW
    edit_permission = Perm.INVOICES_EDIT
    # What a plan bills is fixed (its invoices were made from it); it can be paused,
    # given an end or stop sending automatically.
    fields = ["client", "engagement", "frequency", "description", "quantity", "unit_price",
              "tax_rate", "currency", "payment_terms", "start_date", "end_date",
              "send_automatically", "active", "periods_generated", "next_period_start"]
    readonly_fields = ["client", "engagement", "frequency", "description", "quantity",
                       "unit_price", "tax_rate", "currency", "payment_terms", "start_date",
                       "periods_generated", "next_period_start"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # plans are created on the client's page, with the service's checks
