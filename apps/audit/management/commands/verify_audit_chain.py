"""Check every audit chain (the platform's and each firm's); report the first broken link."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.audit.selectors import audit_chain_verify
from apps.firms.selectors import firm_schema_names_ready


class Command(BaseCommand):
    help = "Verify the hash chains of the audit trails; exits 1 when a chain is broken."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Check only this schema (public or a firm's).")

    def handle(self, *args, schema: str | None = None, **options):
        schemas = [schema] if schema else ["public", *firm_schema_names_ready()]
        broken = []
        for name in schemas:
            with schema_context(name):
                report = audit_chain_verify()
            if report.intact:
                self.stdout.write(f"{name}: intact ({report.checked} events)")
            else:
                broken.append(name)
                self.stdout.write(self.style.ERROR(
                    f"{name}: BROKEN at event id {report.broken_at_id}: {report.reason} "
                    f"({report.checked} events before it verified)"))
        if broken:
            raise CommandError(f"audit chain broken in: {', '.join(broken)}")
