"""Browser tests: Debian's chromium driven by Playwright against a live server.

They skip, saying why, when chromium or the playwright package is missing; CI installs
chromium (.ci/run), so there they run. The site gets its own firm, committed (the server
threads use their own connections) and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as DjangoClient
from django.test.testcases import LiveServerThread
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import membership_create, user_create
from apps.firms.services import firm_create, firm_delete
from apps.portal.refresh import dashboard_refresh
from tests.portal.factories import (
    give_access,
    make_client,
    make_document,
    make_engagement,
    make_invoice,
    make_task,
)

# Playwright's sync API keeps an event loop on the main thread; Django would then refuse
# ORM calls made by the test itself (they are plain synchronous calls).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("ADVISOROS_SCREENSHOTS", "/tmp/advisoros-screenshots"))
SLUG = "e2e-portal"


def pytest_collection_modifyitems(config, items):
    reason = None
    if CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason:
        for item in items:
            if "tests/e2e/" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class Site:
    base: str  # http://e2e-portal.localhost:<port>
    manager: User
    client_user: User
    mine_id: int
    theirs_id: int
    sessions: dict[int, str]  # user id -> session key, made and committed up front


def _build_firm() -> tuple[User, User, int, int]:
    connection.set_schema_to_public()
    manager = user_create(email=f"manager@{SLUG}.test", password=None, validate=False,
                          full_name="Maya Manager")
    client_user = user_create(email=f"client@{SLUG}.test", password=None, validate=False,
                              full_name="Cole Client")
    firm = firm_create(name="E2E Accounting", slug=SLUG, owner=manager).firm
    membership_create(user=client_user, firm=firm, role=Role.CLIENT_OWNER)
    with schema_context(firm.schema_name):
        mine = make_client(business_name="Brightline Bakery LLC", industry="hospitality",
                           annual_revenue="840000.00", contact_name="Bea Bright",
                           assigned_staff_id=manager.pk)
        theirs = make_client(business_name="Harbor View Properties", industry="real_estate")
        for i in range(12):
            make_client(business_name=f"Sample Client {i:02d}", industry="retail")
        engagement = make_engagement(mine, type="tax_return")
        make_task(mine, engagement=engagement, title="Upload bank statements",
                  due_date="2026-04-01", priority=3)
        make_document(mine, file_name="w2-forms.pdf", status="needs_review")
        make_invoice(mine, number="INV-1001", total="1250.00", status="overdue")
        make_invoice(theirs, number="INV-2001", total="90.00")
        give_access(client_user, mine)
        dashboard_refresh()
    connection.set_schema_to_public()
    return manager, client_user, mine.pk, theirs.pk


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[Site]:
    with django_db_blocker.unblock():
        manager, client_user, mine_id, theirs_id = _build_firm()
        # The server's request threads close their connection after each request, so no
        # connection outlives the module (the test database must drop at the end).
        max_age = connection.settings_dict["CONN_MAX_AGE"]
        connection.settings_dict["CONN_MAX_AGE"] = 0
        server = LiveServerThread("localhost", lambda handler: handler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            base = f"http://{SLUG}.{settings.BASE_DOMAIN}:{server.port}"
            # Sessions are made here, committed, because each test body runs inside a
            # transaction the server's own connections could not see.
            sessions = {user.pk: _session_key(user) for user in (manager, client_user)}
            yield Site(base, manager, client_user, mine_id, theirs_id, sessions)
        finally:
            server.terminate()
            connection.settings_dict["CONN_MAX_AGE"] = max_age
            from apps.firms.models import Firm

            firm_delete(firm=Firm.objects.get(slug=SLUG))
            User.objects.filter(email__endswith=f"@{SLUG}.test").delete()


@pytest.fixture(scope="module")
def browser(site) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1"])
        yield chromium
        chromium.close()
        # Playwright's greenlet has its own context, hence its own Django connection when
        # a fixture touched the database from it: close it before the test database drops.
        from django.db import connections

        connections.close_all()


def _session_key(user: User) -> str:
    """A session for `user`, past two-step sign-in (sign-in itself is tested in
    tests/accounts and tests/security)."""
    from tests.conftest import sign_in

    django_client = DjangoClient(HTTP_HOST=f"{SLUG}.{settings.BASE_DOMAIN}")
    sign_in(django_client, user)
    return django_client.cookies[settings.SESSION_COOKIE_NAME].value


def signed_in_page(browser, site: Site, user: User, *, width: int = 1280, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": site.sessions[user.pk], "url": site.base + "/"}])
    return context.new_page()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
