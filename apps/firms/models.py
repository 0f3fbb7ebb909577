"""Firms (the tenant model) and the host names that route to them. Public schema."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$",
    "Use 1-48 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
)

# Most firms on the platform are in the United States; a firm changes it in its settings.
DEFAULT_FIRM_TIME_ZONE = "America/New_York"


def validate_time_zone(value: str) -> None:
    """An IANA zone name this machine knows ("America/Chicago"), not an offset."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as America/Chicago.",
                              code="invalid_time_zone")


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
    # Staff always need MFA; a firm can require it of its client users too.
    mfa_required_for_clients = models.BooleanField(default=False)
    staff_idle_timeout_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Staff are signed out after this many idle minutes.",
    )
    # Pages show the firm's dates and times in this zone (apps/firms/middleware.py).
    time_zone = models.CharField(
        max_length=64, default=DEFAULT_FIRM_TIME_ZONE, validators=[validate_time_zone],
        help_text="Dates and times on staff and portal pages are shown in this zone.",
    )
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

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The firm's zone; a name this machine no longer knows falls back to the default."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(DEFAULT_FIRM_TIME_ZONE)

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Clone the template when it is current; otherwise django-tenants' own path.

        django-tenants' clone path also runs `migrate_schemas --fake`, which loads the
        whole migration graph (~0.1 s) only to record rows the clone already copied.
        """
        from django.conf import settings

        from apps.firms.template_schema import (
            schema_clone_from_template,
            template_schema_is_current,
        )

        if (sync_schema and settings.TENANT_CREATION_FAKES_MIGRATIONS
                and template_schema_is_current()):
            schema_clone_from_template(self.schema_name)
            return True
        return super().create_schema(check_if_exists=check_if_exists,
                                     sync_schema=sync_schema, verbosity=verbosity)


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
