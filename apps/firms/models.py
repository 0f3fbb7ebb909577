"""Firms (the tenant model) and the host names that route to them. Public schema."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$",
    "Use 1-48 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
)


class Firm(TenantMixin):
    class Plan(models.TextChoices):
        SOLO = "solo", "Solo"
        PRACTICE = "practice", "Practice"
        ENTERPRISE = "enterprise", "Enterprise"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=48, unique=True, validators=[SLUG_VALIDATOR])
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.PRACTICE)
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Platform share of marketplace engagement revenue (0.15 = 15 %).",
    )
    marketplace_enabled = models.BooleanField(default=True)
    # False until the schema exists and is migrated: periodic per-firm work skips it.
    schema_ready = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Creation goes through apps.firms.services.firm_create, which creates the schema
    # explicitly (and fast, by cloning the template schema).
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
