"""Work management: workflow templates, jobs moving through their stages, automations,
recurring schedules, staff capacity and workload, and time.

Tenant schema. People are public-schema users; foreign keys to them carry no database
constraint (as in apps.portal), so deleting a user never touches every firm's schema.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from apps.accounts.roles import Role


def _user_fk(related_name: str = "+", **extra) -> models.ForeignKey:
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name=related_name, **extra)


class DueRule(models.TextChoices):
    """How a job's due date follows from its period (statutory dates where they exist)."""

    NONE = "none", "Set by hand"
    INDIVIDUAL_RETURN = "individual_return", "April 15 after the tax year (Form 1040)"
    PASS_THROUGH_RETURN = "pass_through_return", "March 15 after the tax year (1120-S, 1065)"
    QUARTERLY_ESTIMATE = "quarterly_estimate", "Quarterly estimate (Apr 15, Jun 15, Sep 15, Jan 15)"
    MONTH_END_PLUS_15 = "month_end_plus_15", "15th of the following month"
    MONTH_END = "month_end", "Last day of the month"
    QUARTER_END_PLUS_20 = "quarter_end_plus_20", "20 days after the quarter ends"
    START_PLUS_14 = "start_plus_14", "Two weeks after the start"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class StartOnSigned(models.TextChoices):
    NEVER = "", "Never"
    EVERY = "every", "For every signed proposal"
    FIRST = "first", "Once per client (if the client has no job from it yet)"


class WorkflowTemplate(models.Model):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    # The starter library's key, so installing the library twice adds nothing.
    library_key = models.CharField(max_length=40, blank=True, default="")
    due_rule = models.CharField(max_length=24, choices=DueRule.choices, default=DueRule.NONE)
    # Months added to the statutory date when the client files an extension (6 for
    # 1040, 1120-S and 1065: Oct 15 and Sep 15); 0 when no extension exists.
    extension_months = models.PositiveSmallIntegerField(default=0)
    default_frequency = models.CharField(max_length=12, choices=Frequency.choices, blank=True,
                                         default="")
    # Start a job from this template for every client created from now on (onboarding).
    start_for_new_clients = models.BooleanField(default=False)
    # Start a job from this template when a client signs a proposal: for every signed
    # proposal, or only when the client has no job from it yet (onboarding started at
    # signing, for clients entered before the firm switched "new clients" on).
    start_on_proposal_signed = models.CharField(
        max_length=8, choices=StartOnSigned.choices, blank=True, default=StartOnSigned.NEVER)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["library_key"], condition=~models.Q(library_key=""),
                                    name="work_template_library_key_once"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateStage(models.Model):
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.CASCADE,
                                 related_name="stages")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    # A required stage cannot be skipped by moving a job past it (unless the role may
    # override stages; the override is audited).
    required = models.BooleanField(default=True)
    wip_limit = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"],
                                    name="work_stage_position_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """What a template's checklist line and a job's task share: who can do it, how long."""

    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    required_role = models.CharField(max_length=24, choices=Role.choices, blank=True,
                                     default="")
    required_skill = models.CharField(max_length=40, blank=True, default="")
    estimated_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1"))

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=models.Q(estimated_hours__gte=0),
                                   name="%(app_label)s_%(class)s_hours_gte_0"),
        ]

    def __str__(self) -> str:
        return self.title


class TemplateTask(ChecklistItem):
    stage = models.ForeignKey(TemplateStage, on_delete=models.CASCADE, related_name="tasks")
    # Days relative to the job's due date (negative: before it).
    due_offset_days = models.IntegerField(default=0)

    class Meta(ChecklistItem.Meta):
        ordering = ["stage", "position", "id"]


class Trigger(models.TextChoices):
    JOB_CREATED = "job_created", "Job created"
    STAGE_ENTERED = "stage_entered", "Stage entered"
    TASK_COMPLETED = "task_completed", "Task completed"
    DOCUMENTS_RECEIVED = "documents_received", "Client uploaded the requested documents"
    PROPOSAL_SIGNED = "proposal_signed", "Client signed a proposal"


class Action(models.TextChoices):
    CREATE_TASKS = "create_tasks", "Create tasks"
    REQUEST_DOCUMENTS = "request_documents", "Send the client a document request"
    DRAFT_INVOICE = "draft_invoice", "Draft an invoice from the engagement fee"
    ADVANCE_WHEN_DONE = "advance_when_done", "Move to the next stage when every task is done"
    ADVANCE = "advance", "Move to the next stage"
    SEND_MESSAGE = "send_message", "Send the client a portal message"
    SEND_EMAIL = "send_email", "Send the client an email"


class TemplateAutomation(models.Model):
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.CASCADE,
                                 related_name="automations")
    # For "stage entered" (and task completed), the stage it watches; blank for any.
    stage = models.ForeignKey(TemplateStage, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="automations")
    trigger = models.CharField(max_length=24, choices=Trigger.choices)
    action = models.CharField(max_length=24, choices=Action.choices)
    # Action settings: {"tasks": [{"title", "estimated_hours", "due_offset_days",
    # "required_role"}]}, {"items": ["W-2 forms", ...], "title": "..."}, for a message or
    # email {"subject": "...", "body": "... {job} ... {due_date} ...", "author_id": 7}.
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["template", "id"]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()}: {self.get_action_display()}"


class RecurringSchedule(models.Model):
    """An engagement's recurring jobs: one job per period, exactly once."""

    engagement = models.ForeignKey("portal.Engagement", on_delete=models.CASCADE,
                                   related_name="work_schedules")
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.PROTECT,
                                 related_name="schedules")
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    name = models.CharField(max_length=120)  # "Monthly close": the period is appended
    first_period = models.DateField()  # first day of the first period
    # The first period not generated yet: beat generates every period up to today's.
    next_period = models.DateField()
    assignee = _user_fk(null=True, blank=True)
    active = models.BooleanField(default=True)
    # The signed proposal's recurring fee line that started this schedule: unique, so a
    # signature makes its schedules exactly once.
    proposal_line = models.OneToOneField("people.ProposalLine", on_delete=models.SET_NULL,
                                         null=True, blank=True, related_name="work_schedule")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["active", "next_period"], name="work_schedule_due")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_frequency_display().lower()})"


