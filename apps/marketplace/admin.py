"""Platform admin (bare domain, platform staff): verify, activate and suspend advisors,
moderate reviews, and see marketplace engagements. Actions go through the services so
caches and embeddings follow."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from advisoros.admin_sites import platform_admin
from apps.marketplace import services
from apps.marketplace.models import AdvisorProfile, AdvisorReview, MarketplaceEngagement
from apps.marketplace.reviews import review_set_published


@admin.register(AdvisorProfile, site=platform_admin)
class AdvisorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "professional_title", "status", "is_verified", "overall_rating",
                    "total_reviews", "current_clients", "max_clients", "updated_at")
    list_filter = ("status", "is_verified", "availability")
    search_fields = ("user__email", "user__full_name", "professional_title")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    exclude = ("embedding", "embedding_source")
    readonly_fields = ("overall_rating", "total_reviews", "rating_sum", "verified_at",
                       "created_at", "updated_at")
    actions = ("verify_and_activate", "suspend")
    show_full_result_count = False

    @admin.action(description="Verify and activate")
    def verify_and_activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        for profile in queryset:
            services.advisor_profile_moderate(profile=profile, status="active", verified=True)
        messages.success(request, f"{queryset.count()} advisor(s) verified and active.")

    @admin.action(description="Suspend")
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        for profile in queryset:
            services.advisor_profile_moderate(profile=profile, status="suspended")
        messages.success(request, f"{queryset.count()} advisor(s) suspended.")

    def save_model(self, request, obj: AdvisorProfile, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or set(form.changed_data) & set(services.TEXT_FIELDS):
            services.advisor_embedding_enqueue(advisor_id=obj.pk)


@admin.register(AdvisorReview, site=platform_admin)
class AdvisorReviewAdmin(admin.ModelAdmin):
    list_display = ("advisor", "overall_rating", "nps", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("advisor__user",)
    readonly_fields = ("engagement", "advisor", "author", "nps", "overall_rating",
                       "engagement_rating", "responsiveness_rating", "text", "status",
                       "created_at")
    actions = ("hide", "publish")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews come from clients, through the review service

    @admin.action(description="Hide (removes it from the rating)")
    def hide(self, request: HttpRequest, queryset: QuerySet) -> None:
        for review in queryset:
            review_set_published(review=review, published=False)

    @admin.action(description="Publish")
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        for review in queryset:
            review_set_published(review=review, published=True)


@admin.register(MarketplaceEngagement, site=platform_admin)
class MarketplaceEngagementAdmin(admin.ModelAdmin):
    list_display = ("client_name", "firm", "advisor", "status", "agreed_rate", "requested_at")
    list_filter = ("status",)
    list_select_related = ("firm", "advisor__user")
    readonly_fields = [f.name for f in MarketplaceEngagement._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
