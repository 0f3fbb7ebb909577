from django import forms

from apps.integrations.webhooks import EVENT_TYPES


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(label="Endpoint address", max_length=500,
                          help_text="An https:// address on the public internet.")
    description = forms.CharField(label="Description", max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events to send", choices=list(EVENT_TYPES.items()),
        widget=forms.CheckboxSelectMultiple)
