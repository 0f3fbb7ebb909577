"""Check every audit chain (the platform's and each firm's); report the first broken link."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from apps.audit.selectors import audit_chain_verify
from apps.firms.selectors import firm_schema_names_ready


class Command(BaseCommand):
    help = ("Verify the sealed chains of the audit trails against their keys and anchors; "
            "exits 1 when a chain is broken or truncated.")

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="Check only this schema (public or a firm's).")

    def handle(self, *args, schema: str | None = None, **options):
        schemas = [schema] if schema else ["public", *firm_schema_names_ready()]
        broken = []
        for name in schemas:
            with schema_context(name):
                report = audit_chain_verify()
            waiting = f", {report.unsealed} waiting to be sealed" if report.unsealed else ""
            anchored = (f", anchored at {report.anchored_seq}"
                        if report.anchored_seq is not None else ", no anchor yet")
            if report.intact:
                self.stdout.write(f"{name}: intact ({report.checked} events{anchored}{waiting})")
            elif report.broken_at_id is not None:
                broken.append(name)
                self.stdout.write(self.style.ERROR(
                    f"{name}: BROKEN at event id {report.broken_at_id}: {report.reason} "
                    f"({report.checked} events before it verified)"))
            else:
                broken.append(name)
                self.stdout.write(self.style.ERROR(f"{name}: BROKEN: {report.reason}"))
        if broken:
            raise CommandError(f"audit chain broken in: {', '.join(broken)}")
