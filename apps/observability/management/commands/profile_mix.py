"""Where the seed 004 mix's web CPU goes, route by route, in-process.

    DEBUG=false ADVISOROS_DB_NAME=advisoros_bench REDIS_DB_BASE=8 \\
        .venv/bin/python manage.py profile_mix --requests 200 --suffix before

Needs the bench database of `make bench BENCH_ARGS="--only seed004_mix --size mix"` (its
5,000-client firm, load-test API keys, staff and client users). Each of the mix's six
routes is served through Django's WSGI handler (the real middleware list, no network),
each request with the next identity of the mix (API keys, staff browser sessions, client
portal users) and the next client, as the load generator does. Per route it measures,
without the profiler: CPU milliseconds of this process per request (the web worker's
share of the stack), SQL queries and Redis round trips per request; then it serves the
same number again under pyinstrument and writes docs/profiles/mix_<route>_<suffix>.txt.
The table goes to stdout and docs/profiles/mix_summary_<suffix>.md.
"""

from __future__ import annotations

import cProfile
import io
import itertools
import pstats
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.observability.harness.roundtrips import redis_round_trips
from apps.observability.harness.stack import ROOT

CSRF_TOKEN = "loadtestcsrf" + "0" * 20  # the load generator's (loadtest/locustfile.py)


@dataclass
class Measured:
    route: str
    cpu_ms: float
    wall_ms: float
    queries: float
    redis_round_trips: float
    statuses: str


class _QueryCounter:
    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


def _multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                 f'filename="{file_name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _receipt() -> tuple[str, bytes]:
    number = random.randint(1, 10**9)
    return f"receipt-{number}.csv", (
        f"vendor,date,description,total\nOffice Supply Co,2026-03-{number % 28 + 1:02d},"
        f"Receipt {number},{number % 9999}.00\n").encode()


def _invoice_body(client_id: int) -> bytes:
    import json

    number = random.randint(1, 10**6)
    return json.dumps({
        "client": client_id, "payment_terms": "net_30", "notes": f"Load test {number}",
        "lines": [{"description": "Monthly bookkeeping", "quantity": "1",
                   "unit_price": f"{200 + number % 800}.00", "tax_rate": "0.0825"},
                  {"description": "Payroll runs", "quantity": str(1 + number % 4),
                   "unit_price": "45.00"}]}).encode()


