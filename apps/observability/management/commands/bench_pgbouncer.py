"""Direct connections against PgBouncer (session mode) at many concurrent clients.

Load comes from `pgbench` (shipped with the embedded server's binaries), so the load
generator is C, not Python threads. Every client runs the same small "request" in a loop:
set a firm's search path, read a page of clients and count them, as a page view would.
Scenarios, each `--seconds` long with `--clients` concurrent clients:

- direct, persistent: every client holds its own server connection (CONN_MAX_AGE > 0);
- direct, per request: every request opens and closes a server connection;
- PgBouncer, per request: clients connect to PgBouncer, which keeps `--pool` server
  connections and hands one to each session (the way to run many web processes).

Needs the embedded PostgreSQL (`ADVISOROS_DATA_DIR`) and Debian's `pgbouncer`.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from advisoros import embedded
from advisoros.embedded_pgbouncer import pgbouncer_binary, pgbouncer_start
from apps.firms.models import Firm


def _pgbench() -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / "pgbench")


def _request_script(schema: str) -> str:
    return (f'SET search_path TO "{schema}", public;\n'
            "SELECT id, business_name FROM portal_client ORDER BY id LIMIT 20;\n"
            "SELECT count(*) FROM portal_client;\n")


def _parse(output: str) -> dict:
    def number(pattern: str) -> float | None:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else None

    return {"tps": number(r"tps = ([\d.]+)"),
            "latency_ms": number(r"latency average = ([\d.]+) ms"),
            "done": number(r"number of transactions actually processed: (\d+)"),
            "failed": number(r"number of failed transactions: (\d+)")}


class Command(BaseCommand):
    help = "Compare direct PostgreSQL connections with PgBouncer at many clients."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=200)
        parser.add_argument("--seconds", type=int, default=10)
        parser.add_argument("--pool", type=int, default=20)
        parser.add_argument("--threads", type=int, default=2)

    def handle(self, *args, clients, seconds, pool, threads, **options):
        if pgbouncer_binary() is None:
            raise CommandError("pgbouncer is not installed (Debian package `pgbouncer`).")
        firm = Firm.objects.exclude(schema_name="public").order_by("id").first()
        if firm is None:
            raise CommandError("No firm to read from: run `manage.py seed_demo` first.")
        database = connection.settings_dict["NAME"]
        user = connection.settings_dict["USER"] or embedded.APP_ROLE
        primary = embedded._postgres_socket_dir(settings.DATA_DIR)
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_connections")
            max_connections = int(cursor.fetchone()[0])
        self.stdout.write(f"{clients} clients, {seconds} s each, firm schema "
                          f"{firm.schema_name}, server max_connections {max_connections}, "
                          f"PgBouncer pool {pool}")
        bouncer = pgbouncer_start(settings.DATA_DIR, name="bench-pgbouncer", port=6431,
                                  pool_size=pool, max_clients=clients * 2)
        try:
            with tempfile.TemporaryDirectory() as folder:
                script = Path(folder) / "request.sql"
                script.write_text(_request_script(firm.schema_name))
                script.chmod(0o644)
                Path(folder).chmod(0o755)
                runs = [("direct, persistent connections", primary, 5432, []),
                        ("direct, a connection per request", primary, 5432, ["-C"]),
                        ("PgBouncer session mode, a connection per request",
                         bouncer.socket_dir, bouncer.port, ["-C"])]
                self.stdout.write("| scenario | requests/s | mean latency ms | requests "
                                  "| failed / error |")
                self.stdout.write("|---|---|---|---|---|")
                for label, host, port, extra in runs:
                    result = subprocess.run(
                        [_pgbench(), "-n", "-h", str(host), "-p", str(port), "-U", user,
                         "-c", str(clients), "-j", str(threads), "-T", str(seconds),
                         *extra, "-f", str(script), database],
                        capture_output=True, text=True)
                    parsed = _parse(result.stdout)
                    error = "" if result.returncode == 0 else \
                        (result.stderr.strip().splitlines() or ["failed"])[-1][:120]
                    self.stdout.write(
                        f"| {label} | {parsed['tps'] or 0:.0f} | {parsed['latency_ms'] or 0:.1f}"
                        f" | {parsed['done'] or 0:.0f} | {parsed['failed'] or 0:.0f} "
                        f"{error} |")
        finally:
            bouncer.stop()
