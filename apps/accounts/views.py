"""Sign-in, sign-out and password reset pages, on the public site and every firm's host."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from advisoros.request_info import client_ip
from apps.accounts.forms import FirmAuthenticationForm, FirmPasswordResetForm
from apps.security.rate_limits import account_key, rate_limit_hit


class SignInView(auth_views.LoginView):
    """Password first; then the sign-in is scored for risk. A critical score locks the
    account instead of signing in; a risky one demands MFA (step-up) after sign-in."""

    form_class = FirmAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        from apps.security.mfa import STEP_UP_SESSION_KEY
        from apps.security.models import SignInRecord
        from apps.security.services import device_cookie_set, sign_in_evaluate

        user = form.get_user()
        assessment = sign_in_evaluate(request=self.request, user=user)
        if assessment.level == SignInRecord.Level.CRITICAL:
            form.add_error(None, form.error_messages["locked"])
            response = self.form_invalid(form)
        else:
            response = super().form_valid(form)  # rotates the session key
            if assessment.level == SignInRecord.Level.RISKY:
                self.request.session[STEP_UP_SESSION_KEY] = True
        device_cookie_set(self.request, response)
        return response


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    """Reset links are limited per client address and per account (Redis counters).

    Too many requests from one address get the form back with status 429 (that says
    nothing about any account). Too many for one account (counted whether or not it
    exists) answer exactly like a sent link, and send nothing."""

    form_class = FirmPasswordResetForm
    email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "firm": getattr(self.request, "firm", None)}

    def form_valid(self, form) -> HttpResponse:
        window = settings.PASSWORD_RESET_LIMIT_WINDOW_SECONDS
        by_address = rate_limit_hit(scope="password-reset:address",
                                    key=client_ip(self.request) or "unknown",
                                    limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
                                    window_seconds=window)
        if not by_address.allowed:
            minutes = -(-by_address.retry_after // 60)
            form.add_error(None, "Too many reset requests from your network. Try again in "
                                 f"{minutes} minute{'s' if minutes != 1 else ''}.")
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(by_address.retry_after)
            return response
        by_account = rate_limit_hit(scope="password-reset:account",
                                    key=account_key(form.cleaned_data["email"]),
                                    limit=settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT,
                                    window_seconds=window)
        if not by_account.allowed:
            return super(auth_views.PasswordResetView, self).form_valid(form)  # no mail
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")
