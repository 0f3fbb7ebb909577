from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from advisoros.tasks import delay_on_commit
from apps.accounts.access import firm_role_get


class FirmAuthenticationForm(AuthenticationForm):
    """Email + password; at a firm's address only that firm's members may sign in."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(
        attrs={"autofocus": True, "autocomplete": "email"}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account.",
        "not_member": "This account has no access to this firm. Sign in at your own "
                      "firm's address.",
        "locked": "This account is locked after a high-risk sign-in. Your firm's "
                  "administrator or AdvisorOS support can unlock it.",
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.locked_at is not None:
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        firm = getattr(self.request, "firm", None)
        if firm is not None and firm_role_get(user_id=user.pk, firm_id=firm.pk) is None:
            raise forms.ValidationError(self.error_messages["not_member"], code="not_member")


class FirmPasswordResetForm(PasswordResetForm):
    """Django's reset form, with two changes: at a firm's address only that firm's active
    members get a link (the page answers the same either way, so it tells nobody who has
    an account), and the mail leaves through the worker, so the answer takes as long
    whether or not a message was sent."""

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.firm = firm

    def get_users(self, email):
        users = super().get_users(email)
        if self.firm is None:
            return users
        return (user for user in users
                if firm_role_get(user_id=user.pk, firm_id=self.firm.pk) is not None)

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None) -> None:
        from apps.security.tasks import email_user

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        user_id = context["user"].pk
        delay_on_commit(email_user, user_id=user_id, subject=subject, body=body,
                        to_email=to_email)