class Job(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    template = models.ForeignKey(WorkflowTemplate, on_delete=models.PROTECT,
                                 related_name="jobs")
    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="work_jobs")
    engagement = models.ForeignKey("portal.Engagement", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="work_jobs")
    name = models.CharField(max_length=200)
    due_date = models.DateField()
    stage = models.ForeignKey(TemplateStage, on_delete=models.PROTECT, related_name="jobs")
    stage_entered_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices,
                                                default=Priority.NORMAL)
    # The job's lead; the people on it are the lead and its tasks' assignees.
    assignee = _user_fk(null=True, blank=True)
    blocked_reason = models.CharField(max_length=200, blank=True, default="")
    schedule = models.ForeignKey(RecurringSchedule, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="jobs")
    period = models.CharField(max_length=10, blank=True, default="")  # "2026-11", "2026-Q4"
    created_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Why this job was started automatically ("proposal:<id>", "once" for a per-client
    # start such as onboarding): unique with (template, client), so a redelivered or
    # concurrent start makes the job once.
    start_key = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["due_date", "-priority", "id"]
        indexes = [
            # The board reads each column's first cards straight off this index.
            models.Index(fields=["stage", "due_date", "id"], name="work_job_board"),
            models.Index(fields=["assignee", "status", "due_date"], name="work_job_assignee"),
            models.Index(fields=["status", "due_date"], name="work_job_due"),
            models.Index(fields=["client", "status"], name="work_job_client"),
        ]
        constraints = [
            # Beat may fire twice or a worker die mid-run: a period's job exists once.
            models.UniqueConstraint(fields=["schedule", "period"],
                                    condition=models.Q(schedule__isnull=False),
                                    name="work_job_once_per_period"),
            models.UniqueConstraint(fields=["template", "client", "start_key"],
                                    condition=~models.Q(start_key=""),
                                    name="work_job_started_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_blocked(self) -> bool:
        return bool(self.blocked_reason)


class JobTask(ChecklistItem):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="tasks")
    stage = models.ForeignKey(TemplateStage, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    assignee = _user_fk(null=True, blank=True)
    # Why the assignee was chosen ("assigned to Maya: 14 h free of 32 h in the week of
    # Mar 9"), or why nobody could be.
    assignment_reason = models.CharField(max_length=240, blank=True, default="")
    # The week whose workload row counts this task's hours (kept with the assignee).
    workload_week = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = _user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(ChecklistItem.Meta):
        ordering = ["job", "stage__position", "position", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="work_task_assignee"),
            models.Index(fields=["job", "status"], name="work_task_job"),
        ]


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STAGE_MOVED = "stage_moved", "Moved"
        STAGE_OVERRIDDEN = "stage_overridden", "Moved past a required stage"
        TASK_COMPLETED = "task_completed", "Task completed"
        TASK_ASSIGNED = "task_assigned", "Task assigned"
        AUTOMATION = "automation", "Automation"
        TIME_LOGGED = "time_logged", "Time logged"
        BILLED = "billed", "Billed"
        COMPLETED = "completed", "Completed"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = _user_fk(null=True, blank=True)
    message = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["job", "-at"], name="work_timeline_job")]

    def __str__(self) -> str:
        return self.message


