from __future__ import annotations

from django import forms

from apps.compliance.models import ComplianceSettings


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, required=False)


class DeletionRequestForm(forms.Form):
    reason = forms.CharField(label="Why these documents may be deleted",
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ComplianceSettings
        fields = ["retention_years", "staff_mfa_required", "deadline_warning_days",
                  "reveal_min_count", "reveal_multiplier"]
        labels = {
            "retention_years": "Keep documents for (years)",
            "staff_mfa_required": "Staff must use two-step sign-in",
            "deadline_warning_days": "Warn about statutory deadlines this many days ahead",
            "reveal_min_count": "Reveals in a week before they can look unusual",
            "reveal_multiplier": "Unusual at this many times the usual or peer rate",
        }

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)
