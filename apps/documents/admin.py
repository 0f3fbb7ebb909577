from django.contrib import admin

from advisoros.admin_sites import FirmModelAdmin, firm_admin
from apps.accounts.roles import Perm
from apps.documents.models import Document


@admin.register(Document, site=firm_admin)
class DocumentAdmin(FirmModelAdmin):
    list_display = ["file_name", "client", "category", "status", "size_bytes", "created_at",
                    "deleted_at"]
    list_filter = ["status", "category", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["file_name", "client__business_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "uploaded_by"]
    readonly_fields = ["created_at"]
    show_full_result_count = False
    list_per_page = 50
    edit_permission = Perm.DOCUMENTS_REVIEW
