"""Keyset pagination for long lists sorted by one column (a name, a money figure, a
date): a page is found from the sort key of the row at its edge, never by OFFSET, so page
2,000 costs what page 1 costs; and the list's size comes from the planner's statistics
instead of a COUNT over every row when it is large.

Cursors are signed (django.core.signing): opaque to people, and one that was edited or
belongs to another sort order is refused as bad input. A cursor holds the edge row's sort
value and id, so it stays valid while rows are added or removed around it.

NULLs come last in both directions. The SQL walks the non-NULL rows, then the NULL rows
by id (or the reverse, backwards); each part is a plain range over an index on
(column, id), so "after (value, id)" never needs an OR that defeats the index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import F, Func, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThan, IsNull, LessThan

_SALT = "advisoros.portal.keyset"
# Lists whose size is at most this are counted exactly (reading at most this many rows
# plus one); larger ones show the planner's estimate, "about 50,000".
EXACT_COUNT_UP_TO = 1000


class BadCursor(ValueError):
    """A page link that was edited, truncated or made for another sort order."""


@dataclass(frozen=True)
class SortKey:
    """One way of sorting a list: the ORM path of the column, its direction, whether it
    may be NULL, and how a cursor's text turns back into a value of the column."""

    field: str
    descending: bool = False
    nullable: bool = False
    parse: Callable[[str], Any] = str
    # The id column as the sort's index holds it, when that is not the listed table's
    # own (a joined view's "client_id"): comparing (column, that id) as one row lets
    # PostgreSQL start the index scan right at the cursor, even inside a long run of
    # equal values. It is equal to the row's "id" through the join.
    tie_sql: str | None = None

    def tie(self):
        if self.tie_sql is None:
            return F("id")
        return RawSQL(self.tie_sql, [], output_field=IntegerField())  # noqa: S611 (code constant)


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(text)
    return value


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row with `value` and `id`.
    `value` None means the row's column is NULL. `before` with no id is the last page."""

    sort: str
    before: bool = False
    id: int | None = None
    value: Any = None


def _value_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def cursor_encode(cursor: Cursor) -> str:
    key = None if cursor.id is None else [_value_text(cursor.value), cursor.id]
    return signing.dumps({"s": cursor.sort, "d": "b" if cursor.before else "a", "k": key},
                         salt=_SALT)


def cursor_decode(text: str, *, sort: str, key: SortKey) -> Cursor:
    """The cursor in `text`, checked against the sort it must belong to; BadCursor with a
    sentence for people otherwise."""
    try:
        data = signing.loads(text, salt=_SALT)
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise BadCursor("This page link is damaged; start again from the first page.") \
            from exc
    if not isinstance(data, dict) or data.get("d") not in ("a", "b"):
        raise BadCursor("This page link is damaged; start again from the first page.")
    if data.get("s") != sort:
        raise BadCursor("This page link belongs to another sort order; start again from "
                        "the first page.")
    before, raw = data["d"] == "b", data.get("k")
    if raw is None:
        if not before:
            raise BadCursor("This page link is damaged; start again from the first page.")
        return Cursor(sort=sort, before=True)
    try:
        text_value, row_id = raw
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError(row_id)
        if text_value is None and not key.nullable:
            raise ValueError("NULL in a column that has none")
        value = None if text_value is None else key.parse(text_value)
    except (TypeError, ValueError) as exc:
        raise BadCursor("This page link is damaged; start again from the first page.") \
            from exc
    return Cursor(sort=sort, before=before, id=row_id, value=value)


@dataclass(frozen=True)
class KeysetPage:
    rows: list[dict]
    next_cursor: str | None
    previous_cursor: str | None
    # Links to the first and last pages, None on that page itself.
    first_link: bool
    last_cursor: str | None


def _row(*parts) -> Func:
    return Func(*parts, function="ROW", output_field=IntegerField())


