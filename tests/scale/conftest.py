"""Firms of their own for the tests here that commit (a replica or PgBouncer only sees
committed rows), so what they leave behind (audit events cannot be deleted by the
application's role) never shows up in other tests' firms."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import FirmWorld, make_firm_world


@pytest.fixture(scope="session")
def committed_firms(django_db_setup, django_db_blocker) -> tuple[FirmWorld, FirmWorld]:
    with django_db_blocker.unblock():
        worlds = (make_firm_world("scale-alpha", "Scale Alpha CPA"),
                  make_firm_world("scale-beta", "Scale Beta Tax"))
        connection.set_schema_to_public()
    return worlds
