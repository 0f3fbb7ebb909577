"""Sign-in, sign-out and password reset pages, on the public site and every firm's host."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from apps.accounts.forms import FirmAuthenticationForm


class SignInView(auth_views.LoginView):
    form_class = FirmAuthenticationForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")
