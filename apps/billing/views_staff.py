"""Staff billing pages (/staff/billing/...): invoice list, detail with send, void,
payments and refunds, the PDF, recurring plans. Thin: forms shape input, services write,
selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from advisoros.forms import form_written
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.billing import selectors
from apps.billing.forms import (
    InvoiceListFilterForm,
    PaymentForm,
    RecurringPlanForm,
    RefundForm,
    VoidForm,
)
from apps.billing.payments import payment_record, payment_refund
from apps.billing.pdf import invoice_pdf
from apps.billing.recurring import recurring_plan_create
from apps.billing.services import invoice_send, invoice_void
from apps.marketplace.models import MarketplaceEngagement
from apps.portal.models import Engagement
from apps.portal.selectors import client_get


@firm_permission_required(Perm.INVOICES_VIEW)
def invoice_list(request: HttpRequest) -> HttpResponse:
    form = InvoiceListFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "billing/invoice_list.html", {"form": form, "page": None},
                      status=400)
    data = form.cleaned_data if request.GET else {}
    query = selectors.InvoiceListQuery(q=(data.get("q") or "").strip(),
                                       status=data.get("status") or "",
                                       client=data.get("client"), page=data.get("page") or 1)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "billing/invoice_list.html", {
        "form": form, "page": selectors.invoice_list_page(query), "params": params.urlencode(),
        "can_report": request_has_permission(request, Perm.REPORTS_VIEW)})


def _engagement_choices(client_id: int) -> list[tuple[int, str]]:
    return [(e.pk, str(e)) for e in Engagement.objects.filter(client_id=client_id)
            .order_by("-start_date", "-id")[:100]]


def _marketplace_choices(firm_id: int, client_id: int) -> list[tuple[int, str]]:
    rows = (MarketplaceEngagement.objects
            .filter(firm_id=firm_id, client_id=client_id,
                    status__in=["accepted", "active", "completed"])
            .select_related("advisor__user").order_by("-requested_at")[:50])
    return [(e.pk, f"{e.advisor.user.full_name or e.advisor.user.email} "
                   f"({e.get_status_display().lower()})") for e in rows]


def _detail_context(request: HttpRequest, invoice_id: int, **forms) -> dict:
    detail = selectors.invoice_detail_get(invoice_id)
    for payment in detail.payments:
        # One form (and so one idempotency key) per payment's refund box.
        payment.refund_form = (forms["refund_form"]
                               if forms.get("refund_payment_id") == payment.pk
                               else RefundForm())
    return {"detail": detail, "invoice": detail.invoice,
            "can_edit": request_has_permission(request, Perm.INVOICES_EDIT),
            "can_record": request_has_permission(request, Perm.PAYMENTS_RECORD),
            "payment_form": forms.get("payment_form") or PaymentForm(
                initial={"amount": detail.invoice.balance or None}),
            "void_form": forms.get("void_form") or VoidForm(),
            "refund_payment_id": forms.get("refund_payment_id")}


@firm_permission_required(Perm.INVOICES_VIEW)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice_id))


def _fail(request: HttpRequest, invoice_id: int, exc: ValidationError) -> HttpResponse:
    for message in exc.messages:
        messages.error(request, message)
    return redirect("billing:invoice_detail", invoice_id=invoice_id)


@require_POST
@firm_permission_required(Perm.INVOICES_EDIT)
def invoice_send_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_detail_get(invoice_id).invoice
    try:
        invoice_send(invoice=invoice, actor=request.user, request=request)
    except ValidationError as exc:
        return _fail(request, invoice_id, exc)
    messages.success(request, f"Invoice {invoice.number} sent.")
    return redirect("billing:invoice_detail", invoice_id=invoice_id)


@require_POST
@firm_permission_required(Perm.INVOICES_EDIT)
def invoice_void_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_detail_get(invoice_id).invoice
    form = VoidForm(request.POST)
    if form_written(form, lambda data: invoice_void(
            invoice=invoice, reason=data["reason"], actor=request.user, request=request)):
        messages.success(request, f"Invoice {invoice.number} voided.")
        return redirect("billing:invoice_detail", invoice_id=invoice_id)
    return render(request, "billing/invoice_detail.html",
                  _detail_context(request, invoice_id, void_form=form), status=400)


@require_POST
@firm_permission_required(Perm.PAYMENTS_RECORD)
def payment_create_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_detail_get(invoice_id).invoice
    form = PaymentForm(request.POST)
    if form_written(form, lambda data: payment_record(
            invoice=invoice, recorded_by=request.user, request=request, **data)):
        messages.success(request, f"Payment of {form.cleaned_data['amount']} recorded.")
        return redirect("billing:invoice_detail", invoice_id=invoice_id)
    return render(request, "billing/invoice_detail.html",
                  _detail_context(request, invoice_id, payment_form=form), status=400)


@require_POST
@firm_permission_required(Perm.PAYMENTS_RECORD)
def refund_create_page(request: HttpRequest, invoice_id: int, payment_id: int
                       ) -> HttpResponse:
    payment = selectors.payment_get(payment_id, invoice_id=invoice_id)
    form = RefundForm(request.POST)
    if form_written(form, lambda data: payment_refund(
            payment=payment, recorded_by=request.user, request=request, **data)):
        messages.success(request, f"Refund of {form.cleaned_data['amount']} recorded.")
        return redirect("billing:invoice_detail", invoice_id=invoice_id)
    return render(request, "billing/invoice_detail.html",
                  _detail_context(request, invoice_id, refund_form=form,
                                  refund_payment_id=payment.pk), status=400)


def pdf_response(detail: selectors.InvoiceDetail, firm_name: str) -> HttpResponse:
    response = HttpResponse(invoice_pdf(detail, firm_name=firm_name),
                            content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="invoice-'
                                       f'{detail.invoice.number}.pdf"')
    return response


@firm_permission_required(Perm.INVOICES_VIEW)
def invoice_pdf_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return pdf_response(selectors.invoice_detail_get(invoice_id), request.firm.name)


@firm_permission_required(Perm.INVOICES_VIEW)
def recurring_list(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/recurring_list.html", {
        "plans": selectors.recurring_plans(),
        "can_edit": request_has_permission(request, Perm.INVOICES_EDIT)})


@firm_permission_required(Perm.INVOICES_EDIT)
def recurring_create_page(request: HttpRequest, client_id: int) -> HttpResponse:
    client = client_get(client_id)
    form = RecurringPlanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form_written(form, lambda _: recurring_plan_create(
                client=client, created_by=request.user, request=request,
                **form.service_kwargs())):
            messages.success(request, "Recurring invoice plan created.")
            return redirect("billing:recurring_list")
        status = 400
    return render(request, "staff/form.html", {
        "form": form, "title": f"Recurring invoice for {client.business_name}",
        "cancel_url": reverse("staff:client_detail", args=[client.pk])}, status=status)
