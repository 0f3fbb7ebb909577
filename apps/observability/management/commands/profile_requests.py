"""Where a request's time goes: serve one path N times in-process under pyinstrument.

    manage.py profile_requests --path /portal/1/ --firm scale-big --as-client \\
        --requests 500 --name client_dashboard

Writes docs/profiles/<name>.txt (the call tree; --html adds the interactive page)
in the same folder. Runs Django's WSGI handler
directly (no network, no gunicorn), so the profile shows the application's own time.
"""

from __future__ import annotations

import json
import time
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError

from apps.observability.harness.fixtures import load_fixtures
from apps.observability.harness.identities import keys_file
from apps.observability.harness.stack import ROOT


class Command(BaseCommand):
    help = "Profile N requests to one path with pyinstrument; writes docs/profiles/<name>.*"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", required=True)
        parser.add_argument("--firm", default="", help="Firm slug; empty for the public site.")
        parser.add_argument("--as-client", action="store_true",
                            help="Signed in as a load-test client user of the firm.")
        parser.add_argument("--requests", type=int, default=500)
        parser.add_argument("--name", required=True)
        parser.add_argument("--method", default="GET", choices=["GET", "POST"])
        parser.add_argument("--json", dest="json_body", default="",
                            help="JSON body for POST ({client_id} is replaced too).")
        parser.add_argument("--api-key", action="store_true",
                            help="Authenticated as the first load-test integrator's API key "
                                 "(made by bench_all for the seed 004 mix).")
        parser.add_argument("--html", action="store_true",
                            help="Also write the interactive HTML (large; not committed).")

    def handle(self, *args, path: str, firm: str, as_client: bool, requests: int, name: str,
               html: bool, method: str, json_body: str, api_key: bool, **options) -> None:
        from pyinstrument import Profiler

        if not path.startswith("/") or "\x00" in path or requests < 1:
            raise CommandError("--path must start with / and --requests be at least 1.")
        host = f"{firm}.{settings.BASE_DOMAIN}" if firm else settings.BASE_DOMAIN
        cookie = ""
        if as_client:
            sessions = load_fixtures(settings.BASE_DOMAIN, self.stdout.write)["client_sessions"]
            if not sessions:
                raise CommandError("No load-test client users: run the seed first.")
            cookie = f"sessionid={sessions[0]['session']}"
            path = path.replace("{client_id}", str(sessions[0]["client_id"]))
        authorization = ""
        if api_key:
            keys = keys_file()
            if not keys.exists():
                raise CommandError("No load-test API keys: run bench_all --only seed004_mix.")
            authorization = f"Api-Key {next(iter(json.loads(keys.read_text()).values()))}"
        body = json_body.encode()
        handler = WSGIHandler()
        environ = {"REQUEST_METHOD": method, "CONTENT_TYPE": "application/json",
                   "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": authorization,
                   "PATH_INFO": path.split("?")[0],
                   "QUERY_STRING": path.partition("?")[2], "SERVER_NAME": host,
                   "SERVER_PORT": "80", "HTTP_HOST": host, "wsgi.url_scheme": "http",
                   "REMOTE_ADDR": "127.0.0.1", "HTTP_COOKIE": cookie}

        def serve() -> int:
            status = []
            response = handler({**environ, "wsgi.input": BytesIO(body)},
                               lambda s, h: status.append(s))
            b"".join(response)
            response.close()
            return int(status[0].split()[0])

        first = serve()
        if first >= 400:
            raise CommandError(f"{path} on {host} answered {first}; nothing to profile.")
        for _ in range(20):  # warm caches and connections
            serve()
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for i in range(requests):
            serve()
            if (i + 1) % max(1, requests // 5) == 0:
                self.stdout.write(f"  {i + 1}/{requests}")
        profiler.stop()
        per_request = (time.perf_counter() - started) * 1000 / requests
        out = ROOT / "docs" / "profiles"
        out.mkdir(parents=True, exist_ok=True)
        header = (f"{requests} x {method} {path} on {host}, in-process WSGI, "
                  f"{per_request:.2f} ms per request under the profiler\n\n")
        Path(out / f"{name}.txt").write_text(
            header + profiler.output_text(unicode=True, color=False, show_all=False))
        if html:
            Path(out / f"{name}.html").write_text(profiler.output_html())
        self.stdout.write(f"{per_request:.2f} ms per request; wrote {out / name}.txt")
