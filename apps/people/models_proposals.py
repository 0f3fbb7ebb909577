"""Proposals and engagement letters with e-signature (firm schema)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.people.models import user_fk


class FeeType(models.TextChoices):
    FIXED = "fixed", "Fixed fee"
    RECURRING = "recurring", "Recurring fee"
    HOURLY = "hourly", "Hourly rate"


class ProposalTemplate(models.Model):
    """A firm's starting point: introduction, terms and service lines. `lines` is a list
    of {service, description, fee_type, amount (a decimal string), frequency,
    engagement_type}; a proposal copies them into real ProposalLine rows."""

    name = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    terms = models.TextField()
    lines = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Waiting for signature"
        SIGNED = "signed", "Signed"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class SignatureKind(models.TextChoices):
        TYPED = "typed", "Typed name"
        DRAWN = "drawn", "Drawn"

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    terms = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    expires_on = models.DateField()
    created_by = user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The signature and its evidence: set once, at signing, never changed after.
    signed_at = models.DateTimeField(null=True, blank=True)
    signer = user_fk(null=True, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_email = models.EmailField(blank=True)
    signer_ip = models.GenericIPAddressField(null=True, blank=True)
    signer_user_agent = models.CharField(max_length=300, blank=True)
    signature_kind = models.CharField(max_length=8, choices=SignatureKind.choices, blank=True)
    consent_text = models.TextField(blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_document = models.ForeignKey("documents.Document", on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "status"], name="proposal_client_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="signed") | (
                    models.Q(signed_at__isnull=False) & ~models.Q(content_sha256="")
                    & ~models.Q(pdf_sha256="")),
                name="proposal_signed_has_evidence"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_past_expiry(self) -> bool:
        return self.status == self.Status.SENT and self.expires_on < timezone.localdate()


class ProposalLine(models.Model):
    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    service = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    fee_type = models.CharField(max_length=10, choices=FeeType.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, blank=True)
    # Which kind of engagement accepting this line starts (apps.portal's Engagement.Type).
    engagement_type = models.CharField(max_length=16)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0),
                                   name="proposal_line_amount_gte_0"),
            models.CheckConstraint(
                condition=~models.Q(fee_type="recurring") | ~models.Q(frequency=""),
                name="proposal_line_recurring_has_frequency"),
        ]

    def __str__(self) -> str:
        return self.service
