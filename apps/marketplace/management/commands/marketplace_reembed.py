"""`manage.py marketplace_reembed`: recompute advisor embeddings with the configured
embedder, in committed batches, printing progress. Run it after the embedder or the
vector width changes (migration 0004 clears the old 384-dimension vectors). Advisors whose
vector is already current are skipped, so a second run, or one after an interruption,
only does what is left."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from apps.marketplace.embedding import embedder_get
from apps.marketplace.services import advisor_embeddings_refresh_all


class Command(BaseCommand):
    help = "Re-embed advisor profiles in batches (skips vectors that are already current)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--force", action="store_true",
                            help="Re-embed every advisor, current or not.")

    def handle(self, *args, batch_size: int, force: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.perf_counter()
        self.stdout.write(f"embedder: {embedder_get().name} ({embedder_get().dimensions} dims)")
        with schema_context("public"):
            done, current = advisor_embeddings_refresh_all(
                batch_size=batch_size, force=force, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"{done} advisors re-embedded, {current} already current, in "
            f"{time.perf_counter() - started:.1f} s."))
