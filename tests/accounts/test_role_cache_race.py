"""A revoked role is never cached past the commit that revoked it, whatever a concurrent
request was doing (issue 12, item 9). Real threads, each with its own database
connection, and committed rows: the reader reads the old membership, the writer commits
the change, and only then does the reader store what it read."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from apps.accounts import access
from apps.accounts.models import Membership
from apps.accounts.roles import Perm, Role
from apps.accounts.services import membership_create, membership_deactivate, user_create


@pytest.fixture
def committed_member(request, django_db_setup, django_db_blocker):
    """A manager of firm A whose rows are committed, so other connections see them."""
    with django_db_blocker.unblock():
        # A fresh connection: the one that built the test database may still carry the
        # search path of the last schema it migrated.
        connection.close()
        firm = request.getfixturevalue("_two_firms")[0].firm
        connection.set_schema_to_public()
        user = user_create(email="race@alpha-cpa.test", password=None, validate=False)
        membership = membership_create(user=user, firm=firm, role=Role.MANAGER)
    yield firm, user, membership
    with django_db_blocker.unblock():
        Membership.objects.filter(user=user).delete()
        user.delete()


def _slow_reader(monkeypatch, read_done: threading.Event, go_on: threading.Event):
    """Make the role's database read pause after reading, before the value is stored."""
    original = access._role_from_database

    def read_then_wait(user_id, firm_id):
        role = original(user_id, firm_id)
        read_done.set()
        assert go_on.wait(10)
        return role

    monkeypatch.setattr(access, "_role_from_database", read_then_wait)


def _in_thread(target, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = target()
        except Exception as exc:  # surfaced by the assertions below
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_reader_that_read_before_the_commit_cannot_cache_the_old_role(
        committed_member, monkeypatch, django_db_blocker):
    firm, user, membership = committed_member
    read_done, go_on, results = threading.Event(), threading.Event(), {}
    _slow_reader(monkeypatch, read_done, go_on)
    with django_db_blocker.unblock():
        reader = _in_thread(lambda: access.firm_role_get(user_id=user.pk, firm_id=firm.pk),
                            results, "reader")
        assert read_done.wait(10)
        # The owner deactivates the member and commits while the reader holds the old row.
        writer = _in_thread(lambda: membership_deactivate(membership=membership),
                            results, "writer")
        writer.join(10)
        go_on.set()  # now the reader stores what it read
        reader.join(10)
        monkeypatch.undo()

        assert results["reader"] == Role.MANAGER  # it did read the old role
        assert not isinstance(results["writer"], Exception), results["writer"]
        assert access.firm_role_get(user_id=user.pk, firm_id=firm.pk) is None
        assert not access.has_permission(user, firm, Perm.CLIENTS_VIEW)


def test_a_reader_between_the_writers_change_and_its_commit_cannot_cache_the_old_role(
        committed_member, monkeypatch, django_db_blocker):
    firm, user, membership = committed_member
    changed, may_commit, results = threading.Event(), threading.Event(), {}

    def write_and_hold_the_commit():
        with transaction.atomic():
            membership.is_active = False
            membership.save(update_fields=["is_active", "updated_at"])  # bumps the tag now
            changed.set()
            assert may_commit.wait(10)
        return "committed"  # and the tag is bumped again

    with django_db_blocker.unblock():
        writer = _in_thread(write_and_hold_the_commit, results, "writer")
        assert changed.wait(10)
        # Reads the new tag version and, the change being uncommitted, the old row.
        assert access.firm_role_get(user_id=user.pk, firm_id=firm.pk) == Role.MANAGER
        may_commit.set()
        writer.join(10)

        assert results["writer"] == "committed"
        assert access.firm_role_get(user_id=user.pk, firm_id=firm.pk) is None
