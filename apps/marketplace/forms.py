"""Forms of the marketplace pages. They render inputs and carry errors; the rules live in
the parsers (apps.marketplace.params) and the services, so pages and API agree."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from apps.marketplace.models import AdvisorProfile
from apps.marketplace.vocabulary import Certification, CompanySize, Industry, Service


def form_errors_apply(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's field errors on the form's fields (others become form errors)."""
    for field, errors in getattr(exc, "error_dict", {"__all__": exc.error_list}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


class AdvisorProfileForm(forms.Form):
    professional_title = forms.CharField(max_length=120)
    headline = forms.CharField(max_length=200,
                               help_text="One line clients see in search results.")
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False,
                          max_length=5000)
    years_experience = forms.IntegerField(min_value=0, max_value=60)
    industries = forms.MultipleChoiceField(choices=Industry.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    services = forms.MultipleChoiceField(choices=Service.choices,
                                         widget=forms.CheckboxSelectMultiple)
    company_sizes = forms.MultipleChoiceField(choices=CompanySize.choices, required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              label="Client company sizes")
    certifications = forms.MultipleChoiceField(choices=Certification.choices, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    hourly_rate = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2)
    monthly_retainer_min = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2,
                                              label="Minimum monthly retainer")
    max_clients = forms.IntegerField(min_value=1, max_value=100,
                                     label="Maximum clients at a time")
    availability = forms.ChoiceField(choices=AdvisorProfile.Availability.choices)

    @classmethod
    def initial_for(cls, profile: AdvisorProfile | None) -> dict:
        if profile is None:
            return {"max_clients": 5, "years_experience": 0, "monthly_retainer_min": 0}
        return {name: getattr(profile, name) for name in cls.base_fields}


class EngagementRequestForm(forms.Form):
    """The client is picked by name from a list: the firm's live clients for staff, the
    companies a client owner was given for them (never an internal number)."""

    client_id = forms.TypedChoiceField(coerce=int, label="Client")

    def __init__(self, *args, clients: list[dict], own_companies: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["client_id"]
        field.choices = [("", "Choose a client"),
                         *((c["id"], c["business_name"]) for c in clients)]
        if own_companies:
            field.label = "For"
            del self.fields["client_name"]

    client_name = forms.CharField(max_length=200, required=False,
                                  help_text="Optional: the client's name is taken from its record.")
    agreed_rate = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2,
                                     label="Proposed monthly rate")
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              max_length=2000)


class ReviewForm(forms.Form):
    overall_rating = forms.TypedChoiceField(coerce=int, choices=[(i, i) for i in range(5, 0, -1)])
    engagement_rating = forms.TypedChoiceField(coerce=int,
                                               choices=[(i, i) for i in range(5, 0, -1)])
    responsiveness_rating = forms.TypedChoiceField(coerce=int,
                                                   choices=[(i, i) for i in range(5, 0, -1)])
    nps = forms.TypedChoiceField(coerce=int, choices=[(i, i) for i in range(10, -1, -1)],
                                 label="How likely are you to recommend this advisor (0-10)?")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False,
                           max_length=5000, label="Your review")


class PayoutAccountForm(forms.Form):
    routing_number = forms.CharField(max_length=20, label="Routing number (ABA)")
    account_number = forms.CharField(max_length=30, label="Account number",
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
