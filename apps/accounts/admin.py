from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from advisoros.admin_sites import platform_admin
from apps.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["firm"]


@admin.register(User, site=platform_admin)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"],
                             "fields": ["email", "full_name", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Membership, site=platform_admin)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "firm", "role", "is_active", "updated_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "firm__name", "firm__slug"]
    list_select_related = ["user", "firm"]
    autocomplete_fields = ["user", "firm"]
