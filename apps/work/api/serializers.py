"""Input and output shapes of the work API (/api/v1/work/). Inputs refuse unknown choices,
NUL bytes and out-of-range numbers with a 400 naming the field; services check again."""

from __future__ import annotations

from rest_framework import serializers

from apps.work.models import Priority

_ID = {"min_value": 1, "max_value": 2**63 - 1}


class TemplateTaskOutput(serializers.Serializer):
    title = serializers.CharField()
    required_role = serializers.CharField()
    required_skill = serializers.CharField()
    estimated_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    due_offset_days = serializers.IntegerField()


class TemplateStageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    wip_limit = serializers.IntegerField(allow_null=True)
    tasks = TemplateTaskOutput(many=True)


class TemplateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    due_rule = serializers.CharField()
    extension_months = serializers.IntegerField()
    default_frequency = serializers.CharField()


class TemplateDetailOutput(TemplateOutput):
    stages = TemplateStageOutput(many=True)


JOB_FIELDS = ("id", "name", "template_id", "client_id", "engagement_id", "stage_id",
              "stage__name", "status", "priority", "due_date", "assignee_id",
              "blocked_reason", "period", "created_at", "completed_at")


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    template = serializers.IntegerField(source="template_id")
    client = serializers.IntegerField(source="client_id")
    engagement = serializers.IntegerField(source="engagement_id", allow_null=True)
    stage = serializers.IntegerField(source="stage_id")
    stage_name = serializers.CharField(source="stage__name")
    status = serializers.CharField(help_text="open, completed or cancelled")
    priority = serializers.IntegerField()
    due_date = serializers.DateField()
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    blocked_reason = serializers.CharField()
    period = serializers.CharField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class JobCreateInput(serializers.Serializer):
    template = serializers.IntegerField(**_ID)
    client = serializers.IntegerField(**_ID)
    engagement = serializers.IntegerField(required=False, allow_null=True, **_ID)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = serializers.IntegerField(required=False, allow_null=True, **_ID)


class JobMoveInput(serializers.Serializer):
    stage = serializers.IntegerField(**_ID)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   default="")


TASK_FIELDS = ("id", "job_id", "stage_id", "title", "required_role", "required_skill",
               "estimated_hours", "due_date", "status", "assignee_id", "assignment_reason",
               "completed_at")


class JobTaskOutput(serializers.Serializer):
    id = serializers.IntegerField()
    job = serializers.IntegerField(source="job_id")
    stage = serializers.IntegerField(source="stage_id")
    title = serializers.CharField()
    required_role = serializers.CharField()
    required_skill = serializers.CharField()
    estimated_hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    due_date = serializers.DateField()
    status = serializers.CharField(help_text="open or done")
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
    assignment_reason = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)


TIME_FIELDS = ("id", "user_id", "job_id", "task_id", "client_id", "work_date", "started_at",
               "minutes", "description", "billable", "rate", "invoice_id", "billed_amount")


class TimeEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id", read_only=True)
    job = serializers.IntegerField(source="job_id")
    task = serializers.IntegerField(source="task_id", allow_null=True)
    client = serializers.IntegerField(source="client_id")
    work_date = serializers.DateField()
    started_at = serializers.DateTimeField(allow_null=True)
    minutes = serializers.IntegerField(allow_null=True, help_text="null while a timer runs")
    description = serializers.CharField()
    billable = serializers.BooleanField()
    rate = serializers.DecimalField(max_digits=8, decimal_places=2)
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    billed_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class TimeEntryInput(serializers.Serializer):
    job = serializers.IntegerField(**_ID)
    task = serializers.IntegerField(required=False, allow_null=True, **_ID)
    # Not called "user": whose time it is is decided by the view (yourself, or anyone
    # with work.time_view_all), never taken on trust.
    staff_member = serializers.IntegerField(
        required=False, allow_null=True, **_ID,
        help_text="Whose time; defaults to the signed-in person. Logging for others needs "
                  "work.time_view_all.")
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    work_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                        default="")
    billable = serializers.BooleanField(default=True)


