"""Every main page, in a real browser (Debian's chromium via Playwright), for firm staff,
a client and platform staff, at 1440x900 and 390x844: no page scrolls sideways, the
console stays free of errors, every request the page makes answers, and axe-core
(vendored, static/vendor/axe) finds no serious or critical accessibility violation.

The pages and checks are apps/firms/page_tour.py, which `manage.py screenshots` uses too.
One browser for the module, one context per person and size, one tab reused for every
page. Uses the live-server firm of tests/e2e; skips, saying why, without chromium or
playwright.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.models import User
from apps.firms.page_tour import (
    VIEWPORTS,
    PageWatcher,
    TourPage,
    client_pages,
    platform_pages,
    session_key_for,
    staff_pages,
)
from tests.e2e.conftest import SLUG, screenshot

pytestmark = pytest.mark.django_db

PLATFORM_EMAIL = f"platform@{SLUG}.test"


@pytest.fixture(scope="module")
def tours(site, django_db_blocker) -> Iterator[dict[str, tuple[str, str, list[TourPage]]]]:
    """Person -> (base address, session key, pages); the platform admin is made here,
    committed, and removed after the module."""
    from apps.billing.models import Invoice
    from apps.firms.models import Firm

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        firm = Firm.objects.get(slug=SLUG)
        staff = staff_pages(firm.schema_name)
        connection.set_tenant(firm)
        invoice_id = Invoice.objects.filter(client_id=site.mine_id) \
            .values_list("pk", flat=True).first()
        connection.set_schema_to_public()
        platform_user = User.objects.create_user(email=PLATFORM_EMAIL, password=None,
                                                 is_staff=True, full_name="Pat Platform")
        platform_host = settings.BASE_DOMAIN
        port = site.base.rsplit(":", 1)[1]
        yield {
            "staff": (site.base, site.sessions[site.manager.pk], staff),
            "client": (site.base, site.sessions[site.client_user.pk],
                       client_pages(site.mine_id, invoice_id)),
            "platform": (f"http://{platform_host}:{port}",
                         session_key_for(platform_user, platform_host), platform_pages()),
        }
        connection.set_schema_to_public()
        User.objects.filter(email=PLATFORM_EMAIL).delete()


@pytest.mark.parametrize("size", list(VIEWPORTS))
@pytest.mark.parametrize("person", ["staff", "client", "platform"])
def test_every_main_page_fits_loads_cleanly_and_passes_axe(browser, tours, person, size):
    base, session_key, pages = tours[person]
    width, height = VIEWPORTS[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key,
                          "url": base + "/"}])
    watcher = PageWatcher(context.new_page())
    problems: list[str] = []
    statuses: dict[str, int | None] = {}
    try:
        for tour_page in pages:
            report = watcher.visit(base, tour_page, size)
            statuses[tour_page.name] = report.status
            problems += report.problems()
            if report.problems():
                screenshot(watcher.page, f"design-{tour_page.name}-{size}")
    finally:
        context.close()

    assert not problems, "\n".join(problems)
    expected = {page.name: 404 if page.name.endswith("not-found") else 200 for page in pages}
    assert statuses == expected
    assert len(pages) >= (30 if person == "staff" else 6)


def test_the_phone_menu_opens_without_javascript(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  java_script_enabled=False)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": site.sessions[site.manager.pk], "url": site.base + "/"}])
    page = context.new_page()
    try:
        page.goto(site.base + "/staff/clients/")
        clients_link = page.locator("#nav-links a", has_text="Clients")
        header_height = page.locator("header.app-header").bounding_box()["height"]

        assert not clients_link.is_visible()
        assert header_height < 90  # brand and the Menu button: one short line
        # Results come first: the filters fold behind their own toggle.
        assert not page.locator("form.filters select").first.is_visible()

        page.locator("label[for=nav-toggle]").click()
        assert clients_link.is_visible()
        page.locator("label[for=show-filters]").click()
        assert page.locator("form.filters select").first.is_visible()
    finally:
        context.close()


def test_the_desktop_header_holds_on_one_line_at_1440(browser, site):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": site.sessions[site.manager.pk], "url": site.base + "/"}])
    page = context.new_page()
    try:
        page.goto(site.base + "/")
        who = page.locator(".nav-account .who").bounding_box()
        sign_out = page.locator(".nav-account button").bounding_box()
        header = page.locator("header.app-header").bounding_box()

        # One text line each (about 24 px), side by side, in a header of one row.
        assert who["height"] < 40 and sign_out["height"] < 45
        assert abs(who["y"] + who["height"] / 2 - (sign_out["y"] + sign_out["height"] / 2)) < 8
        assert header["height"] < 60
        assert page.locator("#nav-links a", has_text="Clients").is_visible()
    finally:
        context.close()


def test_the_unknown_firm_page_is_styled_and_has_its_favicon(browser, site):
    port = site.base.rsplit(":", 1)[1]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    watcher = PageWatcher(page)
    try:
        report = watcher.visit(f"http://no-such-firm.{settings.BASE_DOMAIN}:{port}",
                               TourPage("unknown-firm", "/"), "desktop")
        # Styled: the product's stylesheet applied (its token colour on the button).
        button_colour = page.evaluate(
            "getComputedStyle(document.querySelector('a[role=button]')).backgroundColor")
        favicon = page.goto(f"http://no-such-firm.{settings.BASE_DOMAIN}:{port}/favicon.ico")
    finally:
        context.close()

    assert report.status == 404
    assert not report.problems(), report.problems()
    assert favicon.status == 200
    assert button_colour == "rgb(11, 90, 142)"


STACKED_JS = """() => [...document.querySelectorAll('table.stack-table')].map(t => ({
  head: getComputedStyle(t.querySelector('thead')).position,
  row: t.querySelector('tbody tr') ? getComputedStyle(t.querySelector('tbody tr')).display : '',
  labelled: t.querySelectorAll('td[data-label]').length,
  sideways: t.scrollWidth - t.parentElement.clientWidth}))"""


def test_the_main_wide_tables_stack_into_cards_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": site.sessions[site.manager.pk], "url": site.base + "/"}])
    page = context.new_page()
    found: dict[str, list[dict]] = {}
    try:
        for path in ("/staff/clients/", "/work/jobs/", "/documents/",
                     "/staff/billing/invoices/", "/security/audit/"):
            page.goto(site.base + path)
            found[path] = page.evaluate(STACKED_JS)
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()

    tables = [table for tables in found.values() for table in tables]
    assert len([path for path, tables in found.items() if tables]) >= 3, found
    for table in tables:
        assert table["head"] == "absolute" and table["row"] == "block", found
        assert table["labelled"] > 0 and table["sideways"] <= 1, found
