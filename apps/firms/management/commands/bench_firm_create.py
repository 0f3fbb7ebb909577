"""Firm creation: cloning the template schema vs migrating a fresh schema, same run."""

import uuid

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from advisoros.bench import measure, ratio_line
from apps.accounts.services import user_create
from apps.firms.models import Firm
from apps.firms.services import firm_create, firm_delete


class Command(BaseCommand):
    help = "Time firm_create by template cloning and by migration (p50/p95/p99, ratio)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10)

    def handle(self, *args, runs: int, **options):
        run_id = uuid.uuid4().hex[:6]
        owner = user_create(email=f"bench-{run_id}@bench.test", password=None, validate=False)
        made: list[Firm] = []

        def create(kind: str):
            def action(i: int):
                made.append(firm_create(name=f"Bench {kind} {i}", slug=f"bench-{run_id}-{kind}-{i}",
                                        owner=owner).firm)
            return action

        try:
            with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
                naive = measure("firm_create, migrate fresh schema", create("migrate"), runs,
                                self.stdout.write)
            fast = measure("firm_create, clone template schema", create("clone"), runs,
                           self.stdout.write)
        finally:
            self.stdout.write(f"  dropping {len(made)} bench firms")
            for firm in made:
                firm_delete(firm=firm)
            owner.delete()
        self.stdout.write(naive.row())
        self.stdout.write(fast.row())
        self.stdout.write(ratio_line(naive, fast))
