"""The firm admin for the practice: list displays, filters and search, no N+1 (related
names come from list_select_related), and only this firm's rows (its schema)."""

from django.contrib import admin

from advisoros.admin_sites import FirmModelAdmin, firm_admin
from apps.accounts.access import request_has_permission
from apps.accounts.roles import CLIENT_ROLES, STAFF_ROLES, Perm
from apps.portal.models import Client, ClientAccess, DashboardRefresh, Engagement, Task
from apps.portal.services import client_archive


class _PracticeAdmin(FirmModelAdmin):
    # 50,000 clients: skip the second COUNT(*) over the unfiltered table.
    show_full_result_count = False
    list_per_page = 50


@admin.register(Client, site=firm_admin)
class ClientAdmin(_PracticeAdmin):
    list_display = ["business_name", "status", "industry", "annual_revenue",
                    "assigned_staff", "contact_email", "deleted_at"]
    list_filter = ["status", "industry", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["business_name", "contact_name", "contact_email"]
    list_select_related = ["assigned_staff"]
    # Archiving goes through its service, for the roles allowed to (CLIENTS_DELETE).
    readonly_fields = ["created_at", "updated_at", "deleted_at"]
    edit_permission = Perm.CLIENTS_EDIT
    user_field_roles = {"assigned_staff": STAFF_ROLES}
    actions = ["archive"]

    def has_archive_permission(self, request) -> bool:
        return request_has_permission(request, Perm.CLIENTS_DELETE)

    @admin.action(description="Archive the selected clients", permissions=["archive"])
    def archive(self, request, queryset) -> None:
        for client in queryset.filter(deleted_at__isnull=True):
            client_archive(client=client, request=request)
        self.message_user(request, "The selected clients are archived.")


@admin.register(ClientAccess, site=firm_admin)
class ClientAccessAdmin(_PracticeAdmin):
    list_display = ["user", "client", "created_at"]
    list_select_related = ["user", "client"]
    search_fields = ["client__business_name", "user__email"]
    raw_id_fields = ["client"]
    user_field_roles = {"user": CLIENT_ROLES}
    edit_permission = Perm.CLIENTS_EDIT
    delete_permission = Perm.CLIENTS_EDIT


@admin.register(Engagement, site=firm_admin)
class EngagementAdmin(_PracticeAdmin):
    list_display = ["client", "type", "status", "start_date", "end_date", "fee", "responsible"]
    list_filter = ["type", "status"]
    search_fields = ["client__business_name"]
    list_select_related = ["client", "responsible"]
    raw_id_fields = ["client"]
    user_field_roles = {"responsible": STAFF_ROLES}
    date_hierarchy = "start_date"
    edit_permission = Perm.ENGAGEMENTS_EDIT


@admin.register(Task, site=firm_admin)
class TaskAdmin(_PracticeAdmin):
    list_display = ["title", "client", "status", "priority", "due_date", "assignee",
                    "estimated_hours"]
    list_filter = ["status", "priority"]
    search_fields = ["title", "client__business_name"]
    list_select_related = ["client", "assignee"]
    raw_id_fields = ["client", "engagement"]
    user_field_roles = {"assignee": STAFF_ROLES}
    edit_permission = Perm.TASKS_EDIT
    delete_permission = Perm.TASKS_EDIT


@admin.register(DashboardRefresh, site=firm_admin)
class DashboardRefreshAdmin(_PracticeAdmin):
    """Read-only history of the dashboard view refreshes and how long they took."""

    list_display = ["started_at", "duration_ms", "rows", "concurrently"]
    edit_permission = "none"  # nobody edits the refresh history

    def has_add_permission(self, request) -> bool:
        return False
