"""The two database roles: the application's and the owner's (migrations, schema changes).

The application connects as a role that owns no table: it reads and writes through
grants, may not change or remove audit rows, and cannot switch triggers off (that needs
ownership). Migrations, creating the firm template and test database set-up connect as the
owner. Settings pick the role for a process (`db_role_for_command`); code that changes the
schema in a process otherwise running as the application switches with `migration_role()`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# Management commands that create or alter tables: they run as the owner.
MIGRATION_COMMANDS = frozenset({"migrate", "migrate_schemas", "create_tenant",
                                "clone_tenant", "delete_tenant", "flush",
                                "bench_migrate_firms"})
_ROLE_FIELDS = ("USER", "PASSWORD", "HOST", "PORT")


def db_role_for_command(argv: Sequence[str]) -> str:
    """`migrate` for `manage.py <a schema-changing command>`, `app` for everything else."""
    if len(argv) >= 2 and Path(argv[0]).name in {"manage.py", "django-admin"} \
            and argv[1] in MIGRATION_COMMANDS:
        return "migrate"
    return "app"


def _role_settings(role: str) -> dict:
    import dj_database_url
    from django.conf import settings

    url = settings.DATABASE_MIGRATE_URL if role == "migrate" else settings.DATABASE_URL
    parsed = dj_database_url.parse(url)
    return {key: parsed.get(key, "") for key in _ROLE_FIELDS}


def app_role_name() -> str:
    """The application's database role (DATABASE_URL's user), whom migrations grant to."""
    return _role_settings("app")["USER"] or ""


def roles_are_separate() -> bool:
    return _role_settings("app") != _role_settings("migrate")


def connection_role(alias: str = "default") -> str:
    from django.db import connections

    current = {key: connections[alias].settings_dict.get(key, "") for key in _ROLE_FIELDS}
    return "migrate" if current == _role_settings("migrate") else "app"


def connection_use_role(role: str, alias: str = "default") -> None:
    """Reconnect `alias` as `role` (keeping its database name, so test databases stay)."""
    from django.db import connections

    connection = connections[alias]
    wanted = _role_settings(role)
    if all(connection.settings_dict.get(key, "") == value for key, value in wanted.items()):
        return
    if connection.in_atomic_block:
        raise RuntimeError("cannot switch database roles inside a transaction")
    connection.close()
    connection.settings_dict.update(wanted)


@contextmanager
def migration_role(alias: str = "default") -> Iterator[None]:
    """Run the block connected as the owner, then go back to the role used before."""
    previous = connection_role(alias)
    connection_use_role("migrate", alias)
    try:
        yield
    finally:
        connection_use_role(previous, alias)
