"""Sign-in, sign-out and password reset pages, on the public site and every firm's host."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from apps.accounts.forms import FirmAuthenticationForm


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
    email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")
