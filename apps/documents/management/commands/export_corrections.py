"""Fields people confirmed or corrected on the review page, as development data (JSONL).

    manage.py export_corrections --firm johnson-associates [--since 2026-01-01]
                                 [--output corrections.jsonl]

One line per confirmation or correction: the document type, the field, the value the
pipeline read (and its confidence), the value a person says is right, the document's
text and its page layout (word boxes). Feeds the development half of the evaluation set
used to tune extraction rules and thresholds (docs/documents.md, "Review"). The file holds
client document text: keep it where the firm's documents may be kept.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.documents.selectors import field_corrections_for_export
from apps.firms.models import Firm


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--firm", required=True, help="Slug of the firm.")
        parser.add_argument("--since", help="Only corrections from this day (YYYY-MM-DD).")
        parser.add_argument("--output", help="File to write; standard output when left out.")

    def handle(self, *args, firm: str, since: str | None, output: str | None,
               **options) -> None:
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm with the slug {firm!r}.")
        start = None
        if since:
            try:
                start = timezone.make_aware(datetime.combine(date.fromisoformat(since),
                                                             time.min))
            except ValueError as exc:
                raise CommandError("Give --since as YYYY-MM-DD.") from exc
        out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        written = 0
        try:
            with schema_context(found.schema_name):
                for record in field_corrections_for_export(since=start):
                    out.write(json.dumps({"firm": found.slug, **record}, ensure_ascii=False)
                              + "\n")
                    written += 1
        finally:
            if output:
                out.close()
        self.stderr.write(f"{written} correction(s) of {found.slug} written"
                          + (f" to {output}" if output else "") + ".")
