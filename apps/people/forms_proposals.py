"""Forms of the proposal pages."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from apps.people.models_proposals import FeeType, Proposal, ProposalLine
from apps.portal.models import Engagement


class ProposalForm(forms.Form):
    title = forms.CharField(max_length=200)
    introduction = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    terms = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    expires_on = forms.DateField(label="Offer open until", widget=forms.DateInput(
        attrs={"type": "date"}), initial=lambda: timezone.localdate() + timedelta(days=30))


class LineForm(forms.Form):
    service = forms.CharField(max_length=200, required=False)
    description = forms.CharField(required=False, max_length=2000)
    fee_type = forms.ChoiceField(label="Fee", choices=FeeType.choices)
    amount = forms.DecimalField(label="Amount ($)", min_value=0, max_digits=12,
                                decimal_places=2, required=False)
    frequency = forms.ChoiceField(required=False, choices=[("", "—"),
                                                           *ProposalLine.Frequency.choices])
    engagement_type = forms.ChoiceField(label="Engagement", choices=Engagement.Type.choices)


LineFormSet = forms.formset_factory(LineForm, extra=1, max_num=20)


class SignForm(forms.Form):
    signer_name = forms.CharField(label="Your full name", max_length=200)
    signature_kind = forms.ChoiceField(label="Signature", widget=forms.RadioSelect,
                                       choices=Proposal.SignatureKind.choices,
                                       initial=Proposal.SignatureKind.TYPED)
    drawing = forms.CharField(required=False, widget=forms.HiddenInput)
    consent = forms.BooleanField(label="I agree to sign electronically (see the consent "
                                       "above)", required=False)