def _part(qs: QuerySet, key: SortKey, *, nulls: bool, descending: bool,
          after: Cursor | None) -> QuerySet:
    """The NULL or non-NULL rows of the list in one direction, after `after` if given.
    "After (value, id)" is one row comparison, (column, id) > (value, id), which
    PostgreSQL turns into the start of a range scan over the (column, id) index."""
    tie = key.tie()
    beyond = LessThan if descending else GreaterThan
    if nulls:
        qs = qs.filter(IsNull(F(key.field), True))
        if after is not None:
            qs = qs.filter(beyond(tie, Value(after.id)))
        return qs.order_by(tie.desc() if descending else tie.asc())
    if key.nullable:
        qs = qs.filter(IsNull(F(key.field), False))
    if after is not None:
        qs = qs.filter(beyond(_row(F(key.field), tie), _row(Value(after.value),
                                                            Value(after.id))))
    column = F(key.field)
    return qs.order_by(column.desc() if descending else column.asc(),
                       tie.desc() if descending else tie.asc())


def _walk(qs: QuerySet, key: SortKey, cursor: Cursor | None, limit: int) -> list[dict]:
    """Up to `limit` rows from the cursor on, in the direction it points (rows of a
    backward walk come nearest-first)."""
    backward = cursor is not None and cursor.before
    parts = [False, True] if key.nullable else [False]  # non-NULL rows, then NULL rows
    if backward:
        parts.reverse()
    after = cursor if cursor is not None and cursor.id is not None else None
    if after is not None:
        parts = parts[parts.index(after.value is None):]
    rows: list[dict] = []
    for nulls in parts:
        rows += list(_part(qs, key, nulls=nulls, descending=key.descending != backward,
                           after=after)[:limit - len(rows)])
        if len(rows) >= limit:
            break
        after = None  # the next part is read from its start
    return rows


def keyset_page(qs: QuerySet, key: SortKey, cursor: Cursor | None, size: int, *,
                sort: str) -> KeysetPage:
    """One page of `qs` (a .values() queryset with "id" and the key's field) in the order
    of `key`, starting at `cursor` (None: the first page)."""
    rows = _walk(qs, key, cursor, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    backward = cursor is not None and cursor.before
    if backward:
        if not more:
            # Going back reached the start: show a full first page rather than a short one.
            return keyset_page(qs, key, None, size, sort=sort)
        rows.reverse()
        has_previous, has_next = True, cursor.id is not None
    else:
        has_previous, has_next = cursor is not None, more

    def edge(row: dict, before: bool) -> str:
        return cursor_encode(Cursor(sort=sort, before=before, id=row["id"],
                                    value=row[key.field]))

    return KeysetPage(
        rows=rows,
        next_cursor=edge(rows[-1], False) if has_next and rows else None,
        previous_cursor=edge(rows[0], True) if has_previous and rows else None,
        first_link=has_previous,
        last_cursor=cursor_encode(Cursor(sort=sort, before=True)) if has_next else None,
    )


@dataclass(frozen=True)
class ListCount:
    number: int
    exact: bool


def _about(number: int) -> int:
    """Two significant figures: 49,873 -> 50,000; an estimate claims no more."""
    if number < 100:
        return number
    step = 10 ** (len(str(number)) - 2)
    return round(number / step) * step


def table_row_estimate(table: str) -> int | None:
    """The planner's row count of a table or materialized view of this schema, None when
    it was never analysed."""
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [table])
        found = cur.fetchone()
    if found is None or found[0] < 0:
        return None
    return int(found[0])


def query_row_estimate(qs: QuerySet) -> int:
    """The planner's estimate of the rows `qs` returns (EXPLAIN, nothing is read)."""
    sql, params = qs.order_by().query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def list_count(qs: QuerySet, *, table: str | None) -> ListCount:
    """How many rows `qs` has. `table`: the table whose every row the list shows (an
    unfiltered list), whose statistics answer without reading it; None for a filtered
    list. Small lists are counted exactly, reading at most EXACT_COUNT_UP_TO + 1 rows."""
    if table is not None:
        estimate = table_row_estimate(table)
        if estimate is not None and estimate > EXACT_COUNT_UP_TO:
            return ListCount(_about(estimate), exact=False)
    capped = qs.order_by()[:EXACT_COUNT_UP_TO + 1].count()
    if capped <= EXACT_COUNT_UP_TO:
        return ListCount(capped, exact=True)
    if table is not None:  # statistics said small (or none yet), the table grew since
        return ListCount(_about(capped), exact=False)
    return ListCount(_about(max(query_row_estimate(qs), capped)), exact=False)
