"""The main staff and client journeys in a real browser, with screenshots at desktop and
phone widths (saved under $ADVISOROS_SCREENSHOTS, default /tmp/advisoros-screenshots)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from tests.e2e.conftest import screenshot, signed_in_page

# The mark makes pytest-django set up the test database; the bodies only drive the browser.
pytestmark = pytest.mark.django_db


# Names the elements sticking out of the window, outside scrolling tables.
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !(e.parentElement && e.parentElement.closest('.table-scroll')))
  .slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')"""


def test_staff_find_a_client_and_add_a_task(browser, site):
    page = signed_in_page(browser, site, site.manager)

    page.goto(site.base + "/")
    assert page.get_by_role("heading", name="E2E Accounting").is_visible()
    assert page.get_by_text("Brightline Bakery LLC").is_visible()  # needs attention
    screenshot(page, "staff-dashboard-desktop")

    page.get_by_role("link", name="Clients", exact=True).click()
    page.get_by_label("Search").fill("bright")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("tbody tr").count() == 1
    page.goto(site.base + "/staff/clients/")
    screenshot(page, "staff-client-list-desktop")

    page.get_by_label("Search").fill("Brightline")
    page.keyboard.press("Enter")  # the filter form works from the keyboard
    page.get_by_role("link", name="Brightline Bakery LLC").click()
    assert page.get_by_role("heading", name="Brightline Bakery LLC").is_visible()
    assert page.get_by_role("cell", name="Upload bank statements", exact=True).is_visible()
    screenshot(page, "staff-client-detail-desktop")

    page.get_by_role("link", name="+ New task").click()
    page.get_by_label("Estimated hours").fill("-2")
    page.get_by_role("button", name="Save").click()
    assert page.locator(".errorlist").first.is_visible()  # inline errors, nothing saved
    page.get_by_label("Title").fill("Send signed engagement letter")
    page.get_by_label("Estimated hours").fill("0.5")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/staff/clients/\d+/$"))
    assert page.get_by_role("cell", name="Send signed engagement letter", exact=True).is_visible()
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_staff_pages_read_well_at_each_width(browser, site, width):
    page = signed_in_page(browser, site, site.manager, width=width)
    suffix = "desktop" if width > 600 else "phone"
    for path, name in [("/", "staff-dashboard"), ("/staff/clients/", "staff-client-list"),
                       (f"/staff/clients/{site.mine_id}/", "staff-client-detail")]:
        page.goto(site.base + path)
        # Nothing may be wider than the screen except inside the scrolling tables.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} overflows by {overflow}px at {width}px: " + \
            page.evaluate(WIDEST)
        screenshot(page, f"{name}-{suffix}")
    page.context.close()


def test_a_client_uploads_a_document_and_sees_it_counted_at_once(browser, site, tmp_path):
    page = signed_in_page(browser, site, site.client_user)

    page.goto(site.base + "/")
    page.wait_for_url(re.compile(rf"/portal/{site.mine_id}/$"))
    assert page.get_by_role("heading", name="Brightline Bakery LLC").is_visible()
    assert page.get_by_text("INV-1001").is_visible()
    documents_card = page.locator(".metric", has_text="Documents")
    assert documents_card.locator("strong").inner_text() == "1"
    screenshot(page, "portal-dashboard-desktop")

    page.get_by_role("link", name="Documents").first.click()
    upload = tmp_path / "march-bank-statement.pdf"
    upload.write_bytes(b"%PDF-1.4 march statement")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_label("Category").select_option("bank_statement")
    page.get_by_role("button", name="Upload").click()
    assert page.get_by_text("Uploaded march-bank-statement.pdf.").is_visible()

    page.get_by_role("link", name="Overview").click()
    assert documents_card.locator("strong").inner_text() == "2"
    assert page.get_by_text("Figures up to the minute").is_visible()

    response = page.goto(f"{site.base}/portal/{site.theirs_id}/")
    assert response.status == 404
    page.context.close()
    connection.set_schema_to_public()


def test_the_portal_reads_well_on_a_phone(browser, site):
    page = signed_in_page(browser, site, site.client_user, width=390, height=844)

    page.goto(f"{site.base}/portal/{site.mine_id}/")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    screenshot(page, "portal-dashboard-phone")
    page.context.close()
