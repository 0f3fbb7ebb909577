from django import forms

from apps.observability.selectors import WINDOWS


class WindowForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label="Window", coerce=int, initial=60, required=False, empty_value=60,
        choices=[(m, f"last {m // 60} h" if m >= 60 else f"last {m} min")
                 for m in sorted(WINDOWS)],
    )
