from django.contrib import admin

from advisoros.admin_sites import platform_admin
from apps.ledger.models import RevenueShareEntry


@admin.register(RevenueShareEntry, site=platform_admin)
class RevenueShareEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by billing and reversed, never edited (payouts are
    marked paid on the ledger page)."""

    list_display = ["created_at", "kind", "firm", "invoice_number", "gross_amount",
                    "platform_fee", "advisor_payout", "payout_status"]
    list_filter = ["kind", "payout_status"]
    search_fields = ["invoice_number", "event_key"]
    list_select_related = ["firm"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
