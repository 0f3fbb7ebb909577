"""Seal and anchor the audit chains now (beat does it every few minutes)."""

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.audit.services import audit_chain_anchor
from apps.firms.selectors import firm_schema_names_ready


class Command(BaseCommand):
    help = "Seal waiting audit events and anchor each chain's head, in and outside the database."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Only this schema (public or a firm's).")

    def handle(self, *args, schema: str | None = None, **options):
        for name in [schema] if schema else ["public", *firm_schema_names_ready()]:
            with schema_context(name):
                anchor = audit_chain_anchor()
            self.stdout.write(f"{name}: anchored at {anchor.chain_seq} sealed events")
