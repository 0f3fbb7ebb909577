"""The invoice editor: a new draft for a client, and changing a draft before it is sent.

Lines are a formset: "Add a line" is a submit button that comes back with one more row
(no JavaScript needed), each row has a "Remove" box; with JavaScript the rows are added
and removed in place and a running total follows the typing (static/js/invoice_editor.js).
The total the server computes when saving is the one that counts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.billing import selectors
from apps.billing.catalogue import billable_services_active
from apps.billing.drafts import invoice_draft_update
from apps.billing.forms import ClientPickForm, InvoiceForm, LineForm, LineFormSet
from apps.billing.models import Invoice
from apps.billing.services import invoice_create
from apps.billing.views_staff import _engagement_choices, _marketplace_choices
from apps.portal.forms import apply_service_errors
from apps.portal.models import Client, Engagement
from apps.portal.selectors import client_get, firm_client_choices

# Service field names that the line form shows under another name.
_LINE_FIELDS = {"tax_rate": "tax_percent"}


def _with_one_more_line(data: QueryDict) -> QueryDict:
    data = data.copy()
    total = int(data.get("lines-TOTAL_FORMS") or 0)
    data["lines-TOTAL_FORMS"] = str(min(total + 1, 100))
    return data


def apply_line_errors(form: InvoiceForm, lines: LineFormSet, exc: ValidationError) -> None:
    """The service's errors next to their fields: `lines.<n>.<field>` on row n's field,
    the rest on the invoice form."""
    if not hasattr(exc, "error_dict"):
        apply_service_errors(form, exc)
        return
    rows = lines.form_line_indexes()
    rest = {}
    for key, errors in exc.error_dict.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            row = lines.forms[rows.get(int(parts[1]), 0)]
            field = _LINE_FIELDS.get(parts[2], parts[2]) if len(parts) > 2 else None
            row.add_error(field if field in row.fields else None, errors)
        else:
            rest[key] = errors
    if rest:
        apply_service_errors(form, ValidationError(rest))


def _quiet(form: InvoiceForm, lines: LineFormSet) -> None:
    """Asking for another row is not a submission: the rows come back as typed, without
    "this field is required" on what the user has not reached yet."""
    form._errors = ErrorDict()
    for row in lines.forms:
        row._errors = ErrorDict()
    lines._errors = [ErrorDict() for _ in lines.forms]
    lines._non_form_errors = lines.error_class()


def _editor(request: HttpRequest, *, client: Client, invoice: Invoice | None) -> HttpResponse:
    choices = {"engagements": _engagement_choices(client.pk),
               "marketplace_engagements": _marketplace_choices(request.firm.pk, client.pk)}
    catalogue = billable_services_active()
    line_kwargs = {"services": {service.pk: service for service in catalogue}}
    status = 200
    if request.method == "POST" and "add_line" in request.POST:
        # Back with one more row; nothing is saved and nothing is flagged yet.
        form = InvoiceForm(request.POST, **choices)
        lines = LineFormSet(_with_one_more_line(request.POST), prefix="lines",
                            form_kwargs=line_kwargs)
        _quiet(form, lines)
    elif request.method == "POST":
        form = InvoiceForm(request.POST, **choices)
        lines = LineFormSet(request.POST, prefix="lines", form_kwargs=line_kwargs)
        if form.is_valid() and lines.is_valid():
            saved = _save(request, client=client, invoice=invoice, form=form, lines=lines)
            if saved is not None:
                return redirect("billing:invoice_detail", invoice_id=saved.pk)
        status = 400
    elif invoice is not None:
        form = InvoiceForm(initial={
            "issue_date": invoice.issue_date, "payment_terms": invoice.payment_terms,
            "currency": invoice.currency, "engagement": invoice.engagement_id,
            "marketplace_engagement": invoice.marketplace_engagement_id,
            "notes": invoice.notes}, **choices)
        lines = LineFormSet(prefix="lines", form_kwargs=line_kwargs, initial=[
            LineForm.initial_from(line) for line in invoice.lines.order_by("position")])
    else:
        form = InvoiceForm(**choices)
        lines = LineFormSet(prefix="lines", form_kwargs=line_kwargs)
    return render(request, "billing/invoice_form.html", {
        "client": client, "invoice": invoice, "form": form, "lines": lines,
        "catalogue": [{"id": s.pk, "description": s.description or s.name,
                       "unit_price": str(s.unit_price), "tax_percent": s.tax_percent}
                      for s in catalogue]}, status=status)


def _save(request: HttpRequest, *, client: Client, invoice: Invoice | None,
          form: InvoiceForm, lines: LineFormSet) -> Invoice | None:
    data = form.cleaned_data
    engagement = (Engagement.objects.filter(pk=data["engagement"], client=client).first()
                  if data["engagement"] else None)
    fields = {"engagement": engagement,
              "marketplace_engagement_id": data["marketplace_engagement"],
              "issue_date": data["issue_date"], "payment_terms": data["payment_terms"],
              "currency": data["currency"], "notes": data["notes"], "request": request,
              "lines": lines.lines()}
    try:
        if invoice is None:
            saved = invoice_create(client=client, created_by=request.user, **fields)
        else:
            saved = invoice_draft_update(invoice=invoice, actor=request.user, **fields)
    except ValidationError as exc:
        apply_line_errors(form, lines, exc)
        return None
    messages.success(request, f"Draft invoice {saved.number} "
                              f"{'created' if invoice is None else 'saved'}.")
    return saved


@firm_permission_required(Perm.INVOICES_EDIT)
def invoice_create_page(request: HttpRequest, client_id: int) -> HttpResponse:
    return _editor(request, client=client_get(client_id), invoice=None)


@firm_permission_required(Perm.INVOICES_EDIT)
def invoice_edit_page(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_detail_get(invoice_id).invoice
    if invoice.status != Invoice.Status.DRAFT:
        messages.error(request, f"Invoice {invoice.number} is "
                                f"{invoice.get_status_display().lower()}: only a draft can be "
                                "edited.")
        return redirect("billing:invoice_detail", invoice_id=invoice.pk)
    return _editor(request, client=invoice.client, invoice=invoice)


@firm_permission_required(Perm.INVOICES_EDIT)
def invoice_new_pick(request: HttpRequest) -> HttpResponse:
    """"New invoice" from a list that has no client: pick one, then the editor (or the
    recurring plan form, `make=recurring`)."""
    form = ClientPickForm(request.GET if "client" in request.GET else None,
                          initial={"make": request.GET.get("make", "invoice")},
                          clients=firm_client_choices())
    if form.is_bound and form.is_valid():
        target = ("billing:recurring_create" if form.cleaned_data["make"] == "recurring"
                  else "billing:invoice_create")
        return redirect(target, client_id=form.cleaned_data["client"])
    recurring = (form["make"].value() == "recurring")
    return render(request, "billing/client_pick.html", {
        "form": form, "title": "New recurring invoice" if recurring else "New invoice",
        "cancel_url": reverse("billing:recurring_list" if recurring
                              else "billing:invoice_list")},
        status=400 if form.is_bound else 200)
