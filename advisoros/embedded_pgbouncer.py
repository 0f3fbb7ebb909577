"""PgBouncer in front of the embedded PostgreSQL (Debian's `pgbouncer` package).

Session mode only: AdvisorOS keeps each firm's search path on its database connection
(django-tenants), so a client must keep one server connection for its whole session, and
`server_reset_query = DISCARD ALL` wipes the search path before the server connection
serves the next client. Transaction mode is refused at start-up (advisoros/settings.py,
DATABASE_POOL_MODE). Used by the pooling tests, `bench_pgbouncer` and the multi-node run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from advisoros import embedded

SYSTEM_USER = "pgserver"  # PgBouncer, like PostgreSQL, refuses to run as root


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (str(p) for p in (Path("/usr/sbin/pgbouncer"), Path("/usr/bin/pgbouncer"))
         if p.exists()), None)


@dataclass(frozen=True)
class EmbeddedPgBouncer:
    folder: Path
    port: int
    process: subprocess.Popen

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def url(self, *, database: str, user: str) -> str:
        return f"postgresql://{user}@/{database}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "safe shutdown" after SIGINT: prompt
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def pgbouncer_start(data_dir: Path, *, name: str = "pgbouncer", port: int = 6432,
                    pool_size: int = 20, max_clients: int = 1000) -> EmbeddedPgBouncer:
    binary = pgbouncer_binary()
    if binary is None:
        raise FileNotFoundError("pgbouncer is not installed (Debian package `pgbouncer`)")
    primary_socket = embedded._postgres_socket_dir(data_dir)
    folder = data_dir / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    users = ["postgres", embedded.OWNER_ROLE, embedded.APP_ROLE]
    (folder / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    (folder / "pgbouncer.ini").write_text(f"""[databases]
* = host={primary_socket} port=5432

[pgbouncer]
listen_addr =
listen_port = {port}
unix_socket_dir = {folder}
auth_type = trust
auth_file = {folder / 'users.txt'}
pool_mode = session
server_reset_query = DISCARD ALL
default_pool_size = {pool_size}
max_client_conn = {max_clients}
max_db_connections = {pool_size}
ignore_startup_parameters = extra_float_digits,options
logfile = {folder / 'pgbouncer.log'}
pidfile = {folder / 'pgbouncer.pid'}
admin_users = postgres
""")
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(folder, SYSTEM_USER, SYSTEM_USER)
        for child in folder.iterdir():
            shutil.chown(child, SYSTEM_USER, SYSTEM_USER)
        command[1:1] = ["-u", SYSTEM_USER]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bouncer = EmbeddedPgBouncer(folder=folder, port=port, process=process)
    socket = folder / f".s.PGSQL.{port}"
    deadline = time.monotonic() + 15
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            log = (folder / "pgbouncer.log")
            detail = log.read_text()[-2000:] if log.exists() else ""
            bouncer.stop()
            raise RuntimeError(f"pgbouncer did not start: {detail}")
        time.sleep(0.05)
    return bouncer
