"""Generate realistic marketplace advisors: `manage.py seed_marketplace --advisors 15000`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from apps.marketplace.seed import seed_advisors


class Command(BaseCommand):
    help = "Create generated advisor profiles (idempotent: existing ones are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--advisors", type=int, default=15000)
        parser.add_argument("--seed", type=int, default=7,
                            help="Generation seed; the same seed gives the same advisors.")

    def handle(self, *args, advisors: int, seed: int, **options) -> None:
        if advisors < 0:
            self.stderr.write("--advisors must not be negative.")
            return
        started = time.perf_counter()
        with schema_context("public"):
            created = seed_advisors(count=advisors, seed=seed, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"{created} advisors created ({advisors} wanted) in "
            f"{time.perf_counter() - started:.1f} s."))
