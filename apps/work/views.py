"""Staff pages of work management: board, job list, My work, job detail, templates.
Thin: forms check input, services write, selectors read."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from advisoros.forms import form_written
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.portal.selectors import firm_staff_choices
from apps.work import selectors, services, template_services
from apps.work.automations import automation_run_retry
from apps.work.forms import JobCreateForm, JobListFilterForm, JobMoveForm, TemplateForm
from apps.work.models import AutomationRun, Job, JobTask, TemplateStage
from apps.work.page_rows import board_cards_prepare, job_rows_prepare, my_work_rows_prepare
from apps.work.timetracking import job_realization


def _template_choices() -> list[tuple[int, str]]:
    return list(selectors.templates_active().values_list("id", "name"))


@firm_permission_required(Perm.TASKS_VIEW)
def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "work/my_work.html", {
        "rows": my_work_rows_prepare(selectors.my_work(request.user.pk)),
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
    })


@firm_permission_required(Perm.TASKS_VIEW)
def board(request: HttpRequest) -> HttpResponse:
    templates = list(selectors.templates_active())
    if not templates:
        return render(request, "work/board.html", {"templates": [], "columns": []})
    wanted = request.GET.get("template", "")
    template = next((t for t in templates if str(t.pk) == wanted), templates[0])
    mine = request.GET.get("mine") == "1"
    columns = selectors.board_get(template, assignee_id=request.user.pk if mine else None)
    board_cards_prepare(columns)
    return render(request, "work/board.html", {
        "templates": templates, "template": template, "mine": mine,
        "here": request.get_full_path(), "columns": columns,
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
        "can_override": request_has_permission(request, Perm.WORK_STAGE_OVERRIDE),
    })


@firm_permission_required(Perm.TASKS_VIEW)
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobListFilterForm(request.GET or None,
                             staff_choices=firm_staff_choices(request.firm.pk),
                             template_choices=_template_choices())
    if request.GET and not form.is_valid():
        return render(request, "work/job_list.html", {"form": form, "page": None},
                      status=400)
    query = form.to_query() if request.GET else selectors.JobListQuery()
    params = request.GET.copy()
    params.pop("page", None)
    page = selectors.job_list_page(query)
    job_rows_prepare(page.object_list)
    return render(request, "work/job_list.html", {
        "form": form, "page": page, "params": params.urlencode(),
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
    })


@firm_permission_required(Perm.TASKS_EDIT)
def job_create(request: HttpRequest) -> HttpResponse:
    staff = firm_staff_choices(request.firm.pk)
    form = JobCreateForm(request.POST or None, staff_choices=staff,
                         initial={"template": request.GET.get("template")})
    if request.method == "POST" and (written := form_written(form, lambda _: services.job_create(
            **form.service_kwargs(), created_by_id=request.user.pk, firm_id=request.firm.pk))):
        messages.success(request, f"{written.result.name} created.")
        return redirect("work:job_detail", job_id=written.result.pk)
    return render(request, "work/job_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@firm_permission_required(Perm.TASKS_VIEW)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(job_id)
    return render(request, "work/job_detail.html", {
        "job": job, "stages": list(job.template.stages.order_by("position")),
        "today": timezone.localdate(),
        "tasks": selectors.job_tasks(job), "timeline": selectors.job_timeline(job),
        "failed_runs": selectors.job_failed_runs(job),
        "realization": job_realization(job),
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
        "can_override": request_has_permission(request, Perm.WORK_STAGE_OVERRIDE),
    })


@require_POST
@firm_permission_required(Perm.TASKS_EDIT)
def job_move(request: HttpRequest, job_id: int) -> HttpResponse:
    """A card moved on the board (form POST without JavaScript, or fetch from the drag
    script, which asks for JSON)."""
    job = selectors.job_get(job_id)
    form = JobMoveForm(request.POST)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    error = None
    if not form.is_valid():
        error = "Pick a stage to move to."
    else:
        stage = TemplateStage.objects.filter(pk=form.cleaned_data["stage"]).first()
        try:
            if stage is None:
                raise ValidationError({"stage": ["That stage does not exist."]})
            services.job_move(job=job, to_stage=stage, actor=request.user, request=request,
                              may_override=request_has_permission(
                                  request, Perm.WORK_STAGE_OVERRIDE),
                              reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if wants_json:
        return JsonResponse({"ok": error is None, "error": error or ""},
                            status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{job.name} moved to {stage.name}.")
    return redirect(request.POST.get("next") if _safe_next(request) else
                    reverse("work:job_detail", args=[job.pk]))


def _safe_next(request: HttpRequest) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/work/") and "//" not in target


@require_POST
@firm_permission_required(Perm.TASKS_EDIT)
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(JobTask, pk=task_id)
    if request.POST.get("reopen"):
        services.job_task_reopen(task=task, actor=request.user)
    else:
        services.job_task_complete(task=task, actor=request.user)
    if _safe_next(request):
        return redirect(request.POST["next"])
    return redirect("work:job_detail", job_id=task.job_id)


@require_POST
@firm_permission_required(Perm.TASKS_EDIT)
def run_retry(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(AutomationRun, pk=run_id)
    automation_run_retry(run=run)
    messages.success(request, "Retrying the automation; its outcome appears on the timeline.")
    return redirect("work:job_detail", job_id=run.job_id)


@firm_permission_required(Perm.TASKS_VIEW)
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "work/template_list.html", {
        "templates": selectors.templates_with_counts(),
        "can_edit": request_has_permission(request, Perm.WORK_TEMPLATES_EDIT),
    })


def _template_page(request, form, *, title, template=None, status=200) -> HttpResponse:
    return render(request, "work/template_form.html", {
        "form": form, "title": title, "template": template,
        "automations": list(template.automations.select_related("stage")) if template else [],
    }, status=status)


def _template_save(request, form, *, template=None, title: str) -> HttpResponse:
    if written := form_written(form, lambda data: template_services.template_save(
            template=template, **data)):
        messages.success(request, f"“{written.result.name}” saved.")
        return redirect("work:template_list")
    return _template_page(request, form, title=title, template=template, status=400)


@firm_permission_required(Perm.WORK_TEMPLATES_EDIT)
def template_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _template_page(request, TemplateForm(initial={
            "outline": "To do | required\n- First task | 1 h | -3 days\nDone | required"}),
            title="New workflow template")
    return _template_save(request, TemplateForm(request.POST), title="New workflow template")


@firm_permission_required(Perm.WORK_TEMPLATES_EDIT)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(template_id)
    title = f"Edit {template.name}"
    if request.method != "POST":
        return _template_page(request, TemplateForm(initial={
            "name": template.name, "description": template.description,
            "due_rule": template.due_rule, "default_frequency": template.default_frequency,
            "extension_months": template.extension_months,
            "start_for_new_clients": template.start_for_new_clients,
            "start_on_proposal_signed": template.start_on_proposal_signed,
            "outline": template_services.outline_format(template)}),
            title=title, template=template)
    return _template_save(request, TemplateForm(request.POST), template=template, title=title)


@require_POST
@firm_permission_required(Perm.WORK_TEMPLATES_EDIT)
def template_copy(request: HttpRequest, template_id: int) -> HttpResponse:
    copy = template_services.template_copy(template=selectors.template_get(template_id))
    messages.success(request, f"Copied to “{copy.name}”; edit it below.")
    return redirect("work:template_edit", template_id=copy.pk)


@firm_permission_required(Perm.TASKS_VIEW)
def capacity(request: HttpRequest) -> HttpResponse:
    from apps.work.capacity import capacity_grid, jobs_at_risk

    weeks, rows = capacity_grid(request.firm.pk)
    return render(request, "work/capacity.html", {
        "weeks": weeks, "rows": rows, "at_risk": jobs_at_risk(request.firm.pk),
        "can_edit": request_has_permission(request, Perm.WORK_CAPACITY_EDIT),
    })


@firm_permission_required(Perm.WORK_CAPACITY_EDIT)
def capacity_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    from apps.work.forms import StaffProfileForm
    from apps.work.models import StaffProfile

    staff = dict(firm_staff_choices(request.firm.pk))
    if user_id not in staff:
        raise Http404("No such staff member.")
    profile = StaffProfile.objects.filter(user_id=user_id).first()
    form = StaffProfileForm(request.POST or None, initial={
        "weekly_capacity_hours": profile.weekly_capacity_hours if profile else 40,
        "skills": ", ".join(profile.skills) if profile else "",
        "hourly_rate": profile.hourly_rate if profile else None})
    if request.method == "POST" and form_written(form, lambda _: services.staff_profile_update(
            user_id=user_id, firm_id=request.firm.pk, **form.service_kwargs())):
        messages.success(request, f"Capacity of {staff[user_id]} saved.")
        return redirect("work:capacity")
    return render(request, "staff/form.html", {
        "form": form, "title": f"Capacity of {staff[user_id]}",
        "cancel_url": reverse("work:capacity")},
        status=400 if request.method == "POST" else 200)


@require_POST
@firm_permission_required(Perm.WORK_CAPACITY_EDIT)
def job_rebalance(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get(job_id)
    changed = services.job_rebalance(job=job, firm_id=request.firm.pk, actor=request.user)
    messages.success(request, f"{job.name}: {changed} task{'s' if changed != 1 else ''} "
                              "moved to people with more room.")
    return redirect("work:capacity")


def _time_job(request: HttpRequest, form) -> Job | None:
    return Job.objects.filter(pk=form.cleaned_data["job"]).select_related("client").first()


@firm_permission_required(Perm.TASKS_VIEW)
def time_page(request: HttpRequest) -> HttpResponse:
    """My time (or, for those who may see others' time, anyone's)."""
    from apps.work.models import TimeEntry

    user_id = request.user.pk
    may_see_all = request_has_permission(request, Perm.WORK_TIME_VIEW_ALL)
    wanted = request.GET.get("user", "")
    if may_see_all and wanted.isdigit():
        user_id = int(wanted)
    since = timezone.localdate() - timedelta(days=30)
    entries = list(TimeEntry.objects.filter(user_id=user_id, work_date__gte=since)
                   .select_related("job", "client").order_by("-work_date", "-id")[:200])
    return render(request, "work/time.html", {
        "entries": entries, "running": next((e for e in entries if e.minutes is None), None),
        "staff": firm_staff_choices(request.firm.pk) if may_see_all else [],
        "selected_user": user_id, "is_me": user_id == request.user.pk,
        "total_minutes": sum(e.minutes or 0 for e in entries),
    })


@require_POST
@firm_permission_required(Perm.TASKS_EDIT)
def time_log(request: HttpRequest) -> HttpResponse:
    """Start a timer (no hours given) or log hours by hand, on a job."""
    from apps.work.forms import TimeEntryForm
    from apps.work.timetracking import time_entry_create, timer_start

    form = TimeEntryForm(request.POST)
    job = _time_job(request, form) if form.is_valid() else None
    if job is None:
        messages.error(request, "Pick a job and give hours between 0.02 and 24.")
        return redirect("work:time")
    data = form.cleaned_data
    try:
        if data["hours"]:
            time_entry_create(user_id=request.user.pk, firm_id=request.firm.pk, job=job,
                              minutes=int(data["hours"] * 60), work_date=data["work_date"],
                              description=data["description"], billable=data["billable"])
            messages.success(request, f"{data['hours']} h logged on {job.name}.")
        else:
            timer_start(user_id=request.user.pk, firm_id=request.firm.pk, job=job,
                        description=data["description"], billable=data["billable"])
            messages.success(request, f"Timer started on {job.name}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("work:job_detail", job_id=job.pk)


@require_POST
@firm_permission_required(Perm.TASKS_EDIT)
def timer_stop(request: HttpRequest) -> HttpResponse:
    from apps.work.timetracking import timer_stop as stop

    entry = stop(user_id=request.user.pk)
    if entry is None:
        messages.info(request, "No timer was running.")
    else:
        messages.success(request, f"Timer stopped: {entry.minutes} minutes on {entry.job.name}.")
    return redirect("work:time")


@firm_permission_required(Perm.INVOICES_VIEW)
def wip(request: HttpRequest) -> HttpResponse:
    from apps.work.timetracking import wip_by_client, wip_by_job

    client_id = request.GET.get("client", "")
    return render(request, "work/wip.html", {
        "clients": wip_by_client(),
        "jobs": wip_by_job(client_id=int(client_id)) if client_id.isdigit() else [],
        "client_id": int(client_id) if client_id.isdigit() else None,
        "can_bill": request_has_permission(request, Perm.INVOICES_EDIT),
    })


@require_POST
@firm_permission_required(Perm.INVOICES_EDIT)
def wip_bill(request: HttpRequest, client_id: int) -> HttpResponse:
    from apps.portal.models import Client
    from apps.work.forms import WipBillForm
    from apps.work.timetracking import wip_bill as bill

    client = get_object_or_404(Client.objects.alive(), pk=client_id)
    form = WipBillForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give an amount of 0 or more.")
        return redirect(f"{reverse('work:wip')}?client={client.pk}")
    job = None
    if form.cleaned_data["job"]:
        job = get_object_or_404(Job, pk=form.cleaned_data["job"], client=client)
    try:
        invoice = bill(client=client, job=job, amount=form.cleaned_data["amount"],
                       actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('work:wip')}?client={client.pk}")
    messages.success(request, f"Draft invoice {invoice.number} created from unbilled time.")
    return redirect("billing:invoice_detail", invoice_id=invoice.pk)


@firm_permission_required(Perm.TASKS_VIEW)
def client_work(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's work and its progress: onboarding, returns, closes."""
    from apps.portal.selectors import client_get

    client = client_get(client_id)
    return render(request, "work/client_work.html", {
        "client": client, "jobs": selectors.client_jobs(client.pk),
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
    })


@firm_permission_required(Perm.TASKS_VIEW)
def schedules(request: HttpRequest) -> HttpResponse:
    """Recurring schedules, and (for those who edit engagements) a form to add one."""
    from apps.work.forms import ScheduleForm
    from apps.work.recurring import recurring_schedule_create

    can_edit = request_has_permission(request, Perm.ENGAGEMENTS_EDIT)
    form = ScheduleForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if written := form_written(form, lambda data: recurring_schedule_create(
                engagement=data["engagement"], template=data["template"],
                frequency=data["frequency"], name=data["name"],
                first_period=data["first_period"])):
            messages.success(request, f"“{written.result.name}” scheduled; its jobs appear "
                                      "within the hour.")
            return redirect("work:schedules")
    return render(request, "work/schedules.html", {
        "schedules": selectors.schedules_list(), "form": form, "can_edit": can_edit,
    }, status=400 if request.method == "POST" else 200)
