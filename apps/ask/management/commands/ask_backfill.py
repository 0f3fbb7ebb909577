"""Index every firm's processed documents that have no passages yet (or all, --all)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django_tenants.utils import get_tenant_model, schema_context

from apps.ask.models import DocumentChunk
from apps.ask.services import INDEXABLE_STATUSES, document_index
from apps.documents.models import Document


class Command(BaseCommand):
    help = "Build the question index for processed documents, with progress per firm."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this firm's schema")
        parser.add_argument("--all", action="store_true", help="re-index indexed ones too")

    def handle(self, *args, schema=None, all=False, **options):
        firms = get_tenant_model().objects.exclude(schema_name="public")
        if schema:
            firms = firms.filter(schema_name=schema)
        for firm in firms:
            with schema_context(firm.schema_name):
                documents = Document.objects.filter(status__in=INDEXABLE_STATUSES,
                                                    deleted_at__isnull=True)
                if not all:
                    indexed = DocumentChunk.objects.values("document_id")
                    documents = documents.exclude(pk__in=indexed)
                ids = list(documents.order_by("pk").values_list("pk", flat=True))
                passages = 0
                for done, document_id in enumerate(ids, start=1):
                    passages += document_index(document_id=document_id)
                    if done % 50 == 0 or done == len(ids):
                        self.stdout.write(f"{firm.schema_name}: {done}/{len(ids)} documents, "
                                          f"{passages} passages")
                if not ids:
                    self.stdout.write(f"{firm.schema_name}: nothing to index")
