"""`manage.py screenshots --out screenshots/`: every main page, at desktop and phone size,
as PNG files a reviewer can look through, with each page's browser checks printed.

Needs the demo (`manage.py seed_demo`, which `make run` runs), Debian's chromium and the
playwright package; serves the site itself from this process (no `make run` needed).
Signs in as the first firm's owner, one of its client users and the platform admin.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.firms.page_tour import (
    VIEWPORTS,
    PageWatcher,
    client_pages,
    platform_pages,
    session_key_for,
    staff_pages,
)


class Command(BaseCommand):
    help = "Write screenshots of the main pages at 1440x900 and 390x844 to a folder."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="screenshots", help="Folder for the PNG files.")
        parser.add_argument("--firm", default=None,
                            help="Firm slug (default: the demo's first firm).")
        parser.add_argument("--only", default="",
                            help="Comma-separated page names or name prefixes to keep.")
        parser.add_argument("--no-checks", action="store_true",
                            help="Skip the accessibility checks (faster).")

    def handle(self, *args, out: str, firm: str | None, only: str, no_checks: bool,
               **options):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            raise CommandError("chromium is not installed (apt-get install chromium).")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise CommandError("The playwright package is missing: "
                               "pip install -e '.[dev]'.") from exc
        # Playwright's sync API keeps an event loop on this thread; the ORM calls made
        # here are plain synchronous ones.
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

        tours = self._tours(firm)
        keep = [part.strip() for part in only.split(",") if part.strip()]
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        server = _start_server()
        problems: list[str] = []
        written = 0
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, headless=True,
                    args=["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1"])
                for host, session_key, pages in tours:
                    base = f"http://{host}:{server.port}"
                    for size, (width, height) in VIEWPORTS.items():
                        context = browser.new_context(viewport={"width": width,
                                                                "height": height})
                        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                              "value": session_key, "url": base + "/"}])
                        watcher = PageWatcher(context.new_page())
                        for tour_page in pages:
                            if keep and not any(tour_page.name.startswith(k) for k in keep):
                                continue
                            report = watcher.visit(base, tour_page, size, axe=not no_checks)
                            path = folder / f"{tour_page.name}-{size}.png"
                            watcher.page.screenshot(path=str(path), full_page=True)
                            written += 1
                            found = report.problems()
                            problems += found
                            mark = "ok" if not found else f"{len(found)} problem(s)"
                            self.stdout.write(f"{path}  [{report.status}] {mark}")
                        context.close()
                browser.close()
        finally:
            server.terminate()
        for line in problems:
            self.stdout.write(self.style.WARNING(line))
        self.stdout.write(self.style.SUCCESS(
            f"{written} screenshots in {folder}/; {len(problems)} problem(s)."))

    def _tours(self, slug: str | None) -> list[tuple[str, str, list]]:
        from django_tenants.utils import schema_context

        from apps.accounts.models import Membership, User
        from apps.accounts.roles import Role
        from apps.billing.models import Invoice
        from apps.firms.models import Firm
        from apps.firms.selectors import firm_host
        from apps.portal.models import ClientAccess

        connection.set_schema_to_public()
        firms = Firm.objects.filter(schema_ready=True).exclude(schema_name="public")
        firm = (firms.filter(slug=slug) if slug else firms.order_by("pk")).first()
        if firm is None:
            raise CommandError("No firm to show: run `manage.py seed_demo` first"
                               + (f" (or check --firm {slug})." if slug else "."))
        host = firm_host(firm.slug)
        owner = Membership.objects.filter(firm=firm, role=Role.OWNER,
                                          is_active=True).select_related("user").first()
        if owner is None:
            raise CommandError(f"{firm.name} has no active owner to sign in as.")
        tours = [(host, session_key_for(owner.user, host), staff_pages(firm.schema_name))]

        client_user_ids = Membership.objects.filter(
            firm=firm, role=Role.CLIENT_OWNER, is_active=True).values_list("user_id", flat=True)
        with schema_context(firm.schema_name):
            access = ClientAccess.objects.filter(user_id__in=list(client_user_ids)) \
                .order_by("pk").first()
            invoice_id = access and Invoice.objects.filter(client_id=access.client_id) \
                .exclude(status="draft").values_list("pk", flat=True).first()
        connection.set_schema_to_public()
        if access is not None:
            client_user = User.objects.get(pk=access.user_id)
            tours.append((host, session_key_for(client_user, host),
                          client_pages(access.client_id, invoice_id)))

        platform_user = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
        if platform_user is not None:
            tours.append((settings.BASE_DOMAIN,
                          session_key_for(platform_user, settings.BASE_DOMAIN),
                          platform_pages()))
        return tours


def _start_server():
    """The site, served by a thread of this process on a free port (static files through
    WhiteNoise, as in production)."""
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("localhost", lambda handler: handler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise CommandError(f"Could not start the server: {server.error}")
    return server
