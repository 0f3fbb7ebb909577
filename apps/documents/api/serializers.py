"""Shapes of the documents API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.documents.models import DocType, Document, Priority

DOCUMENT_FIELDS = ("id", "client_id", "file_name", "category", "status", "doc_type",
                   "tax_year", "confidence", "size_bytes", "content_type", "sha256",
                   "priority", "batch_id", "failure_reason", "created_at", "processed_at")


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.IntegerField()
    file_name = serializers.CharField()
    # Choice fields, so the schema lists each code with its label.
    category = serializers.ChoiceField(choices=Document.Category.choices)
    status = serializers.ChoiceField(choices=Document.Status.choices)
    doc_type = serializers.ChoiceField(choices=DocType.choices, allow_blank=True)
    tax_year = serializers.IntegerField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    size_bytes = serializers.IntegerField()
    content_type = serializers.CharField()
    sha256 = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    batch_id = serializers.IntegerField(allow_null=True)
    failure_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    processed_at = serializers.DateTimeField(allow_null=True)


class DocumentDetailOutput(DocumentOutput):
    fields = serializers.DictField()
    download_url = serializers.CharField()


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class NonEmptyFileField(serializers.FileField):
    """A file of at least one byte, as the schema says: an empty file is refused by the
    upload service with a message naming it (the field itself lets it through to say so)."""


class UploadInput(serializers.Serializer):
    client = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    category = serializers.ChoiceField(choices=Document.Category.choices,
                                       default=Document.Category.OTHER)
    files = serializers.ListField(child=NonEmptyFileField(allow_empty_file=True),
                                  allow_empty=False, min_length=1, max_length=50)


class DuplicateOutput(DocumentOutput):
    """The document already holding a file's content, with the name the file was sent as;
    `in_this_upload` when that document was created from another file of this request."""

    uploaded_as = serializers.CharField()
    in_this_upload = serializers.BooleanField()


class ProcessingOutput(serializers.Serializer):
    """How soon the firm's documents will be read (apps/documents/backpressure.py)."""

    delayed = serializers.BooleanField()
    waiting_documents = serializers.IntegerField()
    estimated_delay_seconds = serializers.IntegerField()
    message = serializers.CharField()


class UploadOutput(serializers.Serializer):
    batch_id = serializers.IntegerField(allow_null=True)
    created = DocumentOutput(many=True)
    duplicates = DuplicateOutput(many=True)
    processing = ProcessingOutput(allow_null=True)
