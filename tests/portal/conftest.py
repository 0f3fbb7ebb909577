"""Portal fixtures: tests run inside firm A's schema unless they switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection


@pytest.fixture
def in_firm_a(firm_a) -> Iterator:
    """Run the test body in firm A's schema (as a request or a task would)."""
    connection.set_tenant(firm_a.firm)
    yield firm_a
    connection.set_schema_to_public()


@pytest.fixture
def in_firm_b(firm_b) -> Iterator:
    connection.set_tenant(firm_b.firm)
    yield firm_b
    connection.set_schema_to_public()
