"""The ROI assumptions form: minutes per step and the value of an hour, never negative."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from apps.billing.models import Currency
from apps.insight.models import RoiAssumptions

ASSUMPTION_FIELDS = ("minutes_per_document", "minutes_per_automation",
                     "minutes_per_online_payment", "minutes_per_routing_decision",
                     "minutes_per_rebalance")


class RoiAssumptionsForm(forms.ModelForm):
    currency = forms.ChoiceField(choices=Currency.choices)

    class Meta:
        model = RoiAssumptions
        fields = (*ASSUMPTION_FIELDS, "hourly_value", "currency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ASSUMPTION_FIELDS:
            field = self.fields[name]
            # A step that takes more than a working day by hand is a typing slip.
            field.validators += [MinValueValidator(0, "Cannot be negative."),
                                 MaxValueValidator(480, "At most 480 minutes (a day).")]
            field.widget.attrs.update({"min": "0", "max": "480", "step": "0.5"})
        self.fields["hourly_value"].validators.append(
            MinValueValidator(0, "Cannot be negative."))
        self.fields["hourly_value"].widget.attrs.update({"min": "0", "step": "0.01"})
        self.fields["hourly_value"].help_text = "Leave empty to see hours saved only."
