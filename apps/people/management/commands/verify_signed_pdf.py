"""Verify a signed proposal's PDF against its signature record.

    manage.py verify_signed_pdf --firm alpha-cpa --proposal 12 [--file copy.pdf]

Without --file it checks the copy stored as the client's document. Exits with an error
(status 1) and says what differs when anything changed.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.documents.storage import document_read
from apps.firms.models import Firm
from apps.people.esign import verify_signed_pdf
from apps.people.models_proposals import Proposal


class Command(BaseCommand):
    help = "Check that a signed proposal's PDF is exactly what was signed."

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="The firm's slug.")
        parser.add_argument("--proposal", required=True, type=int, help="The proposal's id.")
        parser.add_argument("--file", help="A PDF to check instead of the stored copy.")

    def handle(self, *args, firm: str, proposal: int, file: str | None, **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm with the slug {firm!r}.")
        with schema_context(found.schema_name):
            record = Proposal.objects.select_related("client", "signed_document").filter(
                pk=proposal).first()
            if record is None:
                raise CommandError(f"No proposal {proposal} at {found.name}.")
            if file:
                pdf = Path(file).read_bytes()
            elif record.signed_document_id:
                pdf = document_read(record.signed_document.file.name)
            else:
                raise CommandError("The proposal has no signed PDF.")
            result = verify_signed_pdf(proposal=record, pdf=pdf, firm_name=found.name)
        if not result.valid:
            raise CommandError("CHANGED: " + " ".join(result.problems))
        self.stdout.write(self.style.SUCCESS(
            f"VALID: proposal {proposal} signed by {record.signer_name} at "
            f"{record.signed_at:%Y-%m-%d %H:%M:%S} UTC; content SHA-256 "
            f"{record.content_sha256}; PDF SHA-256 {record.pdf_sha256}."))
