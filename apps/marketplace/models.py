"""Marketplace data (public schema): advisor profiles, marketplace engagements, reviews.

The marketplace is cross-firm, so it lives in `public`. A firm's client lives in the firm's
own schema; an engagement therefore keeps a client *reference* (id + name snapshot), not
a foreign key into a tenant schema.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from pgvector.django import VectorField

from apps.security.fields import EncryptedField

# WordLlama's bundled model (apps/marketplace/embedding.py) makes 256-dimension vectors.
EMBEDDING_DIMENSIONS = 256

# The one definition of "listed": search, detail and matching all start from it, and the
# partial indexes below use the same condition so the planner can pick them.
LISTED = Q(status="active", is_verified=True, deleted_at__isnull=True)
HAS_CAPACITY = Q(current_clients__lt=F("max_clients"))


class AdvisorProfile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class Availability(models.TextChoices):
        IMMEDIATE = "immediate", "Can start now"
        TWO_WEEKS = "two_weeks", "Within two weeks"
        MONTH = "month", "Within a month"
        WAITLIST = "waitlist", "Waitlist only"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="advisor_profile")
    professional_title = models.CharField(max_length=120)
    headline = models.CharField(max_length=200)
    bio = models.TextField(max_length=5000, blank=True)
    years_experience = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(60)])
    industries = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    services = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    company_sizes = ArrayField(models.CharField(max_length=20), default=list, blank=True,
                               help_text="Client company sizes the advisor works with.")
    certifications = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2,
                                      validators=[MinValueValidator(Decimal("0"))])
    monthly_retainer_min = models.DecimalField(max_digits=10, decimal_places=2,
                                               default=Decimal("0"),
                                               validators=[MinValueValidator(Decimal("0"))])
    # Rating aggregates, maintained incrementally by review services with F() updates:
    # overall_rating is rating_sum / total_reviews over published reviews.
    overall_rating = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    total_reviews = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    current_clients = models.PositiveSmallIntegerField(default=0)
    max_clients = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    availability = models.CharField(max_length=20, choices=Availability.choices,
                                    default=Availability.IMMEDIATE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    is_verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Free-text search over title, headline and bio; Postgres keeps it current.
    search_vector = models.GeneratedField(
        expression=SearchVector("professional_title", "headline", "bio", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    # Hash of the text the embedding was computed from (and the embedder's name): the
    # re-embedding task skips work when nothing changed, so running it twice is harmless.
    embedding_source = models.CharField(max_length=64, blank=True, default="")
    # Where the advisor's payouts go: encrypted at rest, shown masked (****1234).
    payout_account = EncryptedField(kind="account")
    payout_routing = EncryptedField(kind="account")

    class Meta:
        indexes = [
            # Keyset pagination for each sort, restricted to listed advisors.
            models.Index(F("overall_rating").desc(), F("id").desc(), condition=LISTED,
                         name="adv_listed_rating"),
            models.Index(F("years_experience").desc(), F("id").desc(), condition=LISTED,
                         name="adv_listed_experience"),
            models.Index(F("hourly_rate"), F("id"), condition=LISTED,
                         name="adv_listed_price"),
            models.Index(F("total_reviews").desc(), F("id").desc(), condition=LISTED,
                         name="adv_listed_reviews"),
            # "Available now, best rated first" is the marketplace's front page.
            models.Index(F("overall_rating").desc(), F("id").desc(),
                         condition=LISTED & HAS_CAPACITY, name="adv_available_rating"),
            GinIndex(fields=["industries"], condition=LISTED, name="adv_listed_industries"),
            GinIndex(fields=["services"], condition=LISTED, name="adv_listed_services"),
            GinIndex(fields=["search_vector"], condition=LISTED, name="adv_listed_text"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(overall_rating__gte=0, overall_rating__lte=5),
                                   name="adv_rating_range"),
            models.CheckConstraint(condition=Q(max_clients__gte=1), name="adv_max_clients_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.professional_title})"

    @property
    def has_capacity(self) -> bool:
        return self.current_clients < self.max_clients


class MarketplaceEngagement(models.Model):
    """A firm's client engaging a marketplace advisor. Billing charges commission on it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"

    firm = models.ForeignKey("firms.Firm", on_delete=models.PROTECT,
                             related_name="marketplace_engagements")
    # The client lives in the firm's schema: keep its id and the name it had when asked.
    client_id = models.PositiveBigIntegerField()
    client_name = models.CharField(max_length=200)
    advisor = models.ForeignKey(AdvisorProfile, on_delete=models.PROTECT,
                                related_name="engagements")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="marketplace_requests")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    agreed_rate = models.DecimalField(max_digits=10, decimal_places=2,
                                      validators=[MinValueValidator(Decimal("0"))])
    message = models.TextField(max_length=2000, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["firm", "-requested_at"], name="mkt_eng_firm_recent"),
            models.Index(fields=["advisor", "status"], name="mkt_eng_advisor_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(agreed_rate__gte=0), name="mkt_eng_rate_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.client_name} / {self.advisor_id}: {self.status}"


class AdvisorReview(models.Model):
    """One review per delivered engagement, written by a client-side member of its firm."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden by moderation"

    engagement = models.OneToOneField(MarketplaceEngagement, on_delete=models.PROTECT,
                                      related_name="review")
    advisor = models.ForeignKey(AdvisorProfile, on_delete=models.PROTECT, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="advisor_reviews")
    nps = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    overall_rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    engagement_rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    responsiveness_rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(max_length=5000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The detail page's "three latest published reviews".
            models.Index(F("advisor"), F("created_at").desc(), F("id").desc(),
                         condition=Q(status="published"), name="review_advisor_latest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(nps__lte=10), name="review_nps_range"),
            models.CheckConstraint(
                condition=Q(overall_rating__gte=1, overall_rating__lte=5,
                            engagement_rating__gte=1, engagement_rating__lte=5,
                            responsiveness_rating__gte=1, responsiveness_rating__lte=5),
                name="review_ratings_range"),
        ]

    def __str__(self) -> str:
        return f"{self.overall_rating}/5 for {self.advisor_id}"
