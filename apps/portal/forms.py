"""Forms of the staff pages and the portal. They shape and check input; services write."""

from __future__ import annotations

from django import forms
from django.core.validators import MinValueValidator

# apply_service_errors lives in advisoros/forms.py; the pages still import it from here.
from advisoros.forms import apply_service_errors  # noqa: F401
from apps.documents.models import Document
from apps.portal.keyset import BadCursor
from apps.portal.models import Client, Engagement, Task
from apps.portal.selectors import ClientListQuery, client_list_cursor

_NOBODY = [("", "Nobody yet")]


def _not_negative(field: forms.Field) -> None:
    # The database refuses negatives too; checking here puts the message on the field.
    field.validators.append(MinValueValidator(0))
    field.widget.attrs["min"] = 0


def _staff_field(staff_choices: list[tuple[int, str]], label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=False, coerce=int, empty_value=None,
                                  choices=_NOBODY + list(staff_choices))


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["business_name", "status", "industry", "annual_revenue", "contact_name",
                  "contact_email", "contact_phone"]
        labels = {"annual_revenue": "Annual revenue (USD)"}

    def __init__(self, *args, staff_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_staff"] = _staff_field(staff_choices, "Assigned to")
        if self.instance.pk:
            self.initial.setdefault("assigned_staff", self.instance.assigned_staff_id)
        _not_negative(self.fields["annual_revenue"])

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["assigned_staff_id"] = self.cleaned_data["assigned_staff"]
        return data


class EngagementForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = ["type", "status", "start_date", "end_date", "fee"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}),
                   "end_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"fee": "Fee (USD)"}

    def __init__(self, *args, staff_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"] = _staff_field(staff_choices, "Responsible")
        if self.instance.pk:
            self.initial.setdefault("responsible", self.instance.responsible_id)
        _not_negative(self.fields["fee"])

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["responsible_id"] = self.cleaned_data["responsible"]
        return data


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "engagement", "status", "priority", "due_date", "estimated_hours"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, staff_choices: list[tuple[int, str]], client: Client,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = Engagement.objects.filter(client=client)
        self.fields["engagement"].required = False
        self.fields["assignee"] = _staff_field(staff_choices, "Assignee")
        if self.instance.pk:
            self.initial.setdefault("assignee", self.instance.assignee_id)
        _not_negative(self.fields["estimated_hours"])

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["assignee_id"] = self.cleaned_data["assignee"]
        return data


class ClientListFilterForm(forms.Form):
    """The client list's query string. Bad values are shown, never half-applied."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(required=False,
                               choices=[("", "Any status"), *Client.Status.choices])
    industry = forms.ChoiceField(required=False,
                                 choices=[("", "Any industry"), *Client.Industry.choices])
    assigned_staff = forms.TypedChoiceField(label="Assigned to", required=False, coerce=int,
                                            empty_value=None)
    needs_attention = forms.BooleanField(label="Needs attention", required=False)
    sort = forms.ChoiceField(required=False, choices=[
        ("name", "Name A-Z"), ("-name", "Name Z-A"), ("-outstanding", "Most outstanding"),
        ("outstanding", "Least outstanding"), ("-activity", "Latest activity"),
        ("activity", "Oldest activity"), ("-revenue", "Highest revenue"),
        ("revenue", "Lowest revenue")])
    # A page link (apps/portal/keyset.py): signed, made for one sort order.
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, staff_choices: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_staff"].choices = [("", "Anyone"), *staff_choices]

    def clean(self):
        data = super().clean()
        text = data.get("cursor")
        if text and "sort" in data:
            try:
                data["cursor"] = client_list_cursor(text, data["sort"] or "name")
            except BadCursor as exc:
                self.add_error("cursor", str(exc))
        else:
            data["cursor"] = None
        return data

    def to_query(self) -> ClientListQuery:
        data = self.cleaned_data
        return ClientListQuery(q=data["q"].strip(), status=data["status"],
                               industry=data["industry"],
                               assigned_staff=data["assigned_staff"],
                               needs_attention=data["needs_attention"],
                               sort=data["sort"] or "name", cursor=data["cursor"])


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label="File")
    category = forms.ChoiceField(choices=Document.Category.choices,
                                 initial=Document.Category.OTHER)
