"""`manage.py multinode_run`: primary + streaming replica + PgBouncer + Redis with
sentinels + two web instances + a worker on this machine, the seed 004 mix against them,
the replica and then the Redis master killed mid-run; throughput, p95 and errors before,
during and after each fault, and whether anything written was lost
(apps/observability/multinode.py)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.observability.multinode import Cluster, LoadGenerator, load_fixtures, summarize


class Command(BaseCommand):
    help = "Run the seed 004 mix against a multi-node stack and inject faults."

    def add_arguments(self, parser):
        parser.add_argument("--phase-seconds", type=float, default=20.0)
        parser.add_argument("--users", type=int, default=24)
        parser.add_argument("--keys", type=int, default=24)

    def handle(self, *args, phase_seconds, users, keys, **options):
        say = self.stdout.write
        fixtures = load_fixtures(keys)
        say(f"{len(fixtures.keys)} API keys, {len(fixtures.client_ids)} clients of "
            f"{fixtures.host}, {users} concurrent users, run {fixtures.run_tag}")
        phase = phase_seconds
        with Cluster(settings.DATA_DIR, [8611, 8612], say) as cluster:
            load = LoadGenerator(fixtures, cluster.web_ports, users)
            fault_times = {}

            def at(name, action):
                def run():
                    fault_times[name] = time.monotonic() - load.started
                    action()
                return run

            load.run(4 * phase, [(phase, at("replica", cluster.kill_replica)),
                                 (2 * phase, at("redis", cluster.kill_redis_master))])
        windows = [("before any fault", 0, phase),
                   ("replica killed", phase, 2 * phase),
                   ("Redis master killed, failover", 2 * phase, 3 * phase),
                   ("after both faults", 3 * phase, 4 * phase)]
        say("| phase | requests | requests/s | p50 ms | p95 ms | errors (5xx or no answer) "
            "| error rate | other 4xx |")
        say("|---|---|---|---|---|---|---|---|")
        for label, start, end in windows:
            s = summarize(load.samples, start, end)
            say(f"| {label} | {s['requests']} | {s['rps']:.0f} | {s['p50']:.0f} | "
                f"{s['p95']:.0f} | {s['errors']} | {s['error_rate']:.2%} | {s['other_4xx']} |")
        self._lost(fixtures, load, say)

    def _lost(self, fixtures, load, say):
        from apps.billing.models import InvoiceLine
        from apps.documents.models import Document
        from apps.firms.models import Firm

        slug = fixtures.host.split(".")[0]
        firm = Firm.objects.get(slug=slug)
        with schema_context(firm.schema_name):
            invoices = InvoiceLine.objects.filter(
                description=f"Advisory {fixtures.run_tag}").values("invoice").distinct().count()
            documents = Document.objects.filter(
                file_name__contains=fixtures.run_tag).count()
        say(f"invoices: {load.created['invoice']} answered 201, {invoices} stored; "
            f"uploads: {load.created['upload']} answered 201, {documents} documents stored")
        if invoices < load.created["invoice"] or documents < load.created["upload"]:
            say("LOST: acknowledged writes are missing")
