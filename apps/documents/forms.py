"""Forms of the document pages: upload (several files), search, requests, review."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from apps.documents.models import DocType, Document
from apps.documents.requests import RequestLine
from apps.documents.sniffing import ACCEPTED_LABEL

ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.heic,.heif,.docx,.xlsx,.csv"
REQUEST_LINES = 6


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] if data else single(None, initial)
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(label="Files", help_text=f"{ACCEPTED_LABEL}; several at once.")
    category = forms.ChoiceField(choices=Document.Category.choices,
                                 initial=Document.Category.OTHER)


class StaffUploadForm(UploadForm):
    client = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class StaffUploadPickClientForm(UploadForm):
    """Uploading from the documents list: the client is picked in the form itself."""

    client = forms.TypedChoiceField(
        coerce=int, label="Client", error_messages={
            "required": "Choose the client these documents belong to.",
            "invalid_choice": "Choose one of the firm's clients from the list."})
    field_order = ["client", "files", "category"]

    def __init__(self, *args, clients: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "Choose a client"), *(
            (c["id"], c["business_name"]) for c in clients)]
        self.order_fields(self.field_order)


class PortalUploadForm(UploadForm):
    request_item = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                          label="For the request",
                                          help_text="Pick the line of the checklist this "
                                                    "upload answers, if any.")

    def __init__(self, *args, items: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_item"].choices = [("", "—")] + [
            (item["id"], f"{item['label']} (due {item['due_date']:%b %-d})") for item in items]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search text and fields")
    category = forms.ChoiceField(required=False,
                                 choices=[("", "Any category"), *Document.Category.choices])
    doc_type = forms.ChoiceField(required=False, label="Type",
                                 choices=[("", "Any type"), *DocType.choices])
    status = forms.ChoiceField(required=False,
                               choices=[("", "Any status"), *Document.Status.choices])
    client = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                widget=forms.HiddenInput)
    tax_year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000,
                              widget=forms.HiddenInput)

    def clean_q(self) -> str:
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise ValidationError("Search text cannot contain NUL characters.")
        return value.strip()


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    doc_type = forms.ChoiceField(required=False, label="Type",
                                 choices=[("", "Keep as recognised"), *DocType.choices])
    tax_year = forms.IntegerField(required=False, min_value=1990, max_value=2100)


class RequestForm(forms.Form):
    title = forms.CharField(max_length=200, initial="Documents for your tax return")
    message = forms.CharField(required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, REQUEST_LINES + 1):
            self.fields[f"label_{number}"] = forms.CharField(
                required=False, max_length=200, label=f"Document {number}")
            self.fields[f"type_{number}"] = forms.ChoiceField(
                required=False, label="Expected type",
                choices=[("", "Any"), *DocType.choices])
            self.fields[f"due_{number}"] = forms.DateField(
                required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for number in range(1, REQUEST_LINES + 1):
            if data.get(f"label_{number}") and not data.get(f"due_{number}"):
                self.add_error(f"due_{number}", "Give this document a due date.")
        return data

    def lines(self) -> list[RequestLine]:
        data = self.cleaned_data
        return [RequestLine(label=data[f"label_{n}"], expected_type=data[f"type_{n}"] or "",
                            due_date=data[f"due_{n}"] or date.max)
                for n in range(1, REQUEST_LINES + 1) if data.get(f"label_{n}")]
