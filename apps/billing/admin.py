from django.contrib import admin

from advisoros.admin_sites import FirmModelAdmin, firm_admin
from apps.accounts.roles import Perm
from apps.billing.models import Invoice


@admin.register(Invoice, site=firm_admin)
class InvoiceAdmin(FirmModelAdmin):
    list_display = ["number", "client", "status", "issue_date", "due_date", "total", "balance"]
    list_filter = ["status"]
    search_fields = ["number", "client__business_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "engagement"]
    date_hierarchy = "issue_date"
    show_full_result_count = False
    list_per_page = 50
    edit_permission = Perm.INVOICES_EDIT
