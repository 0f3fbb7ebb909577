"""Client documents, upload batches, document requests and the OCR cache (tenant schema).

Soft delete: a deleted document keeps its row and its file, and leaves every list and the
dashboard figures. Columns added after the first shape are nullable or carry a database
default, because `seed_scale` inserts documents with plain SQL.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import Storage, storages
from django.db import models

from apps.portal.models import SoftDeleteQuerySet


def documents_storage() -> Storage:
    # A callable, so tests and deployments can swap STORAGES["documents"] without a migration.
    return storages["documents"]


def document_upload_path(document: Document, filename: str) -> str:
    # Kept for the first migration; files are now named by apps/documents/storage.py.
    from django.db import connection

    return f"firms/{connection.schema_name}/clients/{document.client_id}/{filename}"


class DocType(models.TextChoices):
    """What the pipeline recognised the document to be."""

    W2 = "w2", "W-2"
    F1099_NEC = "1099_nec", "1099-NEC"
    F1099_MISC = "1099_misc", "1099-MISC"
    F1099_INT = "1099_int", "1099-INT"
    F1099_DIV = "1099_div", "1099-DIV"
    F1098 = "1098", "1098"
    K1 = "k1", "K-1"
    BANK_STATEMENT = "bank_statement", "Bank statement"
    INVOICE = "invoice", "Invoice"
    RECEIPT = "receipt", "Receipt"
    ENGAGEMENT_LETTER = "engagement_letter", "Engagement letter"
    OTHER = "other", "Other"


class Priority(models.IntegerChoices):
    # Values are Redis message priorities: kombu serves 0 before 3 before 6 before 9.
    URGENT = 0, "Urgent"
    HIGH = 3, "High"
    NORMAL = 6, "Normal"
    LOW = 9, "Low"


class DocumentBatch(models.Model):
    """Files uploaded together; processed together and shown with one progress bar."""

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="document_batches")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                                    db_constraint=False, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "document batches"

    def __str__(self) -> str:
        return f"batch {self.pk}"


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
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        NEEDS_REVIEW = "needs_review", "Needs review"
        FAILED = "failed", "Failed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        # A file holding several forms: its parts are documents of their own (`parts`).
        SPLIT = "split", "Split into documents"

    # The pipeline has finished with these (the page stops polling them).
    SETTLED_STATUSES = (Status.PROCESSED, Status.NEEDS_REVIEW, Status.FAILED,
                        Status.APPROVED, Status.REJECTED, Status.SPLIT)
    PENDING_STATUSES = (Status.UPLOADED, Status.QUEUED, Status.PROCESSING)

    # No index of its own: document_client_created (client, -created_at) serves every
    # look-up by client, and one index fewer is written per upload.
    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="documents", db_index=False)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to=document_upload_path, storage=documents_storage,
                            max_length=500, blank=True)
    category = models.CharField(max_length=24, choices=Category.choices,
                                default=Category.OTHER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    size_bytes = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                                    db_constraint=False, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Content: what the bytes are, whatever the name said.
    sha256 = models.CharField(max_length=64, blank=True, db_default="", default="")
    content_type = models.CharField(max_length=16, blank=True, db_default="", default="")
    batch = models.ForeignKey(DocumentBatch, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="documents")
    priority = models.SmallIntegerField(choices=Priority.choices, db_default=Priority.NORMAL,
                                        default=Priority.NORMAL)
    # Pipeline results.
    doc_type = models.CharField(max_length=20, choices=DocType.choices, blank=True,
                                db_default="", default="")
    tax_year = models.SmallIntegerField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    fields = models.JSONField(db_default=models.Value({}, output_field=models.JSONField()),
                              default=dict, blank=True)
    text = models.TextField(blank=True, db_default="", default="")
    text_source = models.CharField(max_length=16, blank=True, db_default="", default="")
    failure_reason = models.CharField(max_length=500, blank=True, db_default="", default="")
    attempts = models.SmallIntegerField(db_default=0, default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    search = SearchVectorField(null=True, blank=True)
    # When its processing message last reached the broker; NULL while queued means no
    # message is out (the broker was down at upload): the sweep sends one within a minute.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Last sign of life of a task holding this document (picked up in its chunk, or
    # processing it): silence for longer than STALLED_AFTER means that task is gone.
    worked_at = models.DateTimeField(null=True, blank=True)
    # Processed in the low-priority lane (queue `documents-large`): a very large scan.
    large = models.BooleanField(db_default=False, default=False)
    # One form of a file that held several (apps/documents/splitting.py): the upload it
    # came from and its pages there (1-based, inclusive). It shares the upload's stored
    # file and is classified and read on its own pages only.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="parts")
    page_from = models.SmallIntegerField(null=True, blank=True)
    page_to = models.SmallIntegerField(null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "-created_at"], name="document_client_created"),
            models.Index(fields=["status"], name="document_status"),
            GinIndex(fields=["search"], name="document_search"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(size_bytes__gte=0),
                                   name="document_size_not_negative"),
            # The same bytes for one client are stored once (live documents only).
            models.UniqueConstraint(fields=["client", "sha256"], name="document_unique_content",
                                    condition=models.Q(deleted_at__isnull=True)
                                    & ~models.Q(sha256="")),
            # A redelivered or retried split finds its parts again instead of doubling them.
            models.UniqueConstraint(fields=["parent", "page_from", "page_to"],
                                    name="document_unique_part",
                                    condition=models.Q(parent__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.file_name


class DocumentRequest(models.Model):
    """Staff ask a client for documents: a checklist with due dates."""

    client = models.ForeignKey("portal.Client", on_delete=models.CASCADE,
                               related_name="document_requests")
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                                   db_constraint=False, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DocumentRequestItem(models.Model):
    """One line of a request; fulfilled by an upload against it, or by a processed upload
    that the pipeline recognised as the expected type."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="items")
    label = models.CharField(max_length=200)
    expected_type = models.CharField(max_length=20, choices=DocType.choices, blank=True,
                                     default="")
    due_date = models.DateField()
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="request_items")
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["fulfilled_at", "due_date"], name="docrequest_open")]

    def __str__(self) -> str:
        return self.label