class AutomationRun(models.Model):
    """One automation answering one trigger event on one job: unique, so a trigger that
    fires twice (a redelivered message, a double click) runs the action once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to run"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Nothing to do"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="automation_runs")
    automation = models.ForeignKey(TemplateAutomation, on_delete=models.CASCADE,
                                   related_name="runs")
    event_key = models.CharField(max_length=80)  # "stage_entered:12", "task_completed:55"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(max_length=300, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    # The document request a "request documents" run sent: its fulfilment fires the
    # "documents received" trigger on this job.
    document_request = models.ForeignKey("documents.DocumentRequest", on_delete=models.SET_NULL,
                                         null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "automation", "event_key"],
                                    name="work_automation_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.automation} on {self.event_key}: {self.status}"


class StaffProfile(models.Model):
    """A staff member's weekly capacity, skills and (optional) personal hourly rate."""

    user = _user_fk()
    weekly_capacity_hours = models.DecimalField(max_digits=5, decimal_places=2,
                                                default=Decimal("40"))
    skills = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], name="work_profile_once_per_person"),
            models.CheckConstraint(condition=models.Q(weekly_capacity_hours__gte=0),
                                   name="work_capacity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


class WorkloadWeek(models.Model):
    """Estimated hours of open tasks per person per week (the week of the task's due date),
    kept by the services that assign, complete and move tasks, so routing reads one row
    per candidate instead of summing tasks."""

    user = _user_fk()
    week_start = models.DateField()  # Monday
    hours = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    open_tasks = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="work_workload_once"),
        ]
        indexes = [models.Index(fields=["week_start", "user"], name="work_workload_week")]

    def __str__(self) -> str:
        return f"user {self.user_id}, week of {self.week_start}: {self.hours} h"


class RoleRate(models.Model):
    """Standard hourly rate by role; a person's own rate (StaffProfile) wins."""

    role = models.CharField(max_length=24, choices=Role.choices, unique=True)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.hourly_rate}/h"


class TimeEntry(models.Model):
    user = _user_fk()
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="time_entries")
    task = models.ForeignKey(JobTask, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="time_entries")
    client = models.ForeignKey("portal.Client", on_delete=models.PROTECT, related_name="+")
    work_date = models.DateField()
    # A running timer has started_at and no minutes yet; stopping it sets minutes.
    started_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    description = models.CharField(max_length=300, blank=True, default="")
    billable = models.BooleanField(default=True)
    # The rate at the time of logging (standard value = hours x rate).
    rate = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")
    billed_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True,
                                        blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-work_date", "-id"]
        indexes = [
            models.Index(fields=["client", "billable", "invoice"], name="work_time_wip"),
            models.Index(fields=["job", "work_date"], name="work_time_job"),
            models.Index(fields=["user", "work_date"], name="work_time_user"),
        ]
        constraints = [
            # One running timer per person.
            models.UniqueConstraint(fields=["user"], condition=models.Q(minutes__isnull=True),
                                    name="work_one_running_timer"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes or 0} min on job {self.job_id}"
