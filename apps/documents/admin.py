from django.contrib import admin

from advisoros.admin_sites import FirmModelAdmin, firm_admin
from apps.accounts.roles import Perm
from apps.documents.models import Document, DocumentRequest, DocumentRequestItem


@admin.register(Document, site=firm_admin)
class DocumentAdmin(FirmModelAdmin):
    list_display = ["file_name", "client", "category", "doc_type", "status", "tax_year",
                    "confidence", "size_bytes", "created_at", "deleted_at"]
    list_filter = ["status", "category", "doc_type", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["file_name", "client__business_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "batch"]
    # What the pipeline and the upload wrote is evidence: not edited by hand here.
    readonly_fields = ["created_at", "sha256", "content_type", "file", "size_bytes", "text",
                       "text_source", "fields", "confidence", "attempts", "queued_at",
                       "processing_started_at", "processed_at", "failure_reason", "search"]
    show_full_result_count = False
    list_per_page = 50
    edit_permission = Perm.DOCUMENTS_REVIEW


class DocumentRequestItemInline(admin.TabularInline):
    model = DocumentRequestItem
    raw_id_fields = ["document"]
    extra = 0


@admin.register(DocumentRequest, site=firm_admin)
class DocumentRequestAdmin(FirmModelAdmin):
    list_display = ["title", "client", "created_at", "cancelled_at"]
    raw_id_fields = ["client"]
    list_select_related = ["client"]
    inlines = [DocumentRequestItemInline]
    show_full_result_count = False
    edit_permission = Perm.DOCUMENTS_UPLOAD
