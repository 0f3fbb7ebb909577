"""bench_ask finds its firm at the asked size, refuses another size, rebuilds on request."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.ask.benchmarking import bench_firm_passages, questions
from apps.firms.services import firm_delete

pytestmark = pytest.mark.django_db

SLUG = "bench-ask-test"


def _bench(*args: str) -> str:
    out = StringIO()
    call_command("bench_ask", "--slug", SLUG, "--build-only", *args, stdout=out)
    return out.getvalue()


def test_builds_then_reuses_then_refuses_another_size_then_rebuilds():
    with connection.cursor() as cursor:
        # Foreign keys checked as rows arrive: a firm's schema cannot be dropped (the
        # rebuild) while this test's transaction holds deferred checks on its tables.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        built = _bench("--chunks", "12")
        assert "built firm bench-ask-test with 12 passages" in built
        assert bench_firm_passages(SLUG)[1] == 12

        assert "found firm bench-ask-test with 12 passages: reusing it" in _bench(
            "--chunks", "12")

        with pytest.raises(CommandError, match="holds 12 passages, not 20; pass --rebuild"):
            _bench("--chunks", "20")
        assert bench_firm_passages(SLUG)[1] == 12  # nothing changed

        rebuilt = _bench("--chunks", "20", "--rebuild")
        assert "dropping firm bench-ask-test (12 passages)" in rebuilt
        assert bench_firm_passages(SLUG)[1] == 20
    finally:
        firm, _ = bench_firm_passages(SLUG)
        if firm is not None:
            firm_delete(firm=firm)
        connection.set_schema_to_public()


def test_questions_are_distinct():
    asked = questions(300)
    assert len(asked) == len(set(asked)) == 300
