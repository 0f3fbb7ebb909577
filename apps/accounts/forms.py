from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

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
