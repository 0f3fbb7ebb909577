"""Benchmark of the client dashboard, client list and firm dashboard at seed scale.

Run `manage.py seed_scale` first. Prints p50/p95/p99 for each path and, in the same run,
the naive way (live aggregation over the base tables) with the ratio.
"""

from __future__ import annotations

import random
from dataclasses import replace

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.core.paginator import Paginator
from django.db import connection, reset_queries
from django.test import Client as HttpClient
from django.utils.http import urlencode
from django_tenants.utils import schema_context

from advisoros.bench import Timing, measure, ratio_line
from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.firms.models import Firm
from apps.firms.selectors import firm_host
from apps.portal.dashboard import client_cache_key, client_dashboard_get
from apps.portal.firm_dashboard import (
    FIRM_DASHBOARD_KEY,
    firm_dashboard_from_view,
    firm_dashboard_live,
)
from apps.portal.keyset import Cursor, cursor_encode
from apps.portal.metrics import client_metrics_live
from apps.portal.models import Client
from apps.portal.refresh import dashboard_refresh
from apps.portal.selectors import (
    CLIENT_LIST_PAGE_SIZE,
    CLIENT_SORTS,
    ClientListQuery,
    client_list_page,
    client_list_queryset,
)

LIST_QUERIES = [
    ClientListQuery(),
    ClientListQuery(sort="-outstanding"),
    ClientListQuery(sort="-activity", status="active"),
    ClientListQuery(industry="retail", sort="-revenue"),
    ClientListQuery(q="Client 12"),
    ClientListQuery(needs_attention=True, sort="-outstanding"),
]


