"""Work in the firm admin: templates with their automations (the pages edit stages and
checklists as an outline; automations are edited here), rates and capacity, and read-only
views of jobs, automation runs and time. Jobs, moves and time go through the services on
the work pages, so nothing here bypasses the stage rule, the workload or billing."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from advisoros.admin_sites import FirmModelAdmin, firm_admin
from apps.accounts.roles import STAFF_ROLES, Perm
from apps.work.models import (
    AutomationRun,
    Job,
    RoleRate,
    StaffProfile,
    TemplateAutomation,
    TimeEntry,
    WorkflowTemplate,
)


class AutomationInline(admin.TabularInline):
    model = TemplateAutomation
    extra = 0
    fields = ["trigger", "stage", "action", "config"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only this template's stages (the parent id is in the URL).
        if db_field.name == "stage":
            template_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = db_field.related_model.objects.filter(
                template_id=template_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return firm_admin._registry[WorkflowTemplate].has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return firm_admin._registry[WorkflowTemplate].has_change_permission(request, obj)

    has_change_permission = has_add_permission
    has_delete_permission = has_add_permission


@admin.register(WorkflowTemplate, site=firm_admin)
class WorkflowTemplateAdmin(FirmModelAdmin):
    edit_permission = Perm.WORK_TEMPLATES_EDIT
    list_display = ["name", "due_rule", "default_frequency", "start_for_new_clients",
                    "archived"]
    fields = ["name", "description", "due_rule", "extension_months", "default_frequency",
              "start_for_new_clients", "start_on_proposal_signed", "archived"]
    inlines = [AutomationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new templates start on the work pages, with their stages


@admin.register(StaffProfile, site=firm_admin)
class StaffProfileAdmin(FirmModelAdmin):
    edit_permission = Perm.WORK_CAPACITY_EDIT
    list_display = ["user", "weekly_capacity_hours", "hourly_rate"]
    user_field_roles = {"user": STAFF_ROLES}


@admin.register(RoleRate, site=firm_admin)
class RoleRateAdmin(FirmModelAdmin):
    edit_permission = Perm.WORK_CAPACITY_EDIT
    list_display = ["role", "hourly_rate"]
    delete_permission = Perm.WORK_CAPACITY_EDIT


class ReadOnlyAdmin(FirmModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Job, site=firm_admin)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["name", "client", "stage", "status", "due_date", "priority"]
    list_filter = ["status", "template"]
    list_select_related = ["client", "stage"]
    search_fields = ["name"]


@admin.register(AutomationRun, site=firm_admin)
class AutomationRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "automation", "status", "outcome", "attempts", "created_at"]
    list_filter = ["status"]
    list_select_related = ["job", "automation"]


@admin.register(TimeEntry, site=firm_admin)
class TimeEntryAdmin(ReadOnlyAdmin):
    view_permission = Perm.WORK_TIME_VIEW_ALL
    list_display = ["user", "job", "work_date", "minutes", "billable", "invoice"]
    list_filter = ["billable"]
    list_select_related = ["job"]
