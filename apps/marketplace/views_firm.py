"""Marketplace pages on a firm's host: the firm's marketplace engagements, requesting an
advisor for a client, and a client's review of a delivered engagement."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.marketplace import selectors, services
from apps.marketplace.forms import EngagementRequestForm, ReviewForm, form_errors_apply
from apps.marketplace.reviews import review_create
from apps.portal.selectors import firm_client_choices, portal_clients


@firm_permission_required(Perm.MARKETPLACE_REQUEST)
def firm_engagements(request: HttpRequest) -> HttpResponse:
    return render(request, "marketplace/firm_engagements.html",
                  {"engagements": selectors.engagements_for_firm(request.firm)[:100]})


@firm_permission_required(Perm.MARKETPLACE_REQUEST, Perm.PORTAL_REQUEST_ADVISOR)
def engagement_request_page(request: HttpRequest, advisor_id: int) -> HttpResponse:
    """Staff request an advisor for any client of the firm; a client's owner, for their own
    company (the client field then lists only the companies they were given)."""
    advisor = selectors.advisor_detail(advisor_id)
    if advisor is None:
        raise Http404("No such advisor on the marketplace.")
    for_own_company = not request_has_permission(request, Perm.MARKETPLACE_REQUEST)
    initial = {"agreed_rate": advisor["monthly_retainer_min"],
               "client_id": request.GET.get("client", "")}
    form = EngagementRequestForm(request.POST or None, initial=initial,
                                 clients=portal_clients(request.user.pk) if for_own_company
                                 else firm_client_choices(),
                                 own_companies=for_own_company)
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_request(firm=request.firm, requested_by=request.user,
                                        advisor_id=advisor_id, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, f"Request sent to {advisor['name']}.")
            return redirect("portal:home" if for_own_company else
                            "firm_marketplace:engagements")
    return render(request, "marketplace/request_form.html", {"form": form, "advisor": advisor},
                  status=400 if request.method == "POST" else 200)


@firm_permission_required(Perm.PORTAL_ACCESS)
def engagement_review_page(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_for_client_user(request.firm, pk, request.user.pk)
    if engagement is None:
        raise Http404("No such engagement for your company.")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_create(engagement=engagement, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, "Thank you: your review is published.")
            return redirect("home")
    return render(request, "marketplace/review_form.html",
                  {"form": form, "engagement": engagement},
                  status=400 if request.method == "POST" else 200)
