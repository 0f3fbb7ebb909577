from django.core.management.base import BaseCommand, CommandError

from apps.portal.scale import ScalePlan, seed_scale


class Command(BaseCommand):
    help = ("Build the seed scale: 100,000 clients and 500,000 engagements over many firms, "
            "one with 50,000 clients, with tasks, documents and invoices. Sizes are options, "
            "so a smaller run is possible (e.g. --firms 3 --clients 3000 "
            "--big-firm-clients 2000).")

    def add_arguments(self, parser):
        default = ScalePlan()
        parser.add_argument("--firms", type=int, default=default.firms)
        parser.add_argument("--clients", type=int, default=default.clients)
        parser.add_argument("--big-firm-clients", type=int, default=default.big_firm_clients)
        parser.add_argument("--engagements-per-client", type=int,
                            default=default.engagements_per_client)
        parser.add_argument("--tasks-per-engagement", type=int,
                            default=default.tasks_per_engagement)
        parser.add_argument("--documents-per-client", type=int,
                            default=default.documents_per_client)
        parser.add_argument("--prefix", default=default.prefix,
                            help="Firm slugs are <prefix>-big, <prefix>-001, ...")
        parser.add_argument("--rebuild", action="store_true",
                            help="Drop and rebuild firms of the plan that already exist with "
                                 "another size (without it they are kept and reported).")

    def handle(self, *args, **options):
        numbers = ("firms", "clients", "big_firm_clients", "engagements_per_client",
                   "tasks_per_engagement", "documents_per_client")
        for name in numbers:
            if options[name] < (1 if name in ("firms", "clients") else 0):
                raise CommandError(f"--{name.replace('_', '-')} must not be negative "
                                   "(firms and clients at least 1).")
        plan = ScalePlan(prefix=options["prefix"], **{name: options[name] for name in numbers})
        self.stdout.write(f"Seeding {plan.clients:,} clients over {plan.firms} firms "
                          f"(largest {min(plan.big_firm_clients, plan.clients):,})")
        totals = seed_scale(plan, progress=lambda line: self.stdout.write(line),
                            rebuild=options["rebuild"])
        summary = "Done: " + ", ".join(f"{value:,} {name}" for name, value in totals.items())
        if totals["mismatched"]:
            self.stdout.write(self.style.WARNING(
                f"{summary}. {totals['mismatched']} existing firm(s) have another size than "
                "asked for; run again with --rebuild to rebuild them."))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
