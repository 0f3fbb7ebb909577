"""The staff client list pages by keyset (signed cursors), NULLs last, with an estimated
size for large unfiltered lists: any page costs what the first one costs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.roles import Role
from apps.portal import keyset, selectors
from apps.portal.keyset import Cursor, cursor_encode
from apps.portal.models import Task
from apps.portal.refresh import dashboard_refresh
from apps.portal.selectors import (
    CLIENT_SORTS,
    ClientListQuery,
    client_list_cursor,
    client_list_page,
    client_list_queryset,
)
from tests.portal.factories import make_client, make_invoice, make_task

pytestmark = pytest.mark.django_db


def seed_mixed(count: int = 23) -> None:
    """Clients with ties and NULLs in every sortable column: equal names, equal or no
    revenue, equal or zero balances, no activity at all for some."""
    for i in range(count):
        client = make_client(
            business_name=f"Firm {i % 4}",  # four names, many ties
            annual_revenue=None if i % 5 == 0 else Decimal(1000 * (i % 3)),
            industry="retail" if i % 2 else "technology")
        if i % 3:
            make_invoice(client, total="250.00" if i % 2 else "75.50")
        if i % 4 == 1:
            task = make_task(client)
            # Two clients active at the very same moment: a tie in the activity sort.
            Task.objects.filter(pk=task.pk).update(
                updated_at=timezone.now() - timedelta(days=i % 2))
    dashboard_refresh()


def walk(query: ClientListQuery, *, backward: bool = False) -> list[int]:
    """Every row id of the list, following the page links one way."""
    ids: list[int] = []
    page = client_list_page(query)
    if backward:
        page = client_list_page(ClientListQuery(
            **{**query.__dict__, "cursor": client_list_cursor(page.last_cursor, query.sort)}))
    for _ in range(100):
        rows = [row["id"] for row in page.rows]
        if backward and page.previous_cursor is None:
            # Back at the start the first page is shown full, so it may repeat rows of
            # the page after it; in the same order.
            rows = [row for row in rows if row not in ids]
        ids = rows + ids if backward else ids + rows
        link = page.previous_cursor if backward else page.next_cursor
        if link is None:
            return ids
        page = client_list_page(ClientListQuery(
            **{**query.__dict__, "cursor": client_list_cursor(link, query.sort)}))
    raise AssertionError("the page links never ended")


@pytest.mark.parametrize("sort", list(CLIENT_SORTS))
def test_page_links_walk_every_row_once_in_the_offset_order(in_firm_a, monkeypatch, sort):
    seed_mixed()
    monkeypatch.setattr(selectors, "CLIENT_LIST_PAGE_SIZE", 4)
    query = ClientListQuery(sort=sort)
    expected = list(client_list_queryset(query).values_list("id", flat=True))
    key = CLIENT_SORTS[sort]
    values = [row[key.field] for row in client_list_queryset(query)]
    if key.nullable:  # the data really holds NULLs, and they come last
        assert None in values and values[-1] is None
        assert values.index(None) < len(values) - 1
    assert len(set(values)) < len(values)  # and ties

    assert walk(query) == expected
    assert walk(query, backward=True) == expected


def test_going_back_to_the_start_shows_a_full_first_page(in_firm_a, monkeypatch):
    seed_mixed(10)
    monkeypatch.setattr(selectors, "CLIENT_LIST_PAGE_SIZE", 4)
    query = ClientListQuery(sort="-revenue")
    expected = list(client_list_queryset(query).values_list("id", flat=True))
    # "Previous" from the row at position 2 has only 2 rows before it.
    first_row = client_list_page(query).rows[2]
    back = Cursor(sort="-revenue", before=True, id=first_row["id"],
                  value=first_row["annual_revenue"])

    page = client_list_page(ClientListQuery(sort="-revenue", cursor=back))

    assert [row["id"] for row in page.rows] == expected[:4]
    assert page.previous_cursor is None and not page.first_link


def test_filters_and_page_links_work_together_over_http(in_firm_a, monkeypatch):
    seed_mixed()
    monkeypatch.setattr(selectors, "CLIENT_LIST_PAGE_SIZE", 3)
    query = ClientListQuery(industry="retail", sort="-revenue")
    expected = list(client_list_queryset(query).values_list("id", flat=True))
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.MANAGER)

    seen, url = [], "/staff/clients/?industry=retail&sort=-revenue"
    while url:
        response = http.get(url if url.startswith("/") else "/staff/clients/" + url)
        assert response.status_code == 200
        seen += [row["id"] for row in response.context["page"].rows]
        url = response.context["next_url"]
        if url:
            assert "industry=retail" in url and "sort=-revenue" in url

    assert seen == expected and len(expected) > 6
    body = response.content.decode()
    assert "Previous" in body and "First" in body and f"{len(expected)} in all" in body


def _tampered(text: str) -> str:
    head, signature = text.rsplit(":", 1)
    return f"{head}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"


@pytest.mark.parametrize("sort,make_cursor", [
    ("name", lambda: "garbage"),
    ("name", lambda: "a\x00b"),
    ("name", lambda: "x" * 2000),
    ("name", lambda: _tampered(cursor_encode(Cursor(sort="name", id=1, value="Firm 1")))),
    # A real link, but made for another sort order.
    ("name", lambda: cursor_encode(Cursor(sort="-outstanding", id=1, value=Decimal("5")))),
    # Signed, but NULL in a column that is never NULL, or a value of the wrong kind.
    ("name", lambda: cursor_encode(Cursor(sort="name", id=1, value=None))),
    ("revenue", lambda: cursor_encode(Cursor(sort="revenue", id=1, value="lots"))),
    ("activity", lambda: cursor_encode(Cursor(sort="activity", id=1,
                                              value="2026-01-01T00:00:00"))),
], ids=["garbage", "nul", "long", "tampered", "other-sort", "null-name", "nan-revenue",
        "naive-time"])
def test_bad_page_links_answer_400_with_the_reason(firm_a, sort, make_cursor):
    from urllib.parse import quote

    response = firm_a.client(Role.MANAGER).get(
        f"/staff/clients/?sort={sort}&cursor={quote(make_cursor())}")

    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()


@pytest.mark.parametrize("sort,value", [("revenue", "lots"), ("activity", "2026-01-01"),
                                        ("name", None)])
def test_signed_cursors_with_impossible_values_are_refused(sort, value):
    text = cursor_encode(Cursor(sort=sort, id=1, value=value))

    with pytest.raises(keyset.BadCursor):
        client_list_cursor(text, sort)


def _page_queries(http, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = http.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_any_page_runs_the_same_few_queries_and_no_count_on_a_large_list(
        in_firm_a, monkeypatch):
    seed_mixed(30)
    monkeypatch.setattr(selectors, "CLIENT_LIST_PAGE_SIZE", 4)
    # The planner's statistics come from ANALYZE, which only the owner may run and not
    # inside this test's transaction; the list reads them as a 50,000-client firm's.
    monkeypatch.setattr(keyset, "table_row_estimate", lambda table: 50_000)
    connection.set_schema_to_public()
    http = in_firm_a.client(Role.MANAGER)
    http.get("/staff/clients/")  # warm the session and role caches

    first = http.get("/staff/clients/?sort=-outstanding")
    counts = {name: _page_queries(http, "/staff/clients/" + url)
              for name, url in [("first", "?sort=-outstanding"),
                                ("middle", first.context["next_url"]),
                                ("last", first.context["last_url"])]}

    assert "about 50,000 clients" in first.content.decode()
    assert len({len(sqls) for sqls in counts.values()}) == 1
    for sqls in counts.values():
        assert not [sql for sql in sqls if "COUNT(" in sql.upper()]
        assert not [sql for sql in sqls if "OFFSET" in sql.upper()]


def test_a_small_or_filtered_list_is_counted_exactly(in_firm_a):
    seed_mixed(12)
    retail = ClientListQuery(industry="retail")

    assert client_list_page(ClientListQuery()).count == keyset.ListCount(12, exact=True)
    assert client_list_page(retail).count == keyset.ListCount(6, exact=True)


def test_a_large_filtered_list_shows_the_planners_estimate(in_firm_a, monkeypatch):
    seed_mixed(12)
    monkeypatch.setattr(keyset, "EXACT_COUNT_UP_TO", 5)

    count = client_list_page(ClientListQuery(industry="technology")).count

    assert not count.exact and count.number >= 6
