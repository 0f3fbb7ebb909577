from django.conf import settings
from django.core.management.base import BaseCommand

from apps.clienthealth.services import health_refresh_demo
from apps.firms.demo import DEMO_PASSWORD, seed_demo
from apps.firms.selectors import firm_host
from apps.marketplace.demo import seed_marketplace_demo
from apps.people.demo import seed_people_demo
from apps.portal.demo import seed_documents_settle, seed_portal_demo
from apps.work.demo import seed_work_demo


class Command(BaseCommand):
    help = "Create the three demo firms with a user for every role (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000", help="Port printed in the sign-in URLs.")

    def handle(self, *args, port: str, **options):
        sign_ins = seed_demo(progress=lambda line: self.stdout.write(line))
        self.stdout.write("Portal: clients, engagements, tasks, documents, invoices")
        seed_portal_demo(progress=lambda line: self.stdout.write(line))
        self.stdout.write("People: invitations, conversations, proposals, organizers")
        seed_people_demo(progress=lambda line: self.stdout.write(line))
        self.stdout.write("Work: pipelines, recurring closes, capacity, time")
        seed_work_demo(progress=lambda line: self.stdout.write(line))
        self.stdout.write("Documents: every demo upload through the pipeline")
        seed_documents_settle(progress=lambda line: self.stdout.write(line))
        self.stdout.write("Client health: first scores")
        health_refresh_demo(progress=lambda line: self.stdout.write(line))
        self.stdout.write("Marketplace: advisors, completed engagements and their reviews")
        seed_marketplace_demo(progress=lambda line: self.stdout.write(line))
        suffix = f":{port}" if port not in ("80", "443", "") else ""
        self.stdout.write(self.style.SUCCESS("\nDemo ready. Every account's password: "
                                             f"{DEMO_PASSWORD}\n"))
        current = None
        for row in sign_ins:
            host = firm_host(row["slug"]) if row["slug"] else settings.BASE_DOMAIN
            if row["firm"] != current:
                current = row["firm"]
                self.stdout.write(f"{current}: http://{host}{suffix}/accounts/sign-in/")
            self.stdout.write(f"    {row['role']:<22} {row['email']}")
