"""Forms of the work pages: they check input shape; services decide the rest."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from apps.portal.models import Client
from apps.work.models import DueRule, Frequency, Priority, StartOnSigned, WorkflowTemplate
from apps.work.selectors import JobListQuery


class JobListFilterForm(forms.Form):
    assignee = forms.TypedChoiceField(label="Assignee", required=False, coerce=int,
                                      empty_value=None)
    client = forms.IntegerField(label="Client id", required=False, min_value=1,
                                widget=forms.HiddenInput)
    template = forms.TypedChoiceField(label="Workflow", required=False, coerce=int,
                                      empty_value=None)
    due_from = forms.DateField(label="Due from", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    due_to = forms.DateField(label="Due by", required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label="Overdue only", required=False)
    stage = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, staff_choices, template_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Anyone"), *staff_choices]
        self.fields["template"].choices = [("", "Every workflow"), *template_choices]

    def clean(self):
        data = super().clean()
        if data.get("due_from") and data.get("due_to") and data["due_from"] > data["due_to"]:
            raise forms.ValidationError("“Due from” must be before “Due by”.")
        return data

    def to_query(self) -> JobListQuery:
        data = self.cleaned_data
        return JobListQuery(assignee_id=data.get("assignee"), client_id=data.get("client"),
                            template_id=data.get("template"), stage_id=data.get("stage"),
                            due_from=data.get("due_from"), due_to=data.get("due_to"),
                            overdue=bool(data.get("overdue")), page=data.get("page") or 1)


class JobCreateForm(forms.Form):
    template = forms.ModelChoiceField(label="Workflow", queryset=WorkflowTemplate.objects.none())
    client = forms.ModelChoiceField(label="Client", queryset=Client.objects.none())
    name = forms.CharField(label="Name", max_length=200, required=False,
                           help_text="Leave empty for “workflow — client”.")
    due_date = forms.DateField(label="Due date", required=False,
                               widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="Leave empty to use the workflow's statutory date.")
    priority = forms.TypedChoiceField(label="Priority", choices=Priority.choices, coerce=int,
                                      initial=Priority.NORMAL)
    assignee = forms.TypedChoiceField(label="Lead", required=False, coerce=int,
                                      empty_value=None)

    def __init__(self, *args, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = WorkflowTemplate.objects.filter(archived=False)
        self.fields["client"].queryset = Client.objects.alive().only("id", "business_name")
        self.fields["assignee"].choices = [("", "Nobody yet"), *staff_choices]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"template": data["template"], "client": data["client"], "name": data["name"],
                "due_date": data["due_date"], "priority": data["priority"],
                "assignee_id": data["assignee"]}


class JobMoveForm(forms.Form):
    stage = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=200, required=False)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    due_rule = forms.ChoiceField(label="Due date", choices=DueRule.choices)
    default_frequency = forms.ChoiceField(label="Usually repeats",
                                          choices=[("", "Does not repeat"), *Frequency.choices],
                                          required=False)
    extension_months = forms.IntegerField(label="Extension (months)", min_value=0,
                                          max_value=12, initial=0)
    start_for_new_clients = forms.BooleanField(
        label="Start for every new client", required=False,
        help_text="For onboarding: each client created from now on gets a job from it.")
    start_on_proposal_signed = forms.ChoiceField(
        label="Start when a client signs a proposal", choices=StartOnSigned.choices,
        required=False,
        help_text="A new job from this template for the client who signed.")
    outline = forms.CharField(
        label="Stages and checklist", widget=forms.Textarea(attrs={"rows": 16}),
        help_text="One stage per line (“Review | required | limit 10”), its tasks below it "
                  "starting with “-” (“- Partner review | role: Partner | skill: review | "
                  "1.5 h | -10 days”).")


class StaffProfileForm(forms.Form):
    weekly_capacity_hours = forms.DecimalField(label="Hours a week", min_value=0, max_value=80,
                                               decimal_places=2)
    skills = forms.CharField(label="Skills", required=False, max_length=400,
                             help_text="Comma separated, e.g. tax, review, bookkeeping.")
    hourly_rate = forms.DecimalField(label="Personal hourly rate", required=False,
                                     min_value=0, decimal_places=2,
                                     help_text="Leave empty to bill at the role's rate.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"weekly_capacity_hours": data["weekly_capacity_hours"],
                "skills": data["skills"].split(","), "hourly_rate": data["hourly_rate"]}


class TimeEntryForm(forms.Form):
    job = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    hours = forms.DecimalField(label="Hours", min_value=Decimal("0.02"), max_value=24,
                               decimal_places=2, required=False)
    work_date = forms.DateField(label="Date", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="What was done", max_length=300, required=False)
    billable = forms.BooleanField(label="Billable", required=False, initial=True)


class WipBillForm(forms.Form):
    job = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    amount = forms.DecimalField(label="Bill amount", min_value=0, decimal_places=2,
                                max_digits=12, required=False)


class ScheduleForm(forms.Form):
    engagement = forms.ModelChoiceField(label="Engagement", queryset=None)
    template = forms.ModelChoiceField(label="Workflow", queryset=None)
    frequency = forms.ChoiceField(label="Repeats", choices=Frequency.choices)
    name = forms.CharField(label="Job name", max_length=120, required=False,
                           help_text="The period is added: “Monthly close 2026-11”.")
    first_period = forms.DateField(label="First period", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="Any day in it; empty for the current period.")

    def __init__(self, *args, **kwargs):
        from apps.portal.models import Engagement

        super().__init__(*args, **kwargs)
        engagements = (Engagement.objects.filter(status=Engagement.Status.ACTIVE,
                                                 client__deleted_at__isnull=True)
                       .select_related("client").order_by("client__business_name", "id"))
        self.fields["engagement"].queryset = engagements
        self.fields["engagement"].label_from_instance = (
            lambda e: f"{e.client.business_name} — {e}")
        self.fields["template"].queryset = WorkflowTemplate.objects.filter(archived=False)
