"""The compliance monitor's data (firm schema): the firm's settings, findings, and
reviewed deletions of documents past retention.

A finding is one rule's verdict on one subject (a client, a staff member, a job). At
most one finding per rule and subject is open (a partial unique index), so evaluating
twice, or two evaluations racing, cannot open a second one. A finding closes when a
partner resolves it (with a note) or when its condition is gone; if the condition comes
back after that, evaluation opens a new finding that names the one before.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class Rule(models.TextChoices):
    NO_ENGAGEMENT_LETTER = "no_engagement_letter", "Work without a signed engagement letter"
    RETENTION_EXPIRED = "retention_expired", "Documents past the retention period"
    STAFF_WITHOUT_MFA = "staff_without_mfa", "Staff member without two-step sign-in"
    STATUTORY_DEADLINE = "statutory_deadline", "Statutory deadline at risk"
    UNUSUAL_REVEALS = "unusual_reveals", "Unusual number of sensitive-field reveals"


class ComplianceSettings(models.Model):
    """One row per firm (id 1): the policies the rules apply."""

    retention_years = models.PositiveSmallIntegerField(default=7)
    staff_mfa_required = models.BooleanField(default=True)
    deadline_warning_days = models.PositiveSmallIntegerField(default=14)
    # A person's reveals in the last 7 days are unusual when there are at least
    # `reveal_min_count` of them and more than `reveal_multiplier` times the larger of
    # their own weekly average over the 12 weeks before and their peers' median this week.
    reveal_min_count = models.PositiveSmallIntegerField(default=10)
    reveal_multiplier = models.PositiveSmallIntegerField(default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "compliance settings"

    def __str__(self) -> str:
        return f"retention {self.retention_years} years"


class Finding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    rule = models.CharField(max_length=32, choices=Rule.choices)
    subject_type = models.CharField(max_length=16)  # "client", "user", "job"
    subject_id = models.BigIntegerField()
    subject_label = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = models.CharField(max_length=300)
    evidence = models.JSONField(default=dict)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # Set when an evaluation no longer sees the condition (the finding closes then if it
    # was still open); a later evaluation that sees it again opens a new finding.
    cleared_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Users live in the public schema: their id and a snapshot of the email.
    resolved_by_id = models.BigIntegerField(null=True, blank=True)
    resolved_by_email = models.CharField(max_length=254, blank=True, default="")
    resolution_note = models.TextField(blank=True, default="")
    previous = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="reopened_as")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_type", "subject_id"],
                                    condition=Q(status="open"),
                                    name="compliance_one_open_finding"),
        ]
        indexes = [
            models.Index(fields=["status", "rule", "-opened_at"], name="compliance_finding_list"),
            models.Index(fields=["rule", "subject_type", "subject_id", "-id"],
                         name="compliance_finding_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.subject_label}"


class DeletionRequest(models.Model):
    """Documents past retention, proposed for deletion by one person and deleted only
    when a different person approves."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved and deleted"
        REJECTED = "rejected", "Rejected"

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="deletions")
    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, related_name="+")
    document_ids = ArrayField(models.BigIntegerField())
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by_id = models.BigIntegerField()
    requested_by_email = models.CharField(max_length=254)
    requested_at = models.DateTimeField()
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_email = models.CharField(max_length=254, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")
    deleted_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["finding"], condition=Q(status="pending"),
                                    name="compliance_one_pending_deletion"),
            # The database itself refuses a self-approval.
            models.CheckConstraint(condition=Q(decided_by_id__isnull=True)
                                   | ~Q(decided_by_id=models.F("requested_by_id")),
                                   name="compliance_deletion_two_people"),
        ]

    def __str__(self) -> str:
        return f"delete {len(self.document_ids)} documents ({self.status})"
