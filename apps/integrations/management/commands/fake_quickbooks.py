"""Serve the fake QuickBooks Online (apps/integrations/fake_quickbooks) so a firm's
"Connect QuickBooks" works end to end with no internet: `make run` starts it."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.integrations.fake_quickbooks.server import FakeQuickBooksServer, FakeQuickBooksState


class Command(BaseCommand):
    help = "Run the fake QuickBooks Online server (OAuth, query, CDC, webhooks, limits)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--transactions", type=int, default=1500,
                            help="transactions in each generated company")
        parser.add_argument("--webhook-url", default="",
                            help="where the fake sends its signed change notifications")

    def handle(self, *args, port: int, transactions: int, webhook_url: str, **options):
        state = FakeQuickBooksState(client_id=settings.QUICKBOOKS_CLIENT_ID,
                                    client_secret=settings.QUICKBOOKS_CLIENT_SECRET,
                                    default_transactions=transactions)
        state.verifier_token = settings.QUICKBOOKS_WEBHOOK_VERIFIER
        state.webhook_url = webhook_url
        server = FakeQuickBooksServer(("127.0.0.1", port), state)
        self.stdout.write(f"Fake QuickBooks Online at {server.base_url} "
                          f"({transactions} transactions per company)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
