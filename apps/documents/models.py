"""Client documents (first shape; the documents issue adds processing, OCR and versions).

Tenant schema. Soft delete: a deleted document keeps its row, leaves every list and the
dashboard figures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.portal.models import SoftDeleteQuerySet


def document_upload_path(document: Document, filename: str) -> str:
    # The schema is part of the path so firms never share a folder (tenant file paths).
    from django.db import connection

    return f"firms/{connection.schema_name}/clients/{document.client_id}/{filename}"


class Document(models.Model):
    class Category(models.TextChoices):
        TAX_RETURN = "tax_return", "Tax return"
        BANK_STATEMENT = "bank_statement", "Bank statement"
        RECEIPT = "receipt", "Receipt"
        INVOICE = "invoice", "Invoice"
        PAYROLL = "payroll", "Payroll"
        FINANCIAL_STATEMENT = "financial_statement", "Financial statement"
        CONTRACT = "contract", "Contract"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PROCESSING = "processing", "Processing"
        NEEDS_REVIEW = "needs_review", "Needs review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="documents")
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to=document_upload_path, max_length=500, blank=True)
    category = models.CharField(max_length=24, choices=Category.choices,
                                default=Category.OTHER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    size_bytes = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                                    db_constraint=False, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="document_client_created"),
            models.Index(fields=["status"], name="document_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(size_bytes__gte=0),
                                   name="document_size_not_negative"),
        ]

    def __str__(self) -> str:
        return self.file_name
