"""The work journey in a real browser (Debian's chromium via Playwright), at desktop and
phone widths: staff create a job from a template, move it across the board with the
cards' buttons (plain form posts), log time on it and bill it (WIP to a draft invoice).
No page may be wider than the screen, and the browser console must stay free of errors.

Uses the live-server firm of tests/e2e; skips, saying why, without chromium or playwright.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.roles import Role
from apps.work.models import RoleRate, WorkflowTemplate
from tests.e2e.conftest import SLUG, screenshot, signed_in_page

pytestmark = pytest.mark.django_db

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# Names the elements sticking out of the window, outside scrolling tables.
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !(e.parentElement && e.parentElement.closest('.table-scroll')))
  .slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')"""


@pytest.fixture(scope="module")
def close_template_id(site, django_db_blocker) -> int:
    """The owner's standard rate (committed, so the live server sees it) and the library's
    monthly close."""
    with django_db_blocker.unblock(), schema_context(_schema()):
        RoleRate.objects.update_or_create(role=Role.OWNER,
                                          defaults={"hourly_rate": Decimal("150.00")})
        template_id = WorkflowTemplate.objects.get(library_key="monthly_close").pk
    connection.set_schema_to_public()
    return template_id


def _schema() -> str:
    from apps.firms.models import Firm

    return Firm.objects.get(slug=SLUG).schema_name


def _fits(page, width: int, where: str) -> None:
    overflow = page.evaluate(OVERFLOW)
    assert overflow <= 1, f"{where} overflows by {overflow}px at {width}px: " + \
        page.evaluate(WIDEST)


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_create_a_job_move_it_log_time_and_bill_it(browser, site, close_template_id,
                                                    width, height):
    suffix = "desktop" if width > 600 else "phone"
    job_name = f"January close ({suffix})"
    page = signed_in_page(browser, site, site.manager, width=width, height=height)
    errors: list[str] = []
    # The site has no favicon yet (a 404 the browser asks for by itself): that one is not
    # the pages' fault; any other console error is.
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Create the job from the monthly close template.
    page.goto(f"{site.base}/work/jobs/new/?template={close_template_id}")
    _fits(page, width, "new job")
    page.get_by_label("Workflow").select_option(label="Monthly close")
    page.get_by_label("Client", exact=True).select_option(label="Brightline Bakery LLC")
    page.get_by_label("Name").fill(job_name)
    page.get_by_label("Due date").fill("2027-02-15")
    page.get_by_role("button", name="Create job").click()
    page.wait_for_url(re.compile(r"/work/jobs/\d+/$"))
    job_url = page.url
    assert page.get_by_role("heading", name=job_name).is_visible()
    assert page.locator(".stage-track [aria-current=step]").inner_text().startswith(
        "Collect statements")
    _fits(page, width, "job")
    screenshot(page, f"work-job-{suffix}")

    # Across the board: each card's button moves it one stage on.
    page.goto(f"{site.base}/work/board/?template={close_template_id}")
    _fits(page, width, "board")
    for stage in ("Reconcile", "Review"):
        card = page.locator(".job-card", has_text=job_name)
        card.get_by_role("button", name=f"{stage} →").click()
        page.wait_for_load_state("load")
        column = page.locator(".board-column", has=page.get_by_role("heading", name=stage))
        assert column.locator(".job-card", has_text=job_name).count() == 1
    _fits(page, width, "board")
    screenshot(page, f"work-board-{suffix}")
    page.goto(job_url)
    assert page.locator(".stage-track [aria-current=step]").inner_text().startswith("Review")

    # Log an hour and a half of billable time.
    page.get_by_label("Hours").fill("1.5")
    page.get_by_label("What was done").fill("Reconciled the bank accounts")
    page.get_by_role("button", name="Log time").click()
    page.wait_for_url(job_url)
    assert page.get_by_text("90 billable minutes").is_visible()
    assert page.get_by_text("unbilled $225.00").is_visible()
    _fits(page, width, "job with time")

    # Bill it: the job's WIP becomes a draft invoice, and nothing is left unbilled.
    page.goto(f"{site.base}/work/wip/?client={site.mine_id}")
    _fits(page, width, "work in progress")
    screenshot(page, f"work-wip-{suffix}")
    row = page.locator("tr", has_text=job_name)
    row.get_by_role("button", name="Bill").click()
    page.wait_for_url(re.compile(r"/staff/billing/invoices/\d+/$"))
    assert page.get_by_text("created from unbilled time").is_visible()
    assert page.get_by_role("row", name="Total $225.00", exact=True).is_visible()
    _fits(page, width, "invoice")
    screenshot(page, f"work-invoice-{suffix}")
    page.goto(job_url)
    assert page.get_by_text("unbilled $0.00").is_visible()
    assert page.get_by_text(re.compile(r"\(100\s*%\s*realization\)")).is_visible()

    assert errors == [], errors
    page.context.close()