class OcrResult(models.Model):
    """Text read from one content hash: the same bytes are never read twice. Per firm, so a
    firm never learns from timing that another firm holds the same file."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    text = models.TextField()
    confidence = models.FloatField()
    engine = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the text was read, per page (DocumentLayout.pages shape), so a document read
    # from this cache still has its boxes and page images in the review preview.
    layout = models.JSONField(db_default=models.Value([], output_field=models.JSONField()),
                              default=list, blank=True)

    class Meta:
        verbose_name = "OCR result"

    def __str__(self) -> str:
        return self.sha256


class DocumentLayout(models.Model):
    """Where each word of a document sits on its pages, for the review preview.

    `pages` is a list, one entry per page: {"w": width, "h": height, "image": storage name
    of its preview JPEG or "", "words": [[x0, y0, x1, y1, text], ...]}, coordinates in
    the page's own units (image pixels for OCR, points for a PDF's text) from its top
    left. Kept apart from Document so lists and the pipeline's writes never carry it."""

    class Source(models.TextChoices):
        OCR = "ocr", "Text recognition"
        PDF = "pdf", "PDF text"
        IMAGE = "image", "Image only (no positions)"

    document = models.OneToOneField(Document, on_delete=models.CASCADE,
                                    related_name="layout")
    source = models.CharField(max_length=8, choices=Source.choices)
    pages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"layout of document {self.document_id}"


class FieldCorrection(models.Model):
    """A person confirmed or corrected one extracted field: the value the pipeline read
    and the value that is right, kept as development data (manage.py export_corrections)."""

    class Action(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CORRECTED = "corrected", "Corrected"

    document = models.ForeignKey(Document, on_delete=models.CASCADE,
                                 related_name="field_corrections")
    field = models.CharField(max_length=40)
    action = models.CharField(max_length=12, choices=Action.choices)
    doc_type = models.CharField(max_length=20, choices=DocType.choices, blank=True,
                                default="")
    old_value = models.CharField(max_length=200, blank=True, default="")
    old_confidence = models.FloatField(null=True, blank=True)
    new_value = models.CharField(max_length=200, blank=True, default="")
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                                     db_constraint=False, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["document", "field"], name="fieldcorrection_field")]

    def __str__(self) -> str:
        return f"{self.field} of document {self.document_id}"
