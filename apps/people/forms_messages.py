"""Forms of the messaging and notification pages."""

from __future__ import annotations

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(FilesField, self).clean(f, initial) for f in files]


class ReplyForm(forms.Form):
    body = forms.CharField(label="Message", required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))
    files = FilesField(label="Attach files", required=False,
                       help_text="They are added to the client's documents.")


class NewThreadForm(ReplyForm):
    subject = forms.CharField(label="Subject", max_length=200)
    field_order = ["subject", "body", "files"]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label="Assigned to", coerce=int, empty_value=None,
                                      required=False)

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody"), *staff_choices]


class PreferencesForm(forms.Form):
    in_app = forms.BooleanField(label="Show them in my notification centre", required=False)
    email = forms.BooleanField(label="Email me when something happens", required=False)
    daily_digest = forms.BooleanField(label="Email me a daily summary", required=False)
