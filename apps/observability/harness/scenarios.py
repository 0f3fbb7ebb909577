"""The load scenarios, the routes each needs, and the thresholds each must meet.

A scenario whose routes are not in the URLconfs yet (another issue has not landed) is
skipped with the reason printed; it runs as soon as the routes exist. Thresholds are
end-to-end latencies measured by locust on this machine, load generator included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse

PUBLIC = "public"
FIRM = "firm"


@dataclass(frozen=True)
class Thresholds:
    p95_ms: float
    max_error_pct: float = 0.0
    min_rps: float = 0.0


@dataclass(frozen=True)
class Scenario:
    name: str
    user_class: str  # in loadtest/locustfile.py
    description: str
    # Each entry: (URLconf, url names of which at least one must exist, sample kwargs).
    needs_routes: tuple[tuple[str, tuple[str, ...], dict], ...]
    thresholds: Thresholds
    users: int = 20
    spawn_rate: float = 20
    run_seconds: int = 30
    max_requests: int = 30_000
    needs_fixtures: tuple[str, ...] = field(default=())
    # A handful of users whose whole pages sit in the cache: what the cache layer can
    # serve, not what the product does under real traffic. Labelled so in the report.
    cache_only: bool = False


SEED004_ROUTES = (
    (FIRM, ("firm_api:client_dashboard",), {"pk": 1}),
    (FIRM, ("billing_api:invoice_list",), {}),
    (FIRM, ("documents_api:document_list",), {}),
    (FIRM, ("portal:dashboard",), {"client_id": 1}),
    (FIRM, ("portal_documents:upload", "portal:document_upload", "portal:upload"),
     {"client_id": 1}),
    (FIRM, ("api-audit-events",), {}),
)
SEED004_FIXTURES = ("mix_api_keys", "mix_client_ids", "mix_client_sessions",
                    "mix_staff_sessions")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "marketplace_browse", "MarketplaceBrowseUser",
        "Anonymous visitors list advisors, filter them and open profiles (API).",
        ((PUBLIC, ("marketplace_api:advisor-list",), {}),
         (PUBLIC, ("marketplace_api:advisor-detail",), {"pk": 1})),
        Thresholds(p95_ms=100), needs_fixtures=("advisor_ids",)),
    Scenario(
        "client_dashboard", "ClientDashboardUser",
        "Client users of the largest firm open their dashboard, recent documents and tasks.",
        ((FIRM, ("portal:dashboard",), {"client_id": 1}),
         (FIRM, ("portal:documents",), {"client_id": 1}),
         (FIRM, ("portal:tasks",), {"client_id": 1})),
        Thresholds(p95_ms=100), needs_fixtures=("client_sessions",), cache_only=True),
    Scenario(
        "advisor_matching_burst", "AdvisorMatchingUser",
        "A burst of clients asking for their top 20 advisors at once.",
        ((PUBLIC, ("marketplace_api:match",), {}),),
        Thresholds(p95_ms=300), users=50, spawn_rate=50, run_seconds=20,
        needs_fixtures=("industries",)),
    Scenario(
        "document_upload", "DocumentUploadUser",
        "Client users upload small text documents through the portal.",
        ((FIRM, ("portal_documents:upload", "portal:document_upload", "portal:upload"),
          {"client_id": 1}),),
        Thresholds(p95_ms=500), users=10, spawn_rate=10, needs_fixtures=("client_sessions",)),
    Scenario(
        "seed004_mix", "Seed004MixUser",
        "The headline. Seed 004's mix with writes and uploads: 40 % client dashboard reads "
        "(API across 5,000 clients and portal pages), 30 % invoice creations (API), 20 % "
        "small uploads (API and portal form), 10 % audit trail reads (staff sessions); "
        "200 staff with their own API keys and browser sessions, 100 client portal users.",
        SEED004_ROUTES, Thresholds(p95_ms=150, min_rps=200), users=64, spawn_rate=32,
        run_seconds=60, max_requests=100_000, needs_fixtures=SEED004_FIXTURES),
    Scenario(
        "seed004_mix_paced", "Seed004MixPacedUser",
        "The headline mix offered at a steady 210 requests/s (200 users, each at most 1.05 "
        "requests a second) rather than at saturation: the latency people see at the rate "
        "the issue names. Same identities, routes and shares as seed004_mix.",
        SEED004_ROUTES, Thresholds(p95_ms=150, min_rps=200), users=200, spawn_rate=100,
        run_seconds=60, max_requests=100_000, needs_fixtures=SEED004_FIXTURES),
    Scenario(
        "mixed_read", "MixedReadUser",
        "The whole-stack goal: marketplace search and profiles, client dashboards, tasks and "
        "invoices, the staff client list API: reads only, as fast as the stack answers.",
        ((PUBLIC, ("marketplace_api:advisor-list",), {}),
         (FIRM, ("portal:dashboard",), {"client_id": 1}),
         (FIRM, ("portal:invoices",), {"client_id": 1})),
        Thresholds(p95_ms=150, min_rps=1000), users=60, spawn_rate=60, run_seconds=30,
        max_requests=60_000, needs_fixtures=("advisor_ids", "client_sessions"),
        cache_only=True),
)
SCENARIOS_BY_NAME = {s.name: s for s in SCENARIOS}


def _route_exists(urlconf: str, names: tuple[str, ...], kwargs: dict) -> bool:
    for name in names:
        try:
            reverse(name, urlconf=urlconf, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
        return True
    return False


def skip_reason(scenario: Scenario, fixtures: dict) -> str | None:
    """Why `scenario` cannot run yet, or None when it can."""
    urlconfs = {PUBLIC: settings.PUBLIC_SCHEMA_URLCONF, FIRM: settings.ROOT_URLCONF}
    for where, names, kwargs in scenario.needs_routes:
        if not _route_exists(urlconfs[where], names, kwargs):
            return f"no {where} route named {' or '.join(names)} yet"
    for key in scenario.needs_fixtures:
        if not fixtures.get(key):
            return f"no {key.replace('_', ' ')} in the database (seed data missing)"
    return None
