"""The template schema that new firms are cloned from.

Migrating a fresh schema runs every tenant migration (seconds, growing with the app);
cloning an up-to-date template copies tables and indexes in one SQL call and records the
migrations as applied. `template_schema_ensure` brings the template up to date before a
clone, so a deploy that adds a migration never hands new firms a stale schema.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import app_labels, schema_exists


def template_schema_name() -> str:
    return settings.TENANT_BASE_SCHEMA


@functools.cache
def _tenant_migrations_on_disk() -> frozenset[tuple[str, str]]:
    # Migration files do not change while a process runs; load the graph once.
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    tenant_labels = set(app_labels(settings.TENANT_APPS))
    return frozenset(key for key in loader.disk_migrations if key[0] in tenant_labels)


def _migrations_applied_in(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s)", [f'"{schema}".django_migrations']
        )
        if cursor.fetchone()[0] is None:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return {(app, name) for app, name in cursor.fetchall()}


def template_schema_is_current() -> bool:
    schema = template_schema_name()
    if not schema_exists(schema):
        return False
    return _tenant_migrations_on_disk() <= _migrations_applied_in(schema)


def template_schema_ensure(verbosity: int = 0) -> bool:
    """Create or migrate the template schema when needed; True when it did work.

    Migrating is the owner's job (advisoros/db_roles.py): the connection switches to the
    migration role for it, so this must run outside a transaction when there is work."""
    from advisoros.db_roles import migration_role

    if template_schema_is_current():
        return False
    schema = template_schema_name()
    with migration_role():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        call_command(
            "migrate_schemas",
            schema_name=schema,
            tenant=True,
            interactive=False,
            verbosity=verbosity,
        )
        connection.set_schema_to_public()
    return True


def schema_clone_from_template(schema_name: str) -> None:
    """Copy the (current) template into a new schema: tables, indexes, sequences, views,
    functions, and the rows of django_migrations and django_content_type, so the new
    schema needs no migration run at all.

    The copy is made by a function the migration role owns (SECURITY DEFINER, apps/audit/
    migrations/0004), in the caller's transaction: the new tables belong to the owner and
    the application's role gets only its grants, so it can never alter the firm's audit
    trail, while a failed firm creation still leaves nothing behind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.advisoros_firm_schema_clone(%s, %s)",
                       [template_schema_name(), schema_name])


def schema_drop(schema_name: str) -> None:
    """Drop the schema of a firm whose row was deleted (in this transaction), through the
    owner's function: the application's role owns no schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.advisoros_firm_schema_drop(%s)", [schema_name])
