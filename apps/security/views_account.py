"""A person's own security: MFA enrolment and verification, re-authentication, email and
password changes."""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.access import access_denied_record, request_role
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.security import mfa
from apps.security.forms import CodeForm, EmailChangeForm, ReauthForm
from apps.security.services import (
    EMAIL_CHANGE_LINK_INVALID,
    email_change_confirm,
    email_change_pending,
    email_change_request,
    user_notify,
)
from apps.security.sessions import user_session_revoke, user_sessions_active

REAUTH_AT = "reauth_at"
ENROLMENT_SESSION_KEY = "mfa_enrolment_device"


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


def own_firm_or_public(view):
    """Account pages answer on the public site and on the firms the person belongs to; on
    another firm's address they are refused like any firm page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if getattr(request, "firm", None) is not None and request_role(request) is None:
            access_denied_record(request, "account.manage")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def reauth_required(view):
    """Sensitive changes (email, MFA) need the password again within REAUTH_SECONDS."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if time.time() - request.session.get(REAUTH_AT, 0) > settings.REAUTH_SECONDS:
            return redirect(f"{reverse('security:reauth')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@own_firm_or_public
def reauth(request: HttpRequest) -> HttpResponse:
    form = ReauthForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.session[REAUTH_AT] = time.time()
        return redirect(_safe_next(request, reverse("security:account")))
    return render(request, "security/reauth.html", {"form": form,
                                                    "next": _safe_next(request, "")})


@login_required
@own_firm_or_public
def account_security(request: HttpRequest) -> HttpResponse:
    return render(request, "security/account.html", {
        "has_mfa": mfa.user_has_mfa(request.user),
        "mfa_required": mfa.mfa_required(request),
        "sessions": user_sessions_active(user=request.user,
                                         current_key=request.session.session_key),
    })


@login_required
@own_firm_or_public
@require_POST
def session_revoke(request: HttpRequest, session_id: int) -> HttpResponse:
    """Sign one of the person's other browsers out (only their own: any other id is a
    404, like a session that never existed)."""
    if not user_session_revoke(user=request.user, session_id=session_id, request=request):
        raise Http404("No such session of yours, or it is the one you are using.")
    messages.success(request, "That browser is signed out.")
    return redirect("security:account")


@login_required
@own_firm_or_public
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator. Allowed without re-authentication only while the user has
    none (first enrolment right after sign-in); replacing one needs the password again."""
    if mfa.user_has_mfa(request.user) and \
            time.time() - request.session.get(REAUTH_AT, 0) > settings.REAUTH_SECONDS:
        return redirect(f"{reverse('security:reauth')}?next={request.path}")
    device = TOTPDevice.objects.filter(pk=request.session.get(ENROLMENT_SESSION_KEY),
                                       user=request.user, confirmed=False).first()
    if device is None:
        device = mfa.totp_enrolment_start(user=request.user)
        request.session[ENROLMENT_SESSION_KEY] = device.pk
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_enrolment_confirm(request=request, device=device,
                                           token=form.cleaned_data["code"])
        if codes is not None:
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            return _backup_codes_page(request, codes, next_url=_safe_next(request))
        form.add_error("code", "That code did not match. Check your phone's clock and try "
                               "the newest code.")
    return render(request, "security/mfa_setup.html", {
        "form": form, "qr_svg": mfa.totp_qr_svg(device),
        "secret": mfa.totp_secret_text(device), "next": _safe_next(request, ""),
    })


@login_required
@own_firm_or_public
def mfa_verify(request: HttpRequest) -> HttpResponse:
    if not mfa.user_has_mfa(request.user):
        return redirect(f"{reverse('security:mfa_setup')}?next={_safe_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.mfa_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_safe_next(request))
        form.add_error("code", "That code is not valid, or it was already used.")
    return render(request, "security/mfa_verify.html",
                  {"form": form, "next": _safe_next(request, "")})


@login_required
@own_firm_or_public
@reauth_required
def backup_codes_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("security:account")
    codes = mfa.backup_codes_regenerate(user=request.user, request=request)
    return _backup_codes_page(request, codes, next_url="")


def _backup_codes_page(request: HttpRequest, codes: list[str], *, next_url: str
                       ) -> HttpResponse:
    """The one time the codes are shown. The download is built into the page itself (a
    data: link), because the server keeps only their hashes and cannot send them again."""
    where = request.get_host().split(":")[0]
    text = "\n".join([f"AdvisorOS backup codes for {request.user.email} ({where})",
                      "Each code works once.", "", *codes, ""])
    return render(request, "security/backup_codes.html",
                  {"codes": codes, "next": next_url, "download_text": text})


@login_required
@own_firm_or_public
@reauth_required
def email_change(request: HttpRequest) -> HttpResponse:
    """Ask for a new address; it applies once the link sent there is opened."""
    form = EmailChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            change = email_change_request(user=request.user, new_email=form.cleaned_data["email"],
                                          request=request)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"We sent a link to {change.new_email}. Your address "
                                      "changes when you open it and confirm.")
            return redirect("security:account")
    return render(request, "security/email_change.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
@own_firm_or_public
def email_change_confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation email. Opening it shows what will change; the change
    is made by the button (a POST), so a mail scanner fetching the link changes nothing."""
    change = email_change_pending(token=token, user=request.user)
    errors: list[str] = []
    if request.method == "POST" and change is not None:
        try:
            email_change_confirm(token=token, user=request.user, request=request)
        except ValidationError as exc:
            errors = [message for messages_ in exc.message_dict.values()
                      for message in messages_]
        else:
            messages.success(request, f"Your email address is now {change.new_email}.")
            return redirect("security:account")
    if change is None:
        errors = errors or [EMAIL_CHANGE_LINK_INVALID]
    return render(request, "security/email_change_confirm.html",
                  {"change": change, "errors": errors}, status=400 if errors else 200)


def form_errors_add(form, exc: ValidationError) -> None:
    for field, field_messages in exc.message_dict.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@method_decorator([login_required, own_firm_or_public], name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password ends every other session of the user (Django checks each
    session's password hash) and keeps this one."""

    template_name = "security/password_change.html"
    success_url = reverse_lazy("security:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        audit_record(action=AuditAction.PASSWORD_CHANGED, request=self.request,
                     target=form.user)
        user_notify(user=form.user, subject="Your AdvisorOS password changed",
                    body="Your password was changed and your other sessions were signed out.")
        messages.success(self.request, "Your password is changed; other sessions are "
                                       "signed out.")
        return response
