"""The main pages of the product, per kind of person, and the checks every page must pass
in a real browser: no sideways scrolling, no console error, no failed request, no serious
or critical accessibility violation (axe-core, vendored in static/vendor/axe).

Used by the browser journeys (tests/e2e/test_design_journeys.py) and by
`manage.py screenshots`, so a reviewer looks at exactly the pages the tests check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

AXE_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js"
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
# What a person would notice; "moderate" and "minor" findings are reported, not failed.
BLOCKING_IMPACTS = ("serious", "critical")

OVERFLOW_JS = "document.documentElement.scrollWidth - window.innerWidth"
# Names the elements sticking out of the window, outside scrolling tables.
WIDEST_JS = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest('.table-scroll, .board'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')"""


@dataclass(frozen=True)
class TourPage:
    name: str  # also the screenshot's file name
    path: str


def staff_pages(schema_name: str) -> list[TourPage]:
    """Every main staff page of one firm, detail pages of its first rows included."""
    from apps.billing.models import Invoice
    from apps.documents.models import Document
    from apps.portal.models import Client
    from apps.work.models import Job

    with schema_context(schema_name):
        client = Client.objects.order_by("pk").first()
        invoice = Invoice.objects.order_by("pk").first()
        document = Document.objects.order_by("pk").first()
        job = Job.objects.order_by("pk").first()
    connection.set_schema_to_public()
    pages = [
        TourPage("staff-dashboard", "/"),
        TourPage("staff-clients", "/staff/clients/"),
        TourPage("staff-client-new", "/staff/clients/new/"),
        TourPage("staff-my-work", "/work/"),
        TourPage("staff-board", "/work/board/"),
        TourPage("staff-jobs", "/work/jobs/"),
        TourPage("staff-templates", "/work/templates/"),
        TourPage("staff-capacity", "/work/capacity/"),
        TourPage("staff-time", "/work/time/"),
        TourPage("staff-wip", "/work/wip/"),
        TourPage("staff-documents", "/documents/"),
        TourPage("staff-document-requests", "/documents/requests/"),
        TourPage("staff-invoices", "/staff/billing/invoices/"),
        TourPage("staff-recurring", "/staff/billing/recurring/"),
        TourPage("staff-billing-reports", "/staff/billing/reports/"),
        TourPage("staff-people", "/people/"),
        TourPage("staff-team", "/people/team/"),
        TourPage("staff-inbox", "/people/inbox/"),
        TourPage("staff-proposals", "/people/proposals/"),
        TourPage("staff-notifications", "/notifications/"),
        TourPage("staff-advisors", "/marketplace/"),
        TourPage("staff-security", "/security/"),
        TourPage("staff-firm-settings", "/security/settings/"),
        TourPage("staff-audit-trail", "/security/audit/"),
        TourPage("staff-api-keys", "/security/api-keys/"),
        TourPage("staff-account", "/accounts/security/"),
        TourPage("staff-firm-admin", "/admin/"),
        TourPage("staff-not-found", "/no-such-page/"),
    ]
    if client:
        pages.insert(2, TourPage("staff-client-detail", f"/staff/clients/{client.pk}/"))
    if job:
        pages.append(TourPage("staff-job-detail", f"/work/jobs/{job.pk}/"))
    if document:
        pages.append(TourPage("staff-document-detail", f"/documents/{document.pk}/"))
    if invoice:
        pages.append(TourPage("staff-invoice-detail", f"/staff/billing/invoices/{invoice.pk}/"))
    return pages


def client_pages(client_id: int, invoice_id: int | None = None) -> list[TourPage]:
    """The portal of one client, as one of its users sees it."""
    base = f"/portal/{client_id}"
    pages = [
        TourPage("portal-home", "/portal/"),
        TourPage("portal-dashboard", f"{base}/"),
        TourPage("portal-documents", f"{base}/documents/"),
        TourPage("portal-document-requests", f"{base}/documents/requests/"),
        TourPage("portal-tasks", f"{base}/tasks/"),
        TourPage("portal-invoices", f"{base}/invoices/"),
        TourPage("portal-messages", f"{base}/messages/"),
        TourPage("portal-proposals", f"{base}/proposals/"),
        TourPage("portal-organizers", f"{base}/organizers/"),
        TourPage("portal-account", "/accounts/security/"),
    ]
    if invoice_id:
        pages.append(TourPage("portal-invoice", f"{base}/invoices/{invoice_id}/"))
    return pages


def platform_pages() -> list[TourPage]:
    """Platform staff on the public site: marketplace, operations, ledger, admin."""
    from apps.marketplace.models import AdvisorProfile

    advisor = AdvisorProfile.objects.order_by("pk").values_list("pk", flat=True).first()
    pages = [
        TourPage("platform-home", "/"),
        TourPage("platform-marketplace", "/marketplace/"),
        TourPage("platform-performance", "/ops/performance/"),
        TourPage("platform-ledger", "/billing/ledger/"),
        TourPage("platform-admin", "/admin/"),
        TourPage("platform-not-found", "/no-such-page/"),
    ]
    if advisor:
        pages.insert(2, TourPage("platform-advisor", f"/marketplace/{advisor}/"))
    return pages


def session_key_for(user, host: str) -> str:
    """A committed session for `user`, past two-step sign-in on their authenticator (made
    on first use), as after a real sign-in; the sign-in itself is tested elsewhere."""
    from django.test import Client as DjangoClient
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    browser = DjangoClient(HTTP_HOST=host)
    browser.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return session.session_key


@dataclass
class PageReport:
    """What went wrong on one page at one size; empty lists mean it passed."""

    name: str
    viewport: str
    status: int | None = None
    overflow: int = 0
    wide_elements: str = ""
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = []
        if self.overflow > 1:
            found.append(f"scrolls sideways by {self.overflow}px ({self.wide_elements})")
        found += [f"console: {text}" for text in self.console_errors]
        found += [f"request failed: {text}" for text in self.failed_requests]
        found += [f"axe: {text}" for text in self.violations]
        return [f"{self.name} at {self.viewport}: {problem}" for problem in found]


class PageWatcher:
    """Collects console errors and failed requests of one Playwright page."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.failed_requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("requestfailed", lambda request: self.failed_requests.append(
            f"{request.url} ({request.failure})"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # A resource that failed is reported once, by the response handler below, with
        # its address (the console line has none); a 404 tour stop's own status is the
        # point of that stop.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def _response(self, response) -> None:
        # An error page is what some tour stops are about (the 404); anything else the
        # page loads (styles, scripts, images, the favicon) must answer.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_requests.append(f"{response.url} answered {response.status}")

    def visit(self, base: str, tour_page: TourPage, viewport: str,
              *, axe: bool = True) -> PageReport:
        self.console_errors, self.failed_requests = [], []
        response = self.page.goto(base + tour_page.path, wait_until="load")
        report = PageReport(tour_page.name, viewport,
                            status=response.status if response else None)
        report.overflow = self.page.evaluate(OVERFLOW_JS)
        if report.overflow > 1:
            report.wide_elements = self.page.evaluate(WIDEST_JS)
        if axe:
            report.violations = axe_violations(self.page)
        report.console_errors = list(self.console_errors)
        report.failed_requests = list(self.failed_requests)
        return report


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text() + "\n;window.axe !== undefined"


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core findings on the current page, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol, not as a <script>: the pages'
        # Content-Security-Policy rightly refuses inline scripts.
        page.evaluate(_axe_source())
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}"
            for v in results if v["impact"] in BLOCKING_IMPACTS]
