"""Forms of the people pages: they shape input; services decide and write."""

from __future__ import annotations

from django import forms

from apps.accounts.roles import CLIENT_ROLES, STAFF_ROLES, Role

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]
CLIENT_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in CLIENT_ROLES]


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role", choices=STAFF_ROLE_CHOICES,
                             initial=Role.STAFF_ACCOUNTANT)


class ClientInviteForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Access", choices=CLIENT_ROLE_CHOICES,
                             initial=Role.CLIENT_MEMBER,
                             help_text="Client owners can also pay invoices.")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=STAFF_ROLE_CHOICES + CLIENT_ROLE_CHOICES)


class NewAccountForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=200)
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), help_text="At least 12 characters.")
    password_again = forms.CharField(label="The same password again",
                                     widget=forms.PasswordInput(
                                         attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class ExistingAccountForm(forms.Form):
    password = forms.CharField(label="Your AdvisorOS password", widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))


class ConfirmForm(forms.Form):
    """A signed-in person accepting for their own account: nothing to type."""
