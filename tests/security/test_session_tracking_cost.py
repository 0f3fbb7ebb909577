"""A browser session's tracking row (the account page's session list) costs one statement
when it is written: an upsert, not a read, a lock and a write (issue 13)."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.security.middleware import LAST_SEEN
from apps.security.models import UserSession

pytestmark = pytest.mark.django_db


def _tracking_statements(captured) -> list[str]:
    """What the request spent on recording its session: writes and locking reads of the
    tracking table (the account page's own list of sessions and the prune of expired
    rows are not tracking)."""
    return [q["sql"] for q in captured.captured_queries
            if '"security_usersession"' in q["sql"]
            and (q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
                 or "FOR UPDATE" in q["sql"].upper())]


def _age_last_seen(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = time.time() - seconds
    session.save()


def test_the_first_request_of_a_session_records_it_in_one_statement(firm_a):
    client = firm_a.client(Role.MANAGER)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/accounts/security/").status_code == 200

    statements = _tracking_statements(captured)
    assert len(statements) == 1, statements
    assert "ON CONFLICT" in statements[0].upper()
    row = UserSession.objects.get(session_key=client.session.session_key)
    assert row.user_id == firm_a.users[Role.MANAGER].pk and row.firm_id == firm_a.firm.pk


def test_an_active_session_is_refreshed_in_one_statement_keeping_its_start(firm_a):
    client = firm_a.client(Role.MANAGER)
    client.get("/accounts/security/")
    first = UserSession.objects.get(session_key=client.session.session_key)
    _age_last_seen(client, 31)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/accounts/security/", REMOTE_ADDR="198.51.100.9").status_code == 200

    assert len(_tracking_statements(captured)) == 1
    refreshed = UserSession.objects.get(session_key=client.session.session_key)
    assert refreshed.pk == first.pk and refreshed.created_at == first.created_at
    assert refreshed.last_seen_at > first.last_seen_at
    assert refreshed.ip_address == "198.51.100.9"
    assert UserSession.objects.filter(user=firm_a.users[Role.MANAGER]).count() == 1


def test_a_request_within_half_a_minute_writes_no_tracking_row(firm_a):
    client = firm_a.client(Role.MANAGER)
    client.get("/accounts/security/")

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/accounts/security/").status_code == 200

    assert _tracking_statements(captured) == []
