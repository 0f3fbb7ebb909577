"""The firm's practice: clients, who may see them in the portal, engagements and tasks.

Tenant schema: every table here exists once per firm. People are public-schema users;
the foreign keys to them carry no database constraint because a constraint from every
firm schema into `public.accounts_user` would make deleting a user touch every schema.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models

from apps.security.fields import EncryptedField


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> SoftDeleteQuerySet:
        return self.filter(deleted_at__isnull=True)


def _user_fk(related_name: str, **extra) -> models.ForeignKey:
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name=related_name, **extra)


class Client(models.Model):
    class Status(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    class Industry(models.TextChoices):
        PROFESSIONAL_SERVICES = "professional_services", "Professional services"
        RETAIL = "retail", "Retail"
        CONSTRUCTION = "construction", "Construction"
        HEALTHCARE = "healthcare", "Healthcare"
        TECHNOLOGY = "technology", "Technology"
        REAL_ESTATE = "real_estate", "Real estate"
        HOSPITALITY = "hospitality", "Hospitality"
        MANUFACTURING = "manufacturing", "Manufacturing"
        NONPROFIT = "nonprofit", "Nonprofit"
        OTHER = "other", "Other"

    business_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    industry = models.CharField(max_length=32, choices=Industry.choices, default=Industry.OTHER)
    annual_revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    assigned_staff = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Archived clients keep their history; every page and the dashboard view skip them.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Identifiers: encrypted at rest (apps/security/fields.py), masked unless revealed by
    # a role allowed to (audited); the keyed blind indexes allow exact lookup in the firm.
    ssn = EncryptedField(kind="ssn")
    tax_id = EncryptedField(kind="ein")
    bank_account = EncryptedField(kind="account")
    # Word-prefix search over name and contact (a GIN index), maintained by PostgreSQL.
    search_vector = models.GeneratedField(
        expression=SearchVector("business_name", "contact_name", "contact_email",
                                config="simple"),
        output_field=SearchVectorField(), db_persist=True)
    ssn_index = models.CharField(max_length=64, blank=True, default="", db_default="",
                                 editable=False)
    tax_id_index = models.CharField(max_length=64, blank=True, default="", db_default="",
                                    editable=False)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["business_name", "id"]
        indexes = [
            models.Index(fields=["business_name", "id"], name="client_name"),
            # The client list sorted by revenue walks it page by page (keyset pagination).
            models.Index(fields=["annual_revenue", "id"], name="client_revenue"),
            models.Index(fields=["status", "business_name"], name="client_status_name"),
            models.Index(fields=["assigned_staff"], name="client_assigned_staff"),
            GinIndex(fields=["search_vector"], name="client_search"),
            models.Index(fields=["tax_id_index"], name="client_tax_id_index",
                         condition=~models.Q(tax_id_index="")),
            models.Index(fields=["ssn_index"], name="client_ssn_index",
                         condition=~models.Q(ssn_index="")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(annual_revenue__gte=0),
                                   name="client_revenue_not_negative"),
        ]

    def __str__(self) -> str:
        return self.business_name


class ClientAccess(models.Model):
    """A client-side user (client owner/member membership) may see this client."""

    user = _user_fk("+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="accesses")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="client_access_once"),
        ]
        verbose_name_plural = "client access"

    def __str__(self) -> str:
        return f"user {self.user_id} -> {self.client_id}"


class Engagement(models.Model):
    class Type(models.TextChoices):
        TAX_RETURN = "tax_return", "Tax return"
        BOOKKEEPING = "bookkeeping", "Bookkeeping"
        CFO_ADVISORY = "cfo_advisory", "CFO advisory"
        AUDIT = "audit", "Audit"
        PAYROLL = "payroll", "Payroll"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="engagements")
    type = models.CharField(max_length=16, choices=Type.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    responsible = _user_fk("+", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["client", "status"], name="engagement_client_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="engagement_fee_gte_0"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="engagement_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.start_date:%Y})"


class Task(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tasks")
    engagement = models.ForeignKey(Engagement, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="tasks")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices,
                                                default=Priority.NORMAL)
    due_date = models.DateField(null=True, blank=True)
    assignee = _user_fk("+", null=True, blank=True)
    estimated_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True,
                                          blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["client", "status", "due_date"], name="task_client_status_due"),
            models.Index(fields=["engagement"], name="task_engagement"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimated_hours__gte=0),
                                   name="task_hours_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class DashboardWindow(models.Model):
    """The one stored date bound of the dashboard view ("documents in the last 30 days").

    The view reads this row instead of calling now(), so refreshing it twice on the same
    data gives the same rows and a concurrent refresh rewrites only what changed.
    """

    documents_since = models.DateTimeField()

    class Meta:
        db_table = "portal_dashboard_window"

    def __str__(self) -> str:
        return f"documents since {self.documents_since:%Y-%m-%d}"


class DashboardRefresh(models.Model):
    """One refresh of the client_dashboard_metrics view: when its snapshot was taken and
    how long it took."""

    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()
    concurrently = models.BooleanField()

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        verbose_name_plural = "dashboard refreshes"

    def __str__(self) -> str:
        return f"refresh at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.duration_ms} ms"


class ClientDashboardMetrics(models.Model):
    """Read-only model over the `client_dashboard_metrics` materialized view (created by
    migration 0002), one row per live client."""

    client = models.OneToOneField(Client, on_delete=models.DO_NOTHING, primary_key=True,
                                  db_constraint=False, related_name="metrics")
    documents_total = models.IntegerField()
    documents_last_30_days = models.IntegerField()
    documents_needing_review = models.IntegerField()
    tasks_active = models.IntegerField()
    tasks_completed = models.IntegerField()
    next_task_due = models.DateField(null=True)
    invoices_total = models.IntegerField()
    invoices_open = models.IntegerField()
    invoices_overdue = models.IntegerField()
    revenue_paid = models.DecimalField(max_digits=14, decimal_places=2)
    outstanding_balance = models.DecimalField(max_digits=14, decimal_places=2)
    engagements_total = models.IntegerField()
    engagements_active = models.IntegerField()
    last_document_at = models.DateTimeField(null=True)
    last_task_at = models.DateTimeField(null=True)
    last_invoice_at = models.DateTimeField(null=True)
    last_engagement_at = models.DateTimeField(null=True)
    last_activity_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "client_dashboard_metrics"
        verbose_name_plural = "client dashboard metrics"

    def __str__(self) -> str:
        return f"metrics of client {self.client_id}"
