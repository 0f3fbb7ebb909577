from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password

from apps.accounts.models import User


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Authentication code", max_length=16, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isalnum():
            raise forms.ValidationError("Codes contain only letters and digits.")
        return code


class ReauthForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autofocus": True,
                                                                 "autocomplete":
                                                                 "current-password"}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="New email address", max_length=254,
                             help_text="We send a link to this address; your address changes "
                                       "when you open it.")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError("Another account uses this address.")
        return email


def password_rules_check(password: str, user: User) -> None:
    validate_password(password, user)
