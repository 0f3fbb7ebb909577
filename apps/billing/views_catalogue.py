"""The firm's services and rates (/staff/billing/services/): the list with a form to add
one, and a page to change or retire one. Anyone who sees invoices sees the catalogue;
changing it takes the right to edit invoices."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from advisoros.forms import form_written
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.billing.catalogue import (
    billable_service_create,
    billable_service_update,
    billable_services_all,
)
from apps.billing.forms import BillableServiceForm
from apps.billing.models import BillableService


@firm_permission_required(Perm.INVOICES_VIEW)
def service_list(request: HttpRequest) -> HttpResponse:
    can_edit = request_has_permission(request, Perm.INVOICES_EDIT)
    form = BillableServiceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", status=403)
        if written := form_written(form, lambda _: billable_service_create(request=request, **{
                k: v for k, v in form.service_kwargs().items() if k != "active"})):
            messages.success(request, f"“{written.result.name}” added to your services.")
            return redirect("billing:service_list")
        status = 400
    return render(request, "billing/service_list.html", {
        "services": billable_services_all(), "form": form, "can_edit": can_edit},
        status=status)


@firm_permission_required(Perm.INVOICES_EDIT)
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = get_object_or_404(BillableService, pk=service_id)
    form = BillableServiceForm(request.POST or None, initial={
        "name": service.name, "description": service.description,
        "unit_price": service.unit_price, "tax_percent": (service.tax_rate * 100).normalize(),
        "active": service.active})
    if request.method == "POST" and form_written(form, lambda _: billable_service_update(
            service=service, request=request, **form.service_kwargs())):
        messages.success(request, f"“{form.cleaned_data['name']}” saved.")
        return redirect("billing:service_list")
    return render(request, "billing/service_edit.html", {"form": form, "service": service},
                  status=400 if request.method == "POST" else 200)
