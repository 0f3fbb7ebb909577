"""The invitation link's page on the firm's host: open to anyone holding a valid link.

Every way a link can fail gets a page saying why (never a 500): not valid, another
firm's, replaced by a newer one, withdrawn, already used, expired, or opened while signed
in as someone else.
"""

from __future__ import annotations

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from advisoros.forms import apply_service_errors
from apps.people import audit
from apps.people.forms import ConfirmForm, ExistingAccountForm, NewAccountForm
from apps.people.invitations import (
    PROBLEMS,
    invitation_accept,
    invitation_account,
    invitation_check,
    invitation_landing,
)

# Not valid / another firm's: nothing to find here (404). The rest existed but is over.
_STATUS = {"invalid": 404, "other_firm": 404, "replaced": 410, "revoked": 410, "used": 410,
           "expired": 410}


def _refuse(request: HttpRequest, problem: str, invitation=None) -> HttpResponse:
    if invitation is not None:
        audit.people_audit(audit.INVITATION_REFUSED, request=request, target=invitation,
                           details={"reason": problem})
    return render(request, "people/invitation_problem.html",
                  {"problem": PROBLEMS[problem], "problem_code": problem},
                  status=_STATUS[problem])


@never_cache
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    # Open by design: the signed link is the credential, checked before anything shows.
    check = invitation_check(token)
    if check.problem:
        return _refuse(request, check.problem, check.invitation)
    invitation = check.invitation
    signed_in = request.user if request.user.is_authenticated else None
    if signed_in is not None and signed_in.email != invitation.email:
        return render(request, "people/invitation_problem.html", {
            "problem": f"You are signed in as {signed_in.email}, but this invitation is for "
                       "someone else. Sign out, then open the link again.",
            "problem_code": "someone_else", "sign_out": True}, status=403)
    account = invitation_account(invitation)
    form_class = (ConfirmForm if signed_in is not None
                  else ExistingAccountForm if account is not None else NewAccountForm)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(invitation=invitation, request=request, user=signed_in,
                                     full_name=form.cleaned_data.get("full_name", ""),
                                     password=form.cleaned_data.get("password", ""))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if signed_in is None:
                login(request, user, backend="apps.accounts.backends.CachedModelBackend")
            # Staff (and clients where the firm requires it) are sent on to set up
            # two-step sign-in first by the security middleware, then land here.
            return redirect(invitation_landing(invitation))
    return render(request, "people/invitation_accept.html", {
        "invitation": invitation, "form": form, "existing": account is not None,
        "signed_in": signed_in,
    }, status=400 if request.method == "POST" else 200)
