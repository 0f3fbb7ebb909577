"""A real streaming replica of the embedded PostgreSQL, from the server's own binaries.

`pg_basebackup -R` copies the running primary and writes the standby settings; the copy
starts as a hot standby that streams WAL from the primary over its Unix socket. Used by
the read-replica tests and the multi-node run; in production replicas are ordinary
PostgreSQL streaming replicas set up by the operator (docs/scaling.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

from advisoros import embedded

# Like the embedded primary (pgserver), a process running as root hands the server to an
# unprivileged system user: PostgreSQL refuses to run as root.
SYSTEM_USER = "pgserver"


def _as_server_user() -> dict:
    return {"user": SYSTEM_USER} if os.geteuid() == 0 else {}


def _pg(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    from pgserver._commands import POSTGRES_BIN_PATH

    # Output goes to files, not pipes: pg_ctl's server inherits them and would hold a pipe
    # open forever.
    with open(os.devnull, "w") as sink:
        return subprocess.run([str(POSTGRES_BIN_PATH / name), *args], check=check,
                              stdout=sink, stderr=sink, **_as_server_user())


@dataclass(frozen=True)
class EmbeddedReplica:
    pgdata: Path
    port: int

    @property
    def socket_dir(self) -> Path:
        return self.pgdata

    def url(self, *, database: str, user: str) -> str:
        return f"postgresql://{user}@/{database}?host={self.socket_dir}&port={self.port}"

    def superuser_connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user="postgres",
                               dbname=database, autocommit=True)

    def pause_replay(self) -> None:
        with self.superuser_connect() as conn:
            conn.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        with self.superuser_connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return _pg("pg_ctl", "status", "-D", str(self.pgdata), check=False).returncode == 0

    def start(self) -> None:
        options = (f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' "
                   "-c hot_standby=on -c shared_buffers=32MB")
        _pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.pgdata), "-o", options,
            "-l", str(self.pgdata / "replica.log"))

    def stop(self, *, mode: str = "fast") -> None:
        if self.is_running():
            _pg("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.pgdata))

    def remove(self) -> None:
        self.stop(mode="immediate")
        shutil.rmtree(self.pgdata, ignore_errors=True)


def replica_create(data_dir: Path, *, name: str = "replica-1", port: int = 5433
                   ) -> EmbeddedReplica:
    """Copy the running embedded primary into `data_dir/name` and start it as a hot
    standby streaming from the primary. An existing copy of that name is replaced."""
    primary_socket = embedded._postgres_socket_dir(data_dir)
    replica = EmbeddedReplica(pgdata=data_dir / name, port=port)
    replica.remove()
    replica.pgdata.mkdir(parents=True, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(replica.pgdata, SYSTEM_USER, SYSTEM_USER)
    _pg("pg_basebackup", "-h", str(primary_socket), "-U", "postgres", "-D", str(replica.pgdata),
        "-R", "-X", "stream", "-c", "fast")
    # The copy carries the primary's postmaster files; the standby writes its own.
    for leftover in ("postmaster.pid", "postmaster.opts"):
        (replica.pgdata / leftover).unlink(missing_ok=True)
    replica.start()
    return replica


def replica_caught_up(replica: EmbeddedReplica, primary_socket: Path) -> bool:
    """True once the replica has replayed everything the primary has written so far."""
    with psycopg.connect(host=str(primary_socket), user="postgres", dbname="postgres",
                         autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    with replica.superuser_connect() as conn:
        return bool(conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                 [target]).fetchone()[0])