class Command(BaseCommand):
    help = "Profile each route of the seed 004 mix in-process; CPU, queries, Redis per request."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--suffix", default="now")
        parser.add_argument("--routes", default="", help="Comma-separated subset of names.")
        parser.add_argument("--no-profile", action="store_true",
                            help="Measure only (no pyinstrument pass).")

    def handle(self, *args, requests: int, suffix: str, routes: str, no_profile: bool,
               **options) -> None:
        from django_tenants.utils import schema_context

        from apps.documents.models import Document
        from apps.firms.models import Firm
        from apps.observability.harness.fixtures import load_fixtures
        from apps.observability.harness.identities import mix_identities

        if settings.DEBUG:
            raise CommandError("Run with DEBUG=false: production settings are measured.")
        if requests < 1 or not suffix.replace("-", "").replace("_", "").isalnum():
            raise CommandError("--requests must be at least 1; --suffix letters and digits.")
        fixtures = load_fixtures(settings.BASE_DOMAIN, lambda line: None)
        host = fixtures.get("firm_host")
        if not host:
            raise CommandError("No bench firm: run make bench BENCH_ARGS=\"--only seed004_mix "
                               "--size mix\" first.")
        mix = mix_identities(Firm.objects.get(slug=host.split(".", 1)[0]), lambda line: None)
        from apps.observability.management.commands.bench_all import _upload_path

        upload_path = _upload_path()
        if upload_path is None:
            raise CommandError("No portal upload route found.")
        keys = itertools.cycle(mix["mix_api_keys"])
        staff = itertools.cycle(mix["mix_staff_sessions"])
        client_users = itertools.cycle(mix["mix_client_sessions"])
        client_ids = itertools.cycle(random.Random(13).sample(mix["mix_client_ids"],
                                                               len(mix["mix_client_ids"])))
        base = {"SERVER_NAME": host, "SERVER_PORT": "80", "HTTP_HOST": host,
                "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
                "HTTP_ACCEPT_ENCODING": "gzip", "QUERY_STRING": ""}

        def api(method: str, path: str, body: bytes = b"", content_type: str = "") -> dict:
            return {**base, "REQUEST_METHOD": method, "PATH_INFO": path,
                    "HTTP_AUTHORIZATION": f"Api-Key {next(keys)}", "CONTENT_TYPE": content_type,
                    "CONTENT_LENGTH": str(len(body)), "wsgi.input": BytesIO(body)}

        def browser(session: str, method: str, path: str, body: bytes = b"",
                    content_type: str = "") -> dict:
            return {**base, "REQUEST_METHOD": method, "PATH_INFO": path,
                    "HTTP_COOKIE": f"sessionid={session}; csrftoken={CSRF_TOKEN}",
                    "HTTP_X_CSRFTOKEN": CSRF_TOKEN, "CONTENT_TYPE": content_type,
                    "CONTENT_LENGTH": str(len(body)), "wsgi.input": BytesIO(body)}

        def api_upload() -> dict:
            name, content = _receipt()
            body, kind = _multipart({"client": str(next(client_ids)), "category": "receipt"},
                                    name, content)
            return api("POST", "/api/v1/documents/", body, kind)

        def portal_upload() -> dict:
            user = next(client_users)
            name, content = _receipt()
            body, kind = _multipart({"category": "receipt"}, name, content)
            return browser(user["session"], "POST",
                           upload_path.replace("{client_id}", str(user["client_id"])),
                           body, kind)

        def portal_page() -> dict:
            user = next(client_users)
            return browser(user["session"], "GET", f"/portal/{user['client_id']}/")

        builders: dict[str, Callable[[], dict]] = {
            "api_dashboard": lambda: api(
                "GET", f"/api/v1/clients/{next(client_ids)}/dashboard/"),
            "portal_dashboard": portal_page,
            "invoice_create": lambda: api(
                "POST", "/api/v1/billing/invoices/", _invoice_body(next(client_ids)),
                "application/json"),
            "api_upload": api_upload,
            "portal_upload": portal_upload,
            "audit_events": lambda: browser(next(staff), "GET",
                                            "/api/v1/audit-events/"),
        }
        chosen = [name.strip() for name in routes.split(",") if name.strip()] or list(builders)
        unknown = set(chosen) - set(builders)
        if unknown:
            raise CommandError(f"Unknown routes {sorted(unknown)}; known: {list(builders)}")
        handler = WSGIHandler()
        firm = Firm.objects.get(slug=host.split(".", 1)[0])
        with schema_context(firm.schema_name):
            first_new = (Document.objects.order_by("-pk").values_list("pk", flat=True)
                         .first() or 0) + 1
        try:
            results = [self._route(handler, name, builders[name], requests, suffix,
                                   no_profile) for name in chosen]
        finally:
            # The uploads made here are not part of any later run: removed, so the next
            # bench does not wait for (or process) them; their queued tasks find nothing.
            with schema_context(firm.schema_name):
                removed, _ = Document.objects.filter(pk__gte=first_new).delete()
            self.stdout.write(f"removed the documents uploaded by this run ({removed} rows)")
        self._write_summary(results, requests, suffix)

    def _route(self, handler, name: str, build: Callable[[], dict], requests: int,
               suffix: str, no_profile: bool) -> Measured:
        statuses: dict[int, int] = {}

        def serve() -> None:
            status: list[str] = []
            response = handler(build(), lambda s, h: status.append(s))
            b"".join(response)
            response.close()
            code = int(status[0].split()[0])
            statuses[code] = statuses.get(code, 0) + 1

        for _ in range(max(20, requests // 4)):  # warm connections, caches, imports
            serve()
        bad = {code: n for code, n in statuses.items() if code >= 400}
        if bad:
            raise CommandError(f"{name} answered {bad} while warming; nothing to profile.")
        statuses.clear()
        queries = _QueryCounter()
        with redis_round_trips() as redis, connection.execute_wrapper(queries):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(requests):
                serve()
            cpu1, wall1 = time.process_time(), time.perf_counter()
        measured = Measured(
            route=name, cpu_ms=(cpu1 - cpu0) * 1000 / requests,
            wall_ms=(wall1 - wall0) * 1000 / requests,
            queries=queries.queries / requests, redis_round_trips=redis.count / requests,
            statuses=", ".join(f"{n} x {code}" for code, n in sorted(statuses.items())))
        self.stdout.write(f"{name}: {measured.cpu_ms:.2f} ms CPU, {measured.queries:.2f} "
                          f"queries, {measured.redis_round_trips:.2f} Redis round trips per "
                          f"request ({measured.statuses})")
        if not no_profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(requests):
                serve()
            profiler.stop()
            out = ROOT / "docs" / "profiles"
            out.mkdir(parents=True, exist_ok=True)
            header = (f"{requests} x {name} (seed 004 mix route), in-process WSGI, DEBUG off; "
                      f"without the profiler {measured.cpu_ms:.2f} ms CPU, "
                      f"{measured.queries:.2f} queries and {measured.redis_round_trips:.2f} "
                      "Redis round trips per request\n\n")
            Path(out / f"mix_{name}_{suffix}.txt").write_text(
                header + profiler.output_text(unicode=True, color=False, show_all=False))
            # pyinstrument samples wall time, which a loaded machine inflates with waiting;
            # cProfile on the process's CPU clock says where the CPU itself goes.
            cpu_profile = cProfile.Profile(time.process_time)
            cpu_profile.enable()
            for _ in range(requests):
                serve()
            cpu_profile.disable()
            text = io.StringIO()
            stats = pstats.Stats(cpu_profile, stream=text)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
            Path(out / f"mix_{name}_{suffix}_cpu.txt").write_text(
                header.replace("pyinstrument", "cProfile") + "CPU clock (time.process_time)"
                "; cProfile's own overhead inflates call-heavy code.\n" + text.getvalue()
                .replace(str(ROOT) + "/", "").replace(str(Path(sys.executable).parents[1]), ""))
        return measured

    def _write_summary(self, results: list[Measured], requests: int, suffix: str) -> None:
        import os

        lines = [f"In-process, {requests} requests per route, load average "
                 f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end "
                 f"(`manage.py profile_mix --suffix {suffix}`).", "",
                 "| route | web CPU ms/request | wall ms/request | queries/request | "
                 "Redis round trips/request | answers |",
                 "|---|---|---|---|---|---|"]
        lines += [f"| {m.route} | {m.cpu_ms:.2f} | {m.wall_ms:.2f} | {m.queries:.2f} | "
                  f"{m.redis_round_trips:.2f} | {m.statuses} |" for m in results]
        out = ROOT / "docs" / "profiles" / f"mix_summary_{suffix}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(lines) + "\n")
        self.stdout.write("\n".join(lines))
