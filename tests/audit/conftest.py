"""Audit fixtures: firms whose rows are committed, and a connection as the database owner
(what an attacker with the migration role's password, or a DBA, could do)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.services import user_create
from apps.firms.models import Firm
from apps.firms.services import firm_create, firm_delete


@contextmanager
def owner_connection(schema: str) -> Iterator[psycopg.Connection]:
    """A separate connection as the owner of the audit tables, in `schema`."""
    with psycopg.connect(settings.DATABASE_MIGRATE_URL, dbname=connection.settings_dict["NAME"],
                         autocommit=True) as conn:
        conn.execute(f'SET search_path = "{schema}"')
        yield conn


@pytest.fixture
def committed_firm(django_db_setup, django_db_blocker) -> Iterator[Firm]:
    """A firm of its own whose writes commit (other connections see them); the test body
    runs with the database unblocked and outside any test transaction."""
    slug = f"audit-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        owner = user_create(email=f"owner@{slug}.test", password=None, validate=False)
        firm = firm_create(name="Audit Trail Test", slug=slug, owner=owner).firm
        connection.set_schema_to_public()
        try:
            yield firm
        finally:
            connection.set_schema_to_public()
            firm_delete(firm=firm)
            owner.delete()
