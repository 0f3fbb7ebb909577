"""Work API for integrators (/api/v1/work/): templates (read), jobs (list, create, read,
move), tasks (list, complete), time entries (list, create). Permission-checked by role or
API key scope, filtered, cursor-paginated; writes go through the services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisoros.api import StrictCursorPagination, service_errors, validated_body
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import HasFirmPermission, ListAndCreatePermissions
from apps.accounts.roles import Perm
from apps.portal.models import Client, Engagement
from apps.portal.selectors import firm_staff_user_ids
from apps.work import services
from apps.work.api import filters, serializers
from apps.work.models import Job, JobTask, TemplateStage, TimeEntry, WorkflowTemplate
from apps.work.timetracking import time_entry_create


class ById(StrictCursorPagination):
    ordering = "id"


def _job_out(job_id: int) -> dict:
    row = Job.objects.filter(pk=job_id).values(*serializers.JOB_FIELDS).get()
    return serializers.JobOutput(row).data


class TemplateListAPI(ListAPIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.TASKS_VIEW
    pagination_class = ById
    serializer_class = serializers.TemplateOutput

    def get_queryset(self):
        return WorkflowTemplate.objects.filter(archived=False)


class TemplateDetailAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.TASKS_VIEW

    @extend_schema(responses=serializers.TemplateDetailOutput)
    def get(self, request: Request, pk: int, **kwargs) -> Response:
        template = get_object_or_404(WorkflowTemplate.objects.prefetch_related("stages__tasks"),
                                     pk=pk)
        return Response(serializers.TemplateDetailOutput({
            **{f: getattr(template, f) for f in serializers.TemplateOutput().fields},
            "stages": [{"id": s.pk, "position": s.position, "name": s.name,
                        "required": s.required, "wip_limit": s.wip_limit,
                        "tasks": list(s.tasks.all())} for s in template.stages.all()],
        }).data)


class JobListAPI(ListAndCreatePermissions, ListAPIView):
    parser_classes = [JSONParser]  # JSON bodies only, as documented
    permission_classes = [HasFirmPermission]
    read_permission, create_permission = Perm.TASKS_VIEW, Perm.TASKS_EDIT
    pagination_class = ById
    serializer_class = serializers.JobOutput
    filterset_class = filters.JobFilter

    def get_queryset(self):
        return Job.objects.values(*serializers.JOB_FIELDS)

    @extend_schema(request=serializers.JobCreateInput, responses={201: serializers.JobOutput})
    def post(self, request: Request, **kwargs) -> Response:
        data = validated_body(serializers.JobCreateInput, request)
        template = WorkflowTemplate.objects.filter(pk=data["template"]).first()
        client = Client.objects.alive().filter(pk=data["client"]).first()
        errors = {}
        if template is None:
            errors["template"] = ["No such template."]
        if client is None:
            errors["client"] = ["No such client."]
        engagement = None
        if data.get("engagement"):
            engagement = Engagement.objects.filter(pk=data["engagement"]).first()
            if engagement is None:
                errors["engagement"] = ["No such engagement."]
        if data.get("assignee") and data["assignee"] not in firm_staff_user_ids(
                request.firm.pk):
            errors["assignee"] = ["Not a staff member of this firm."]
        if errors:
            raise ValidationError(errors)
        try:
            job = services.job_create(
                template=template, client=client, engagement=engagement, name=data["name"],
                due_date=data.get("due_date"), priority=data["priority"],
                assignee_id=data.get("assignee"), created_by_id=request.user.pk,
                firm_id=request.firm.pk)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(_job_out(job.pk), status=status.HTTP_201_CREATED)


class JobDetailAPI(APIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.TASKS_VIEW

    @extend_schema(responses=serializers.JobOutput)
    def get(self, request: Request, pk: int, **kwargs) -> Response:
        get_object_or_404(Job, pk=pk)
        return Response(_job_out(pk))


class JobMoveAPI(APIView):
    """Move a job to another stage; skipping a required stage needs work.stage_override."""
    parser_classes = [JSONParser]  # JSON bodies only, as documented

    permission_classes = [HasFirmPermission]
    required_permission = Perm.TASKS_EDIT

    @extend_schema(request=serializers.JobMoveInput, responses=serializers.JobOutput)
    def post(self, request: Request, pk: int, **kwargs) -> Response:
        job = get_object_or_404(Job, pk=pk)
        data = validated_body(serializers.JobMoveInput, request)
        stage = TemplateStage.objects.filter(pk=data["stage"]).first()
        if stage is None:
            raise ValidationError({"stage": ["No such stage."]})
        try:
            services.job_move(job=job, to_stage=stage, request=request,
                              actor=request.user if request.user.pk else None,
                              may_override=request_has_permission(
                                  request, Perm.WORK_STAGE_OVERRIDE),
                              reason=data["reason"])
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(_job_out(pk))


class TaskListAPI(ListAPIView):
    permission_classes = [HasFirmPermission]
    required_permission = Perm.TASKS_VIEW
    pagination_class = ById
    serializer_class = serializers.JobTaskOutput
    filterset_class = filters.TaskFilter

    def get_queryset(self):
        return JobTask.objects.values(*serializers.TASK_FIELDS)


class TaskCompleteAPI(APIView):
    parser_classes = [JSONParser]  # JSON bodies only, as documented
    permission_classes = [HasFirmPermission]
    required_permission = Perm.TASKS_EDIT

    @extend_schema(request=None, responses=serializers.JobTaskOutput)
    def post(self, request: Request, pk: int, **kwargs) -> Response:
        task = get_object_or_404(JobTask, pk=pk)
        services.job_task_complete(task=task, actor=request.user if request.user.pk else None)
        row = JobTask.objects.filter(pk=pk).values(*serializers.TASK_FIELDS).get()
        return Response(serializers.JobTaskOutput(row).data)


class TimeEntryListAPI(ListAndCreatePermissions, ListAPIView):
    """Time entries: your own, or everyone's with work.time_view_all."""

    parser_classes = [JSONParser]  # JSON bodies only, as documented
    permission_classes = [HasFirmPermission]
    read_permission, create_permission = Perm.TASKS_VIEW, Perm.TASKS_EDIT
    pagination_class = ById
    serializer_class = serializers.TimeEntryOutput
    filterset_class = filters.TimeEntryFilter

    def get_queryset(self):
        entries = TimeEntry.objects.all()
        if not request_has_permission(self.request, Perm.WORK_TIME_VIEW_ALL):
            entries = entries.filter(user_id=self.request.user.pk)
        return entries.values(*serializers.TIME_FIELDS)

    @extend_schema(request=serializers.TimeEntryInput,
                   responses={201: serializers.TimeEntryOutput})
    def post(self, request: Request, **kwargs) -> Response:
        data = validated_body(serializers.TimeEntryInput, request)
        # An API key acts for its owner (apps/accounts/access.py): their time by default.
        key = getattr(request.user, "key", None)
        acting_for = request.user.pk or getattr(key, "created_by_id", None)
        user_id = data.get("staff_member") or acting_for
        if user_id is None:
            raise ValidationError({"staff_member": ["Say whose time this is."]})
        if user_id != acting_for and not request_has_permission(
                request, Perm.WORK_TIME_VIEW_ALL):
            raise ValidationError({"staff_member": ["You may log only your own time."]})
        if user_id not in firm_staff_user_ids(request.firm.pk):
            raise ValidationError({"staff_member": ["Not a staff member of this firm."]})
        job = Job.objects.filter(pk=data["job"]).first()
        if job is None:
            raise ValidationError({"job": ["No such job."]})
        task = None
        if data.get("task"):
            task = JobTask.objects.filter(pk=data["task"]).first()
            if task is None:
                raise ValidationError({"task": ["No such task."]})
        try:
            entry = time_entry_create(user_id=user_id, firm_id=request.firm.pk, job=job,
                                      task=task, minutes=data["minutes"],
                                      work_date=data.get("work_date"),
                                      description=data["description"],
                                      billable=data["billable"])
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        row = TimeEntry.objects.filter(pk=entry.pk).values(*serializers.TIME_FIELDS).get()
        return Response(serializers.TimeEntryOutput(row).data, status=status.HTTP_201_CREATED)
