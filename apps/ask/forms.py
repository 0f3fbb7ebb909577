from __future__ import annotations

from django import forms

MAX_QUESTION = 500


class AskForm(forms.Form):
    q = forms.CharField(label="Question", max_length=MAX_QUESTION, strip=True,
                        widget=forms.TextInput(attrs={
                            "placeholder": "e.g. What were the W-2 wages for 2024?",
                            "autocomplete": "off"}))
