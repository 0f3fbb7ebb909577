"""AdvisorOS load scenarios. Run through `manage.py bench_all` (or `make bench`), which
prepares the data and sessions, starts gunicorn + a Celery worker on 127.0.0.1, and
passes:

    LOADTEST_FIXTURES      JSON file: hosts, session keys, client ids, advisor ids
    LOADTEST_MAX_REQUESTS  stop after this many requests (the run is also time-bounded)

Every user talks to the loopback address and names the site in the Host header, so firm
hosts (<slug>.localhost) need no DNS. One user class per scenario; see
apps/observability/harness/scenarios.py for their thresholds.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, constant_throughput, events, task

FIXTURES = json.loads(Path(os.environ["LOADTEST_FIXTURES"]).read_text()) \
    if os.environ.get("LOADTEST_FIXTURES") else {}
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "0"))
_count = {"n": 0}
# Django's CSRF check compares the cookie with the header; any 32-character token works
# when both carry it, so form posts need no extra GET first.
CSRF_TOKEN = "loadtestcsrf" + "0" * 20


@events.request.add_listener
def _stop_after_max_requests(**kwargs) -> None:
    _count["n"] += 1
    if MAX_REQUESTS and _count["n"] >= MAX_REQUESTS:
        runner = _count.get("runner")
        if runner is not None:
            runner.quit()


@events.init.add_listener
def _remember_runner(environment, **kwargs) -> None:
    _count["runner"] = environment.runner


def _pick(values: list, low: int = 1, high: int = 2) -> list:
    return random.sample(values, k=min(len(values), random.randint(low, high)))


class _Site(FastHttpUser):
    abstract = True
    wait_time = between(0, 0.05)
    site = "public_host"
    session_key: str | None = None

    def _headers(self) -> dict:
        headers = {"Host": FIXTURES[self.site], "Accept-Encoding": "gzip"}
        if self.session_key:
            headers["Cookie"] = f"sessionid={self.session_key}; csrftoken={CSRF_TOKEN}"
            headers["X-CSRFToken"] = CSRF_TOKEN
        return headers

    def get(self, path: str, name: str):
        return self.client.get(path, headers=self._headers(), name=name)


class _ClientSide(_Site):
    abstract = True
    site = "firm_host"

    def on_start(self) -> None:
        choice = random.choice(FIXTURES["client_sessions"])
        self.session_key = choice["session"]
        self.client_id = choice["client_id"]


class MarketplaceBrowseUser(_Site):
    @task(4)
    def advisor_list(self) -> None:
        self.get("/api/v1/marketplace/advisors/", "advisors: list")

    @task(4)
    def advisor_filter(self) -> None:
        params = [f"industries={','.join(_pick(FIXTURES['industries']))}",
                  f"sort={random.choice(['rating', 'experience', 'price', 'reviews'])}"]
        if random.random() < 0.5:
            params.append(f"services={random.choice(FIXTURES['services'])}")
        if random.random() < 0.5:
            params.append(f"min_rating={random.choice(['3.5', '4.0', '4.5'])}")
        self.get("/api/v1/marketplace/advisors/?" + "&".join(params), "advisors: filter")

    @task(2)
    def advisor_detail(self) -> None:
        pk = random.choice(FIXTURES["advisor_ids"])
        self.get(f"/api/v1/marketplace/advisors/{pk}/", "advisors: detail")


class ClientDashboardUser(_ClientSide):
    @task(5)
    def dashboard(self) -> None:
        self.get(f"/portal/{self.client_id}/", "portal: dashboard")

    @task(3)
    def documents(self) -> None:
        self.get(f"/portal/{self.client_id}/documents/", "portal: recent documents")

    @task(2)
    def portal_tasks(self) -> None:
        self.get(f"/portal/{self.client_id}/tasks/", "portal: tasks")


class AdvisorMatchingUser(_Site):
    wait_time = between(0, 0.01)

    @task
    def match(self) -> None:
        body = {"industries": _pick(FIXTURES["industries"]),
                "required_services": _pick(FIXTURES["services"], 0, 2),
                "budget": str(random.choice([150, 250, 400])),
                "needs": "Cash-flow forecasting and board reporting for a growing company"}
        self.client.post("/api/v1/marketplace/match/", json=body, headers=self._headers(),
                         name="match: top 20")


def _upload(user: _ClientSide) -> None:
    path = FIXTURES["upload_path"].replace("{client_id}", str(user.client_id))
    # A small receipt as CSV (an accepted type, checked by content); unique each time so
    # the duplicate check never short-cuts the pipeline.
    number = random.randint(1, 10**9)
    text = (f"vendor,date,description,total\nOffice Supply Co,2026-03-{number % 28 + 1:02d},"
            f"Receipt {number},{number % 9999}.00\n")
    # The answer is a redirect to the checklist page; count the upload itself.
    user.client.post(path, headers=user._headers(), name="portal: upload",
                     files={"files": (f"receipt-{number}.csv", text.encode(), "text/csv")},
                     data={"category": "receipt"}, allow_redirects=False)


class DocumentUploadUser(_ClientSide):
    @task
    def upload(self) -> None:
        _upload(self)


def _invoice_body(client_id: int) -> dict:
    number = random.randint(1, 10**6)
    return {"client": client_id, "payment_terms": "net_30", "notes": f"Load test {number}",
            "lines": [{"description": "Monthly bookkeeping", "quantity": "1",
                       "unit_price": f"{200 + number % 800}.00", "tax_rate": "0.0825"},
                      {"description": "Payroll runs", "quantity": str(1 + number % 4),
                       "unit_price": "45.00"}]}


class Seed004MixUser(FastHttpUser):
    """Seed 004's mix, as the firm's people and integrators produce it: 40 % dashboard
    reads, 30 % invoice creations, 20 % small uploads, 10 % audit trail reads. Every
    request picks its identity afresh: one of 200 integrators' API keys (the API), one of
    200 staff browser sessions (the audit trail), or one of 100 client portal users
    (their dashboard page and upload form); integrators work across 5,000 clients, so
    caches hit only as often as they would in life."""

    wait_time = between(0, 0.05)

    def _api(self) -> dict:
        return {"Host": FIXTURES["firm_host"], "Accept-Encoding": "gzip",
                "Authorization": f"Api-Key {random.choice(FIXTURES['mix_api_keys'])}"}

    @staticmethod
    def _browser(session_key: str) -> dict:
        return {"Host": FIXTURES["firm_host"], "Accept-Encoding": "gzip",
                "Cookie": f"sessionid={session_key}; csrftoken={CSRF_TOKEN}",
                "X-CSRFToken": CSRF_TOKEN}

    def _client_user(self) -> tuple[dict, int]:
        choice = random.choice(FIXTURES["mix_client_sessions"])
        return self._browser(choice["session"]), choice["client_id"]

    def _done(self) -> None:
        # Identities travel in explicit headers; a cookie one answer set must never ride
        # along with the next request's identity.
        self.client.cookies.clear()

    @task(40)
    def dashboard(self) -> None:
        if random.random() < 0.75:
            client_id = random.choice(FIXTURES["mix_client_ids"])
            self.client.get(f"/api/v1/clients/{client_id}/dashboard/", headers=self._api(),
                            name="api: client dashboard")
        else:
            headers, client_id = self._client_user()
            self.client.get(f"/portal/{client_id}/", headers=headers,
                            name="portal: dashboard page")
        self._done()

    @task(30)
    def invoice_create(self) -> None:
        client_id = random.choice(FIXTURES["mix_client_ids"])
        self.client.post("/api/v1/billing/invoices/", json=_invoice_body(client_id),
                         headers=self._api(), name="api: invoice create")
        self._done()

    @task(20)
    def upload(self) -> None:
        number = random.randint(1, 10**9)
        text = (f"vendor,date,description,total\nOffice Supply Co,2026-03-"
                f"{number % 28 + 1:02d},Receipt {number},{number % 9999}.00\n").encode()
        files = {"files": (f"receipt-{number}.csv", text, "text/csv")}
        if random.random() < 0.5:
            client_id = random.choice(FIXTURES["mix_client_ids"])
            self.client.post("/api/v1/documents/", headers=self._api(), files=files,
                             data={"client": str(client_id), "category": "receipt"},
                             name="api: document upload")
        else:
            headers, client_id = self._client_user()
            path = FIXTURES["upload_path"].replace("{client_id}", str(client_id))
            self.client.post(path, headers=headers, files=files, data={"category": "receipt"},
                             allow_redirects=False, name="portal: upload form")
        self._done()

    @task(10)
    def audit_trail(self) -> None:
        session = random.choice(FIXTURES["mix_staff_sessions"])
        self.client.get("/api/v1/audit-events/", headers=self._browser(session),
                        name="staff: audit trail")
        self._done()


# Offered load of the paced mix: 200 users (seed004_mix_paced in
# apps/observability/harness/scenarios.py), each starting at most 1.05 tasks a second.
PACED_TASKS_PER_USER_SECOND = 1.05


class Seed004MixPacedUser(Seed004MixUser):
    """The same mix offered at a steady rate (200 x 1.05 = 210 requests/s) instead of as
    fast as 64 users can loop: traffic in life arrives at a rate, so this measures the
    latency people see at that rate. A user whose request is slower than its pace simply
    falls behind, so an overloaded stack shows as fewer requests/s, not hidden latency."""

    wait_time = constant_throughput(PACED_TASKS_PER_USER_SECOND)


class MixedReadUser(_ClientSide):
    """Reads across the product, public and firm hosts."""

    @task(3)
    def advisor_list(self) -> None:
        self.client.get("/api/v1/marketplace/advisors/", name="advisors: list",
                        headers={"Host": FIXTURES["public_host"], "Accept-Encoding": "gzip"})

    @task(2)
    def advisor_detail(self) -> None:
        pk = random.choice(FIXTURES["advisor_ids"])
        self.client.get(f"/api/v1/marketplace/advisors/{pk}/", name="advisors: detail",
                        headers={"Host": FIXTURES["public_host"], "Accept-Encoding": "gzip"})

    @task(3)
    def dashboard(self) -> None:
        self.get(f"/portal/{self.client_id}/", "portal: dashboard")

    @task(1)
    def portal_tasks(self) -> None:
        self.get(f"/portal/{self.client_id}/tasks/", "portal: tasks")

    @task(1)
    def invoices(self) -> None:
        self.get(f"/portal/{self.client_id}/invoices/", "portal: invoices")
