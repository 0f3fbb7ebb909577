"""Public-site pages of the ledger: an advisor's payouts (signed in, own entries only) and
the platform staff's ledger where payouts are marked paid."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.ledger import selectors
from apps.ledger.models import RevenueShareEntry
from apps.ledger.services import payouts_mark_paid
from apps.marketplace.models import AdvisorProfile
from apps.observability.views import is_platform_staff


class LedgerFilterForm(forms.Form):
    payout_status = forms.ChoiceField(
        required=False, choices=[("", "Any payout status"),
                                 *RevenueShareEntry.PayoutStatus.choices])
    firm = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)


class MarkPaidForm(forms.Form):
    entries = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any id is a choice; the service decides which pending entries move.
        raw = self.data.getlist("entries") if hasattr(self.data, "getlist") else []
        self.fields["entries"].choices = [(v, v) for v in raw if v.isdigit() and len(v) < 19]


@login_required
def advisor_payouts_page(request: HttpRequest) -> HttpResponse:
    profile = AdvisorProfile.objects.filter(user=request.user).only("id").first()
    if profile is None:
        return render(request, "billing/payouts.html", {"profile": None})
    page, totals = selectors.advisor_payouts(profile.pk, request.GET.get("page"))
    return render(request, "billing/payouts.html", {"profile": profile, "page": page,
                                                   "totals": totals})


def _staff_only(request: HttpRequest) -> HttpResponse | None:
    if not is_platform_staff(request):
        return render(request, "403.html", status=403)
    return None


@login_required
def platform_ledger_page(request: HttpRequest) -> HttpResponse:
    if (denied := _staff_only(request)) is not None:
        return denied
    form = LedgerFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "billing/platform_ledger.html", {"form": form}, status=400)
    data = form.cleaned_data
    page, totals = selectors.platform_ledger(payout_status=data["payout_status"],
                                             firm_id=data["firm"], page=data["page"] or 1)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "billing/platform_ledger.html", {
        "form": form, "page": page, "totals": totals, "params": params.urlencode()})


@login_required
@require_POST
def mark_paid_page(request: HttpRequest) -> HttpResponse:
    if (denied := _staff_only(request)) is not None:
        return denied
    form = MarkPaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the payouts to mark paid.")
        return redirect("ledger:platform_ledger")
    done = payouts_mark_paid(entry_ids=form.cleaned_data["entries"], actor=request.user)
    messages.success(request, f"{done.paid} payout{'s' if done.paid != 1 else ''} marked paid.")
    if done.refused:
        were = "s were" if done.refused != 1 else " was"
        messages.error(request, f"{done.refused} commission{were} fully reversed by refunds "
                                "or a void: nothing is owed, so nothing was marked paid.")
    return redirect("ledger:platform_ledger")
