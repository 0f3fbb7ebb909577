"""Work demo data for the demo firms (called by `manage.py seed_demo` after the portal
demo): capacity and skills for every staff member, rates, jobs in every stage of every
starter template (some overdue, some blocked, some at risk), recurring monthly closes with
a few months caught up, and time entries.

Idempotent: a firm that already has jobs is left alone. Built through the services, so
routing explanations, the workload table and timelines are what real use would make.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.roles import STAFF_ROLES, Role
from apps.firms.models import Firm
from apps.portal.models import Client, Engagement
from apps.work.library import library_install
from apps.work.models import (
    Job,
    JobTask,
    RoleRate,
    StaffProfile,
    TemplateAutomation,
    TemplateStage,
    TemplateTask,
    WorkflowTemplate,
)
from apps.work.periods import add_months
from apps.work.recurring import recurring_jobs_generate, recurring_schedule_create
from apps.work.services import job_create, job_move, job_task_complete, job_update
from apps.work.timetracking import time_entry_create

# (weekly hours, skills) per role: small enough that some weeks run over.
STAFF_SETUP = {
    Role.OWNER: ("20", ["review", "tax", "advisory", "bookkeeping"]),
    Role.ADMIN: ("10", ["review"]),
    Role.PARTNER: ("24", ["review", "tax", "advisory"]),
    Role.MANAGER: ("32", ["review", "tax", "bookkeeping"]),
    Role.SENIOR_ACCOUNTANT: ("36", ["tax", "review", "bookkeeping"]),
    Role.STAFF_ACCOUNTANT: ("40", ["bookkeeping", "tax"]),
    Role.BOOKKEEPER: ("32", ["bookkeeping", "payroll"]),
    Role.TAX_PREPARER: ("28", ["tax"]),
    Role.ADVISOR: ("24", ["advisory"]),
}
ROLE_RATES = {Role.OWNER: "275", Role.PARTNER: "250", Role.MANAGER: "185",
              Role.SENIOR_ACCOUNTANT: "150", Role.STAFF_ACCOUNTANT: "115",
              Role.BOOKKEEPER: "85", Role.TAX_PREPARER: "125", Role.ADVISOR: "225"}
JOBS_PER_TEMPLATE = 8


def _staff(firm: Firm) -> list[tuple[int, str]]:
    return list(Membership.objects.filter(firm=firm, is_active=True,
                                          role__in=list(STAFF_ROLES))
                .order_by("id").values_list("user_id", "role"))


def _profiles(firm: Firm) -> None:
    for user_id, role in _staff(firm):
        hours, skills = STAFF_SETUP.get(role, ("30", []))
        StaffProfile.objects.update_or_create(
            user_id=user_id, defaults={"weekly_capacity_hours": Decimal(hours),
                                       "skills": skills})
    for role, rate in ROLE_RATES.items():
        RoleRate.objects.update_or_create(role=role, defaults={"hourly_rate": Decimal(rate)})


def _move_to(job: Job, position: int) -> None:
    """Walk the job forward one stage at a time (no skipping, nothing to audit)."""
    for stage in TemplateStage.objects.filter(template_id=job.template_id,
                                              position__gt=job.stage.position,
                                              position__lte=position).order_by("position"):
        for task in job.tasks.filter(stage__position__lt=stage.position,
                                     status=JobTask.Status.OPEN):
            job_task_complete(task=task)
        job = job_move(job=job, to_stage=stage)


def _jobs(firm: Firm, clients: list[Client], today: date) -> list[Job]:
    made = []
    templates = list(WorkflowTemplate.objects.filter(archived=False).exclude(library_key="")
                     .prefetch_related("stages"))
    lead_ids = [uid for uid, role in _staff(firm)
                if role in (Role.MANAGER, Role.PARTNER, Role.SENIOR_ACCOUNTANT)]
    for t_index, template in enumerate(templates):
        stage_count = template.stages.count()
        for n in range(JOBS_PER_TEMPLATE):
            client = clients[(t_index * 3 + n) % len(clients)]
            # Spread due dates from two weeks ago to ten weeks ahead: some overdue.
            due = today + timedelta(days=-14 + 9 * n + t_index)
            engagement = client.engagements.order_by("id").first()
            job = job_create(template=template, client=client, due_date=due,
                             engagement=engagement,
                             name=f"{template.name} — {client.business_name}",
                             priority=1 + (n + t_index) % 4,
                             assignee_id=lead_ids[n % len(lead_ids)] if lead_ids else None,
                             firm_id=firm.pk)
            # Every stage gets jobs; the last one (complete) a few.
            target = 1 + (n % stage_count)
            if target > 1:
                _move_to(Job.objects.select_related("stage").get(pk=job.pk), target)
            if n == 3:
                job_update(job=job, blocked_reason="Waiting on the client's K-1s")
            made.append(job)
    return made


def _recurring(clients: list[Client], today: date) -> int:
    template = WorkflowTemplate.objects.get(library_key="monthly_close")
    payroll = WorkflowTemplate.objects.get(library_key="payroll_run")
    first = add_months(today.replace(day=1), -3)
    for client in clients[:6]:
        engagement = (client.engagements.filter(type=Engagement.Type.BOOKKEEPING).first()
                      or client.engagements.first())
        if engagement is None:
            continue
        if engagement.status != Engagement.Status.ACTIVE:
            Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.ACTIVE)
        recurring_schedule_create(engagement=engagement, template=template,
                                  frequency="monthly", name="Monthly close",
                                  first_period=first)
        if client.pk % 2:
            recurring_schedule_create(engagement=engagement, template=payroll,
                                      frequency="monthly", name="Payroll run",
                                      first_period=first)
    return recurring_jobs_generate(today=today)


def _time(firm: Firm, jobs: list[Job], today: date) -> int:
    entries = 0
    for index, job in enumerate(jobs):
        task = job.tasks.exclude(assignee_id=None).order_by("id").first()
        if task is None:
            continue
        for day in range(1 + index % 3):
            time_entry_create(user_id=task.assignee_id, firm_id=firm.pk, job=job, task=task,
                              minutes=30 + 15 * ((index + day) % 6),
                              work_date=today - timedelta(days=day + index % 10),
                              description=f"Worked on {task.title.lower()}",
                              billable=(index + day) % 5 != 0)
            entries += 1
    return entries


def seed_work_demo_firm(firm: Firm, progress: Callable[[str], None] = print) -> bool:
    """Seed one firm (in its schema); False when it already had jobs or has no clients."""
    today = timezone.localdate()
    with schema_context(firm.schema_name), transaction.atomic():
        library_install(WorkflowTemplate=WorkflowTemplate, TemplateStage=TemplateStage,
                        TemplateTask=TemplateTask, TemplateAutomation=TemplateAutomation)
        if Job.objects.exists():
            progress(f"    {firm.name}: work already seeded")
            return False
        clients = list(Client.objects.alive().order_by("id")[:12])
        if not clients:
            progress(f"    {firm.name}: no clients, no work seeded")
            return False
        _profiles(firm)
        jobs = _jobs(firm, clients, today)
        recurring = _recurring(clients, today)
        entries = _time(firm, jobs, today)
        progress(f"    {firm.name}: {len(jobs)} jobs across every stage, {recurring} "
                 f"recurring jobs, {entries} time entries")
        return True


def seed_work_demo(progress: Callable[[str], None] = print) -> None:
    from apps.firms.demo import DEMO_FIRMS

    for firm in Firm.objects.filter(slug__in=[demo.slug for demo in DEMO_FIRMS]):
        seed_work_demo_firm(firm, progress)
