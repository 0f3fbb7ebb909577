"""Marketplace pages on the public site: search, advisor detail, matching, and the
advisor's own profile and engagement inbox. Thin: parsers, selectors and services do
the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.access import has_permission
from apps.accounts.models import Membership
from apps.accounts.roles import Perm
from apps.firms.selectors import firm_host
from apps.marketplace import selectors, services
from apps.marketplace.api.views import advisor_engagement_act
from apps.marketplace.forms import AdvisorProfileForm, form_errors_apply
from apps.marketplace.match_words import matches_in_words
from apps.marketplace.matching import advisor_match, match_weights
from apps.marketplace.models import AdvisorProfile
from apps.marketplace.params import (
    SORTS,
    match_criteria_parse,
    needs_fingerprint,
    search_params_parse,
)
from apps.marketplace.vocabulary import CompanySize, Industry, Service
from apps.security.views_account import reauth_required


def _errors(exc: ValidationError) -> dict[str, str]:
    return {k: " ".join(str(m) for e in v for m in e.messages)
            for k, v in exc.error_dict.items()}


def _vocab() -> dict:
    return {"industry_choices": Industry.choices, "service_choices": Service.choices,
            "size_choices": CompanySize.choices, "sort_choices": list(SORTS)}


def advisor_search_page(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    page = None
    try:
        params = search_params_parse(request.GET)
    except ValidationError as exc:
        errors = _errors(exc)
    else:
        page, _ = selectors.advisor_search(params)
    next_url = None
    if page and page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        next_url = "?" + query.urlencode()
    return render(request, "marketplace/search.html", {
        "page": page, "errors": errors, "data": request.GET, "next_url": next_url,
        "selected_industries": request.GET.getlist("industries"),
        "selected_services": request.GET.getlist("services"), **_vocab(),
    }, status=400 if errors else 200)


def _request_links(request: HttpRequest, advisor_id: int) -> list[dict]:
    """Firms where the signed-in user may request advisors, with the request page URL."""
    if not request.user.is_authenticated:
        return []
    port = request.get_port()
    suffix = f":{port}" if port not in ("80", "443") else ""
    links = []
    for membership in (Membership.objects.filter(user=request.user, is_active=True)
                       .select_related("firm").order_by("firm__name")):
        if has_permission(request.user, membership.firm, Perm.MARKETPLACE_REQUEST) or \
                has_permission(request.user, membership.firm, Perm.PORTAL_REQUEST_ADVISOR):
            links.append({"firm": membership.firm.name,
                          "url": f"//{firm_host(membership.firm.slug)}{suffix}"
                                 f"/marketplace/request/{advisor_id}/"})
    return links


def advisor_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    advisor = selectors.advisor_detail(pk)
    if advisor is None:
        raise Http404("No such advisor on the marketplace.")
    return render(request, "marketplace/detail.html", {
        "advisor": advisor, "request_links": _request_links(request, pk)})


def advisor_match_page(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    results = criteria = None
    if request.GET:
        try:
            criteria = match_criteria_parse(request.GET)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            results, _ = advisor_match(criteria)
            results = matches_in_words(results, criteria)
    # The preference fields show what was read from the text (or what the client kept).
    preferences = {
        "industries": list(criteria.prefer_industries) if criteria else
        request.GET.getlist("prefer_industries"),
        "services": list(criteria.prefer_services) if criteria else
        request.GET.getlist("prefer_services"),
        "size": criteria.prefer_size if criteria else request.GET.get("prefer_size", ""),
        "budget": f"{criteria.prefer_budget:.0f}" if criteria and criteria.prefer_budget
        is not None else ("" if criteria else request.GET.get("prefer_budget", "")),
        "summary": criteria.preferences_summary() if criteria else [],
        "inferred": bool(criteria and criteria.preferences_inferred),
        "understood_for": needs_fingerprint(criteria.needs) if criteria else "",
    }
    return render(request, "marketplace/match.html", {
        "results": results, "errors": errors, "data": request.GET,
        "weights": match_weights(), "preferences": preferences,
        "selected_industries": request.GET.getlist("industries"),
        "selected_services": request.GET.getlist("required_services"), **_vocab(),
    }, status=400 if errors else 200)


@login_required
def advisor_profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.advisor_profile_for_user(request.user)
    form = AdvisorProfileForm(request.POST or None,
                              initial=AdvisorProfileForm.initial_for(profile))
    if request.method == "POST" and form.is_valid():
        try:
            services.advisor_profile_save(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, "Profile saved." if profile else
                             "Profile created. Platform staff will review and verify it.")
            return redirect("marketplace:profile")
    return render(request, "marketplace/profile_form.html",
                  {"form": form, "profile": profile},
                  status=400 if request.method == "POST" else 200)


@login_required
def advisor_inbox(request: HttpRequest) -> HttpResponse:
    profile = selectors.advisor_profile_for_user(request.user)
    engagements = selectors.engagements_for_advisor(profile)[:100] if profile else []
    return render(request, "marketplace/inbox.html",
                  {"profile": profile, "engagements": engagements})


@login_required
@require_POST
def advisor_inbox_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    profile = selectors.advisor_profile_for_user(request.user)
    if profile is None or action not in ("accept", "decline", "start", "complete"):
        raise Http404
    engagement = selectors.engagements_for_advisor(profile).filter(pk=pk).first()
    if engagement is None:
        raise Http404
    try:
        advisor_engagement_act(engagement, request.user, action)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Engagement with {engagement.client_name}: done ({action}).")
    return redirect("marketplace:inbox")


@login_required
@reauth_required
def advisor_payout_account(request: HttpRequest) -> HttpResponse:
    """The advisor's bank account for payouts: shown masked, changed after re-entering
    the password, every change audited."""
    from apps.marketplace.forms import PayoutAccountForm
    from apps.marketplace.payouts import advisor_payout_account_set

    profile = AdvisorProfile.objects.filter(user=request.user).first()
    if profile is None:
        return redirect("marketplace:profile")
    form = PayoutAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            advisor_payout_account_set(profile=profile, request=request, **form.cleaned_data)
        except ValidationError as exc:
            for field, messages_ in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, "Your payout account is saved.")
            return redirect("marketplace:payout")
    return render(request, "marketplace/payout_account.html",
                  {"form": form, "profile": profile},
                  status=400 if request.method == "POST" else 200)