class Command(BaseCommand):
    help = "Benchmark client dashboard (cached/uncached), client list, firm dashboard, MV refresh."

    def add_arguments(self, parser):
        parser.add_argument("--firm", default="scale-big", help="Slug of the firm to measure.")
        parser.add_argument("--runs", type=int, default=300)
        parser.add_argument("--naive-runs", type=int, default=100)
        parser.add_argument("--refresh-runs", type=int, default=3)
        parser.add_argument("--lists-only", action="store_true",
                            help="Only the client list at any page, keyset vs OFFSET.")

    def handle(self, *args, firm: str, runs: int, naive_runs: int, refresh_runs: int,
               lists_only: bool, **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            raise CommandError(f"No firm '{firm}'. Run manage.py seed_scale first.")
        # DEBUG would keep every query in memory and slow each one down.
        settings.DEBUG = False
        self.out = lambda line: self.stdout.write(line)
        rng = random.Random(42)
        with schema_context(found.schema_name):
            ids = list(Client.objects.alive().values_list("id", flat=True))
            self.out(f"Firm {found.slug}: {len(ids):,} clients; load {_load()}")
            if lists_only:
                self._list_pages(runs, naive_runs, rng)
                self.out(f"load after: {_load()}")
                return
            self._refresh(refresh_runs)
            self._client_dashboard(rng.sample(ids, min(runs, len(ids))), naive_runs)
            self._client_list(runs, naive_runs)
            self._list_pages(runs, naive_runs, rng)
            self._firm_dashboard(runs, naive_runs)
        self._pages(found, ids, rng, runs)
        self.out(f"load after: {_load()}")

    def _report(self, *timings: Timing) -> None:
        for timing in timings:
            self.out(timing.row())

    def _refresh(self, refresh_runs: int) -> None:
        self.out("\n== materialized view refresh ==")
        for concurrently in (False, True):
            label = "refresh concurrently" if concurrently else "refresh (plain)"
            timing = measure(label, lambda i, c=concurrently: dashboard_refresh(concurrently=c),
                             refresh_runs)
            self._report(timing)

    def _client_dashboard(self, ids: list[int], naive_runs: int) -> None:
        self.out("\n== client dashboard (one client's figures) ==")
        for client_id in ids:
            cache.delete(client_cache_key(client_id))
        uncached = measure("dashboard uncached (view row)",
                           lambda i: client_dashboard_get(ids[i]), len(ids), self.out)
        cached = measure("dashboard cached (Redis)",
                         lambda i: client_dashboard_get(ids[i]), len(ids), self.out)
        naive = measure("dashboard naive (live aggregation)",
                        lambda i: client_metrics_live([ids[i]]), min(naive_runs, len(ids)),
                        self.out)
        self._report(uncached, cached, naive)
        self.out("uncached vs naive: " + ratio_line(naive, uncached))

    def _client_list(self, runs: int, naive_runs: int) -> None:
        self.out("\n== firm client list, 50 rows (mixed filters and sorts, first pages) ==")

        def fast(i: int) -> None:
            client_list_page(LIST_QUERIES[i % len(LIST_QUERIES)])

        listing = measure("client list (view join)", fast, runs, self.out)
        by_outstanding = measure(
            "client list by outstanding (view)",
            lambda i: list(client_list_queryset(ClientListQuery(sort="-outstanding"))[:50]),
            naive_runs, self.out)
        naive = measure("client list by outstanding (live agg.)",
                        lambda i: _naive_outstanding_page(), min(naive_runs, 20), self.out)
        self._report(listing, by_outstanding, naive)
        self.out("by outstanding, view vs live: " + ratio_line(naive, by_outstanding))

    def _list_pages(self, runs: int, naive_runs: int, rng: random.Random) -> None:
        """Any page of the list sorted each way: the first, the middle, the last and
        random ones, by keyset (page links) and by the OFFSET paginator with its COUNT
        (the naive way, same indexes)."""
        self.out("\n== client list at any page: keyset vs OFFSET paginator, 50 rows ==")
        everything_fast, everything_naive = [], []
        for sort, key in CLIENT_SORTS.items():
            query = ClientListQuery(sort=sort)
            ordered = list(client_list_queryset(query).values_list("id", key.field))
            size = len(ordered)
            pages = max(1, -(-size // CLIENT_LIST_PAGE_SIZE))

            def at(position: int, before: bool = False, sort=sort, ordered=ordered) -> Cursor:
                row_id, value = ordered[position]
                return Cursor(sort=sort, before=before, id=row_id, value=value)

            cursors = [None, at(size // 2), Cursor(sort=sort, before=True)] + [
                at(rng.randrange(size), before=rng.random() < 0.3) for _ in range(runs)]
            numbers = [1, pages // 2 or 1, pages] + [rng.randint(1, pages)
                                                    for _ in range(naive_runs)]
            fast = measure(f"{sort} keyset (first/mid/last/random)",
                           lambda i, q=query, c=cursors: client_list_page(
                               replace(q, cursor=c[i % len(c)])), runs)
            naive = measure(f"{sort} OFFSET + COUNT (naive)",
                            lambda i, q=query, n=numbers: _offset_page(q, n[i % len(n)]),
                            naive_runs)
            self._report(fast, naive)
            everything_fast += fast.samples_ms
            everything_naive += naive.samples_ms
        fast, naive = Timing("all sorts, keyset", everything_fast), \
            Timing("all sorts, OFFSET + COUNT (naive)", everything_naive)
        self._report(fast, naive)
        self.out("any page, keyset vs OFFSET: " + ratio_line(naive, fast))

    def _firm_dashboard(self, runs: int, naive_runs: int) -> None:
        self.out("\n== firm dashboard (totals and clients needing attention) ==")
        uncached = measure("firm dashboard uncached (view)",
                           lambda i: firm_dashboard_from_view(), min(runs, 100), self.out)
        naive = measure("firm dashboard naive (live agg.)", lambda i: firm_dashboard_live(),
                        min(naive_runs, 20), self.out)
        self._report(uncached, naive)
        self.out("uncached vs naive: " + ratio_line(naive, uncached))

    def _pages(self, firm: Firm, ids: list[int], rng: random.Random, runs: int) -> None:
        """Whole requests through middleware, permission check, view and template."""
        self.out("\n== full requests (Django test client, no network) ==")
        owner_id = Membership.objects.filter(firm=firm, role=Role.OWNER).values_list(
            "user_id", flat=True).first()
        if owner_id is None:
            raise CommandError(f"{firm.slug} has no owner to sign in as.")
        http = HttpClient(HTTP_HOST=firm_host(firm.slug))
        _sign_in_past_mfa(http, User.objects.get(pk=owner_id))
        sample = rng.sample(ids, min(runs, len(ids)))

        def get(path: str) -> None:
            response = http.get(path)
            if response.status_code != 200:
                raise CommandError(f"{path} answered {response.status_code}")
            reset_queries()

        get("/")
        with schema_context(firm.schema_name):
            cache.delete(FIRM_DASHBOARD_KEY)
            for client_id in sample:
                cache.delete(client_cache_key(client_id))
        with schema_context(firm.schema_name):
            query = ClientListQuery(sort="-activity")
            ordered = list(client_list_queryset(query).values_list(
                "id", "metrics__last_activity_at"))
        random_pages = [urlencode({"sort": "-activity", "cursor": cursor_encode(Cursor(
            sort="-activity", id=row_id, value=value))}) for row_id, value in
            rng.sample(ordered, min(runs, len(ordered)))]
        timings = [
            measure("GET /staff/clients/ (first page)",
                    lambda i: get("/staff/clients/"), runs, self.out),
            measure("GET /staff/clients/?sort=-activity, random page",
                    lambda i: get(f"/staff/clients/?{random_pages[i % len(random_pages)]}"),
                    runs, self.out),
            measure("GET /staff/clients/?sort=-outstanding",
                    lambda i: get("/staff/clients/?sort=-outstanding&status=active"), runs),
            measure("GET / (firm dashboard)", lambda i: get("/"), runs),
            measure("GET dashboard API, first read",
                    lambda i: get(f"/api/v1/clients/{sample[i]}/dashboard/"), len(sample)),
            measure("GET dashboard API, cached",
                    lambda i: get(f"/api/v1/clients/{sample[i]}/dashboard/"), len(sample)),
        ]
        connection.set_schema_to_public()
        self._report(*timings)


def _offset_page(query: ClientListQuery, number: int) -> list[dict]:
    """A page as the paginator gives it: COUNT(*) of the list, then OFFSET (n-1)*50."""
    page = Paginator(client_list_queryset(query), CLIENT_LIST_PAGE_SIZE).get_page(number)
    return list(page.object_list)


def _naive_outstanding_page() -> list[dict]:
    """The client list sorted by outstanding balance without the view: aggregate the
    invoices of every client, then sort (what the view saves)."""
    from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from apps.billing.models import Invoice

    owed = (Invoice.objects.filter(client_id=OuterRef("pk"), status__in=Invoice.OPEN_STATUSES)
            .values("client_id").annotate(total=Sum("balance")).values("total"))
    return list(Client.objects.alive()
                .annotate(owed=Coalesce(Subquery(owed), Value(0),
                                        output_field=DecimalField()))
                .order_by("-owed", "-id").values("id", "business_name", "owed")[:50])


def _sign_in_past_mfa(http: HttpClient, user: User) -> None:
    """Staff must pass two-step sign-in; the bench signs in as having done so with the
    owner's authenticator (made on first use), as tests/conftest.py's sign_in does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    http.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="Benchmark authenticator", confirmed=True)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])
