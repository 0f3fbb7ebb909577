"""The portal's cached reads: warm pages touch no database, and every kind of change
(saves, deletes, queryset updates noted by services, access changes) shows on the very
next page load."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.documents.models import Document
from apps.portal.dashboard import dashboard_note_client_change
from apps.portal.models import ClientAccess
from tests.portal.factories import give_access, make_client, make_document, make_invoice, make_task

pytestmark = pytest.mark.django_db

READ_PAGES = ["", "tasks/", "invoices/"]


@pytest.fixture
def mine(in_firm_a):
    client = make_client(business_name="Mine LLC")
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    make_task(client, title="Send the bank statements")
    make_invoice(client, number="INV-MINE-1")
    make_document(client, file_name="receipts.pdf")
    connection.set_schema_to_public()
    return client


def _page(http, client, page: str = "") -> str:
    response = http.get(f"/portal/{client.pk}/{page}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("page", READ_PAGES)
def test_a_warm_read_page_reads_no_table(firm_a, mine, page):
    http = firm_a.client(Role.CLIENT_OWNER)
    _page(http, mine, page)

    with CaptureQueriesContext(connection) as captured:
        _page(http, mine, page)

    # The user (with their confirmed MFA devices), their access, the lists and the
    # figures all come from the cache.
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in captured
              if " FROM " in q["sql"]]
    assert tables == []


def test_saves_and_deletes_show_on_the_next_load(firm_a, mine):
    http = firm_a.client(Role.CLIENT_OWNER)
    assert "Send the bank statements" in _page(http, mine, "tasks/")

    connection.set_tenant(firm_a.firm)
    task = mine.tasks.get()
    task.title = "Send the signed engagement letter"
    task.save()
    make_invoice(mine, number="INV-MINE-2")
    connection.set_schema_to_public()

    assert "Send the signed engagement letter" in _page(http, mine, "tasks/")
    assert "INV-MINE-2" in _page(http, mine, "invoices/")

    connection.set_tenant(firm_a.firm)
    mine.tasks.all().delete()
    connection.set_schema_to_public()
    assert "Send the signed engagement letter" not in _page(http, mine, "tasks/")


def test_a_queryset_update_noted_by_its_service_shows_on_the_next_load(firm_a, mine):
    http = firm_a.client(Role.CLIENT_OWNER)
    assert "receipts.pdf" in _page(http, mine)

    # The document pipeline writes with update() (no signal) and notes the change.
    connection.set_tenant(firm_a.firm)
    Document.objects.filter(client=mine).update(file_name="receipts-march.pdf")
    connection.set_schema_to_public()
    assert "receipts-march.pdf" not in _page(http, mine)  # unnoted: still the cached rows

    connection.set_tenant(firm_a.firm)
    dashboard_note_client_change(mine.pk)
    connection.set_schema_to_public()
    assert "receipts-march.pdf" in _page(http, mine)


def test_losing_access_is_a_404_on_the_next_request(firm_a, mine):
    http = firm_a.client(Role.CLIENT_OWNER)
    _page(http, mine)

    connection.set_tenant(firm_a.firm)
    ClientAccess.objects.filter(client=mine).delete()
    connection.set_schema_to_public()

    assert http.get(f"/portal/{mine.pk}/").status_code == 404


def test_a_deleted_or_renamed_client_leaves_the_switcher_at_once(firm_a, mine):
    http = firm_a.client(Role.CLIENT_OWNER)
    connection.set_tenant(firm_a.firm)
    other = make_client(business_name="Second Venture")
    give_access(firm_a.user(Role.CLIENT_OWNER), other)
    connection.set_schema_to_public()
    assert "Second Venture" in _page(http, mine)

    connection.set_tenant(firm_a.firm)
    other.business_name = "Renamed Venture"
    other.save()
    connection.set_schema_to_public()
    assert "Renamed Venture" in _page(http, mine)

    connection.set_tenant(firm_a.firm)
    other.deleted_at = timezone.now()
    other.save()
    connection.set_schema_to_public()
    assert "Renamed Venture" not in _page(http, mine)
    assert http.get(f"/portal/{other.pk}/").status_code == 404


def test_clients_share_nothing_in_the_cache(firm_a, mine):
    connection.set_tenant(firm_a.firm)
    theirs = make_client(business_name="Theirs Inc")
    make_task(theirs, title="Their private task")
    give_access(firm_a.user(Role.CLIENT_MEMBER), theirs)
    connection.set_schema_to_public()
    http = firm_a.client(Role.CLIENT_OWNER)

    assert "Their private task" not in _page(http, mine, "tasks/")


def test_later_pages_are_rendered_live(firm_a, mine):
    http = firm_a.client(Role.CLIENT_OWNER)
    connection.set_tenant(firm_a.firm)
    for index in range(60):
        make_task(mine, title=f"Bulk task {index:02d}")
    connection.set_schema_to_public()
    _page(http, mine, "tasks/?page=2")

    with CaptureQueriesContext(connection) as captured:
        second = _page(http, mine, "tasks/?page=2")

    assert "Page 2 of 2" in second
    assert any("portal_task" in q["sql"] for q in captured)


def test_a_warm_page_is_served_whole_with_a_fresh_valid_csrf_token(firm_a, mine):
    import re

    from django.test import Client as HttpClient

    from tests.conftest import sign_in

    http = sign_in(HttpClient(HTTP_HOST=firm_a.host, enforce_csrf_checks=True),
                   firm_a.user(Role.CLIENT_OWNER))
    first = _page(http, mine, "tasks/")
    second = _page(http, mine, "tasks/")
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
              for page in (first, second)]

    assert "csrf-token-set-per-response" not in second
    assert tokens[0] != tokens[1]  # masked afresh on every answer
    assert first.replace(tokens[0], "") == second.replace(tokens[1], "")
    # The token in the stored page works: signing out is accepted, not refused (403).
    assert http.post("/accounts/sign-out/", {"csrfmiddlewaretoken": tokens[1]}).status_code \
        == 302


def test_each_user_gets_their_own_header(firm_a, mine):
    connection.set_tenant(firm_a.firm)
    give_access(firm_a.user(Role.CLIENT_MEMBER), mine)
    connection.set_schema_to_public()
    for role, name in ((Role.CLIENT_OWNER, "Olivia Owner"), (Role.CLIENT_MEMBER, "Max Member")):
        user = firm_a.user(role)
        user.full_name = name
        user.save()
    owner, member = firm_a.client(Role.CLIENT_OWNER), firm_a.client(Role.CLIENT_MEMBER)
    for http in (owner, member, owner, member):
        _page(http, mine)

    owner_name = firm_a.user(Role.CLIENT_OWNER).get_short_name()
    member_name = firm_a.user(Role.CLIENT_MEMBER).get_short_name()
    assert owner_name in _page(owner, mine) and member_name not in _page(owner, mine)
    assert member_name in _page(member, mine) and owner_name not in _page(member, mine)

    user = firm_a.user(Role.CLIENT_OWNER)
    user.full_name = "Renamed Owner"
    user.save()
    assert "Renamed" in _page(owner, mine)


def test_a_waiting_message_is_shown_not_a_stored_page(firm_a, mine):
    from tests.conftest import PASSWORD

    http = firm_a.client(Role.CLIENT_OWNER)
    _page(http, mine, "tasks/")
    _page(http, mine, "tasks/")
    # A password change leaves a message for the next page and changes nothing the page
    # is keyed on: without the check, the stored page would be served and hide it.
    new = "another-long-passphrase-91"
    changed = http.post("/accounts/security/password/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert changed.status_code == 302

    assert "Your password is changed" in _page(http, mine, "tasks/")
    assert "Your password is changed" not in _page(http, mine, "tasks/")  # shown once


def test_a_document_change_leaves_the_invoice_and_task_pages_cached(firm_a, mine):
    http = firm_a.client(Role.CLIENT_OWNER)
    for page in READ_PAGES:
        _page(http, mine, page)

    connection.set_tenant(firm_a.firm)
    make_document(mine, file_name="new-upload.pdf")
    connection.set_schema_to_public()

    assert "new-upload.pdf" in _page(http, mine)
    for page in ("tasks/", "invoices/"):
        with CaptureQueriesContext(connection) as captured:
            _page(http, mine, page)
        assert not any("portal_" in q["sql"] or "billing_" in q["sql"] for q in captured)
    # ...and an invoice change reaches the invoices page and the dashboard at once.
    connection.set_tenant(firm_a.firm)
    make_invoice(mine, number="INV-MINE-9")
    connection.set_schema_to_public()
    assert "INV-MINE-9" in _page(http, mine, "invoices/")


def test_moving_rows_to_another_owner_stales_the_old_owners_caches(firm_a, mine):
    owner, member = firm_a.client(Role.CLIENT_OWNER), firm_a.client(Role.CLIENT_MEMBER)
    connection.set_tenant(firm_a.firm)
    other = make_client(business_name="Other Books LLC")
    give_access(firm_a.user(Role.CLIENT_MEMBER), other)
    connection.set_schema_to_public()
    assert "receipts.pdf" in _page(owner, mine)
    _page(member, other)

    # The admin may move a document to another client, and an access row to another user.
    connection.set_tenant(firm_a.firm)
    document = Document.objects.get(client=mine)
    document.client = other
    document.save()
    access = ClientAccess.objects.get(client=mine, user=firm_a.user(Role.CLIENT_OWNER))
    access.user = firm_a.user(Role.CLIENT_MEMBER)
    access.save()
    connection.set_schema_to_public()

    assert owner.get(f"/portal/{mine.pk}/").status_code == 404
    assert "receipts.pdf" in _page(member, other)
    assert "receipts.pdf" not in _page(member, mine)


def test_content_that_spells_the_csrf_placeholder_is_left_alone(firm_a, mine):
    from apps.portal.page_cache import CSRF_PLACEHOLDER

    connection.set_tenant(firm_a.firm)
    make_task(mine, title=CSRF_PLACEHOLDER)
    connection.set_schema_to_public()
    http = firm_a.client(Role.CLIENT_OWNER)
    _page(http, mine, "tasks/")

    assert f"<td>{CSRF_PLACEHOLDER}</td>" in _page(http, mine, "tasks/")


@pytest.mark.parametrize("page", READ_PAGES)
def test_a_stored_page_is_exactly_the_page_rendered_live(firm_a, mine, page):
    """The stored page is rendered from its key's values only (no request, no context
    processors); had a view or template used anything else, the two would differ."""
    import re

    http = firm_a.client(Role.CLIENT_OWNER)
    stored = _page(http, mine, page)
    assert _page(http, mine, page).count("Mine LLC") == stored.count("Mine LLC")
    # Any other query string is never stored: the normal render, context processors and all.
    live = http.get(f"/portal/{mine.pk}/{page}?from=menu").content.decode()

    def without_token(html: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert "Sign out" in live or "sign-out" in live  # the frame is there
    assert without_token(stored) == without_token(live)


def test_the_page_key_follows_what_the_page_shows(firm_a, mine):
    """The role label is in the header: a role change shows on the next load (it is part
    of the key because the page renders it, not because a view remembered to add it)."""
    from apps.accounts.models import Membership

    http = firm_a.client(Role.CLIENT_OWNER)
    assert "Client owner" in _page(http, mine, "tasks/")
    membership = Membership.objects.get(user=firm_a.users[Role.CLIENT_OWNER], firm=firm_a.firm)
    membership.role = Role.CLIENT_MEMBER
    membership.save()

    assert "Client member" in _page(http, mine, "tasks/")


def test_a_cached_page_follows_a_change_of_the_firms_time_zone_at_once(in_firm_a):
    # 06:30 UTC on Dec 8 is already Dec 8 in New York and still Dec 7 in Los Angeles. The
    # two zones share today's date most of the day, so only the zone in the key can tell
    # the cached sections apart (the date in the key would, for zones on different days).
    import datetime as dt

    from apps.firms.services import firm_security_settings_update

    client = make_client(business_name="Zone LLC")
    give_access(in_firm_a.user(Role.CLIENT_OWNER), client)
    document = make_document(client, file_name="late-upload.pdf")
    Document.objects.filter(pk=document.pk).update(
        created_at=dt.datetime(2026, 12, 8, 6, 30, tzinfo=dt.UTC))
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.CLIENT_OWNER)
    _page(http, client)  # warm the page and its sections in New York time
    assert "Dec 8, 2026" in _page(http, client)

    firm_security_settings_update(firm=in_firm_a.firm, by=in_firm_a.user(Role.OWNER),
                                  time_zone="America/Los_Angeles")
    shown = _page(http, client)

    assert "Dec 7, 2026" in shown and "Dec 8, 2026" not in shown
