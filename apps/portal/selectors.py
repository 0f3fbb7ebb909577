"""Reads shaped for the staff pages and the portal: the firm, its people, client lists."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, When
from django.http import Http404

from advisoros.token_cache import TokenCache
from apps.accounts.models import Membership
from apps.accounts.roles import CLIENT_ROLES, STAFF_ROLES
from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.firms.models import Firm
from apps.portal.dashboard_sql import VIEW_NAME as METRICS_VIEW
from apps.portal.keyset import (
    Cursor,
    ListCount,
    SortKey,
    cursor_decode,
    keyset_page,
    list_count,
    parse_datetime,
    parse_decimal,
)
from apps.portal.models import Client, ClientAccess, Engagement, Task

CLIENT_LIST_PAGE_SIZE = 50

# Sort keys offered to people: the column, its direction, whether it may be NULL (NULLs
# come last either way) and how a page link's text turns back into a value. Ties are
# broken by id, so every order is total and pages are stable.
# The metric sorts walk the view's (metric, client_id) indexes; the view is joined once,
# under its own name (client_list_rows).
_METRICS_ID = f'"{METRICS_VIEW}"."client_id"'
CLIENT_SORTS: dict[str, SortKey] = {
    "name": SortKey("business_name"),
    "-name": SortKey("business_name", descending=True),
    "revenue": SortKey("annual_revenue", nullable=True, parse=parse_decimal),
    "-revenue": SortKey("annual_revenue", descending=True, nullable=True,
                        parse=parse_decimal),
    "outstanding": SortKey("metrics__outstanding_balance", parse=parse_decimal,
                           tie_sql=_METRICS_ID),
    "-outstanding": SortKey("metrics__outstanding_balance", descending=True,
                            parse=parse_decimal, tie_sql=_METRICS_ID),
    "activity": SortKey("metrics__last_activity_at", nullable=True, parse=parse_datetime,
                        tie_sql=_METRICS_ID),
    "-activity": SortKey("metrics__last_activity_at", descending=True, nullable=True,
                         parse=parse_datetime, tie_sql=_METRICS_ID),
}


def current_firm() -> Firm:
    """The firm whose schema this connection is on (request, task or schema_context)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Firm) and tenant.pk:
        return tenant
    return Firm.objects.get(schema_name=connection.schema_name)


def _firm_user_ids(firm_id: int, roles) -> set[int]:
    return set(Membership.objects.filter(firm_id=firm_id, role__in=list(roles),
                                         is_active=True, user__is_active=True)
               .values_list("user_id", flat=True))


def firm_staff_user_ids(firm_id: int) -> set[int]:
    return _firm_user_ids(firm_id, STAFF_ROLES)


def firm_client_user_ids(firm_id: int) -> set[int]:
    return _firm_user_ids(firm_id, CLIENT_ROLES)


def firm_staff_choices(firm_id: int) -> list[tuple[int, str]]:
    """(user id, name) of the firm's active staff, for "assigned to" pickers."""
    rows = (Membership.objects.filter(firm_id=firm_id, role__in=list(STAFF_ROLES),
                                      is_active=True, user__is_active=True)
            .order_by("user__full_name", "user__email")
            .values_list("user_id", "user__full_name", "user__email"))
    return [(user_id, name or email) for user_id, name, email in rows]


_IDENTIFIER_QUERY = re.compile(r"\d{3}-?\d{2}-?\d{4}|\d{2}-?\d{7}")


_WORD = re.compile(r"\w+")


def client_search(qs: QuerySet, text: str) -> QuerySet:
    """Clients whose name, contact or email has words starting with each word typed
    ("acme 00" finds "Acme 001"), through the GIN index on `search_vector`. An email
    address typed whole is matched as a substring of the contact email."""
    if "@" in text:
        return qs.filter(contact_email__icontains=text.strip())
    words = _WORD.findall(text.lower())[:8]
    if not words:
        return qs.none()
    raw = " & ".join(f"{word}:*" for word in words)
    return qs.filter(search_vector=SearchQuery(raw, search_type="raw", config="simple"))


@dataclass(frozen=True)
class ClientListQuery:
    q: str = ""
    status: str = ""
    industry: str = ""
    assigned_staff: int | None = None
    needs_attention: bool = False
    sort: str = "name"
    cursor: Cursor | None = None  # None: the first page

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.status or self.industry or self.needs_attention
                    or self.assigned_staff is not None)


def client_list_sort(sort: str) -> SortKey:
    return CLIENT_SORTS.get(sort, CLIENT_SORTS["name"])


def client_list_cursor(text: str, sort: str) -> Cursor:
    """The page link `text` read for `sort`; BadCursor (with a sentence) when it is not one."""
    return cursor_decode(text, sort=sort, key=client_list_sort(sort))


def client_list_rows(query: ClientListQuery) -> QuerySet:
    """The staff client list's rows, filtered, unordered: the client, its metrics (from
    the view) and the assigned person."""
    qs = Client.objects.alive()
    if query.q and _IDENTIFIER_QUERY.fullmatch(query.q.strip()):
        # An SSN or EIN typed in the search box: an exact match through the blind indexes.
        from apps.portal.identifiers import clients_by_identifier

        qs = qs.filter(pk__in=clients_by_identifier(query.q).values("pk"))
    elif query.q:
        qs = client_search(qs, query.q)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.industry:
        qs = qs.filter(industry=query.industry)
    if query.assigned_staff is not None:
        qs = qs.filter(assigned_staff_id=query.assigned_staff)
    if query.needs_attention:
        qs = qs.filter(Q(metrics__invoices_overdue__gt=0)
                       | Q(metrics__documents_needing_review__gt=0))
    if client_list_sort(query.sort).field.startswith("metrics__"):
        # An inner join lets PostgreSQL walk the view's sorted index and stop after one
        # page instead of sorting every client; clients added since the last refresh
        # (at most 5 minutes) join these sorts once the view has their row.
        qs = qs.filter(metrics__isnull=False)
    return qs.values(
        "id", "business_name", "status", "industry", "annual_revenue", "contact_name",
        "assigned_staff__full_name", "assigned_staff__email",
        "metrics__outstanding_balance", "metrics__tasks_active",
        "metrics__documents_needing_review", "metrics__invoices_overdue",
        "metrics__last_activity_at",
    )


def client_list_queryset(query: ClientListQuery) -> QuerySet:
    """Every row of the list in its order (NULLs last, ties by id): what page links walk.
    Read it whole or by OFFSET only for small lists; pages come from client_list_page."""
    key = client_list_sort(query.sort)
    column = F(key.field).desc(nulls_last=True) if key.descending \
        else F(key.field).asc(nulls_last=True)
    return client_list_rows(query).order_by(column, "-id" if key.descending else "id")


@dataclass(frozen=True)
class ClientListPage:
    rows: list[dict]
    count: ListCount
    next_cursor: str | None
    previous_cursor: str | None
    first_link: bool
    last_cursor: str | None


def client_list_page(query: ClientListQuery) -> ClientListPage:
    """One page of the staff client list in 1-3 queries whatever page it is: the rows
    (keyset, from the page link's cursor) and the size (exact when small, else the
    planner's estimate for an unfiltered list or for the filters)."""
    rows = client_list_rows(query)
    key = client_list_sort(query.sort)
    page = keyset_page(rows, key, query.cursor, CLIENT_LIST_PAGE_SIZE, sort=query.sort)
    if query.filtered:
        table = None
    else:
        table = ("client_dashboard_metrics" if key.field.startswith("metrics__")
                 else "portal_client")
    return ClientListPage(rows=page.rows, count=list_count(rows, table=table),
                          next_cursor=page.next_cursor, previous_cursor=page.previous_cursor,
                          first_link=page.first_link, last_cursor=page.last_cursor)


def client_get(client_id: int) -> Client:
    """A live client of this firm, or 404."""
    client = (Client.objects.alive().select_related("assigned_staff")
              .filter(pk=client_id).first())
    if client is None:
        raise Http404("No such client.")
    return client


# --- Portal: what a client-side user may see -------------------------------------------

def portal_client_ids(user_id: int) -> list[int]:
    return list(ClientAccess.objects.filter(user_id=user_id, client__deleted_at__isnull=True)
                .order_by("client__business_name", "client_id")
                .values_list("client_id", flat=True))


# The clients each client user was given, read on every portal page (it decides access
# and fills the business switcher). Replaced whenever an access row or one of those
# clients changes (apps/portal/signals.py).
# Short-lived for the same reason as the user cache: a lost invalidation ends in a minute.
PORTAL_ACCESS = TokenCache("portal:access", alias="default", entry_seconds=60)


def portal_clients(user_id: int) -> list[dict]:
    """[{id, business_name}] of the live clients this user was given, by name."""
    return PORTAL_ACCESS.get(user_id, "clients", lambda: list(
        Client.objects.alive().filter(accesses__user_id=user_id)
        .order_by("business_name", "id").values("id", "business_name")))


def portal_access_changed(user_ids) -> None:
    for user_id in set(user_ids):
        PORTAL_ACCESS.invalidate(user_id)


def portal_client_get(*, user_id: int, client_id: int) -> Client:
    """The client if this user was given access to it; 404 otherwise (even when it exists:
    other clients of the firm are not acknowledged)."""
    client = Client.objects.alive().filter(pk=client_id, accesses__user_id=user_id).first()
    if client is None:
        raise Http404("No such client.")
    return client


# --- One client's work: staff detail page and portal pages ------------------------------

DETAIL_ROWS = 20


def client_engagements(client_id: int, limit: int = DETAIL_ROWS) -> list[dict]:
    return list(Engagement.objects.filter(client_id=client_id)
                .order_by("-start_date", "-id")
                .values("id", "type", "status", "start_date", "end_date", "fee",
                        "responsible__full_name", "responsible__email")[:limit])


def client_tasks(client_id: int, *, open_only: bool = False, limit: int = DETAIL_ROWS
                 ) -> list[dict]:
    """Open tasks first, soonest due first (no due date last)."""
    qs = Task.objects.filter(client_id=client_id)
    if open_only:
        qs = qs.exclude(status=Task.Status.COMPLETED)
    completed_last = Case(When(status=Task.Status.COMPLETED, then=1), default=0)
    return list(qs.order_by(completed_last, F("due_date").asc(nulls_last=True), "id")
                .values("id", "title", "status", "priority", "due_date", "estimated_hours",
                        "engagement__type", "assignee__full_name", "assignee__email")[:limit])


def client_documents(client_id: int, limit: int = DETAIL_ROWS) -> list[dict]:
    return list(Document.objects.alive().filter(client_id=client_id)
                .order_by("-created_at", "-id")
                .values("id", "file_name", "category", "status", "size_bytes",
                        "created_at")[:limit])


def client_invoices(client_id: int, *, open_only: bool = False, limit: int = DETAIL_ROWS
                    ) -> list[dict]:
    qs = Invoice.objects.filter(client_id=client_id)
    if open_only:
        qs = qs.filter(status__in=Invoice.OPEN_STATUSES)
    return list(qs.order_by("-issue_date", "-id")
                .values("id", "number", "status", "issue_date", "due_date", "total",
                        "balance")[:limit])


def client_documents_page(client_id: int, page: int | str | None) -> Page:
    qs = (Document.objects.alive().filter(client_id=client_id).order_by("-created_at", "-id")
          .values("id", "file_name", "category", "status", "size_bytes", "created_at"))
    return Paginator(qs, CLIENT_LIST_PAGE_SIZE).get_page(page)


def client_invoices_page(client_id: int, page: int | str | None) -> Page:
    qs = (Invoice.objects.filter(client_id=client_id).exclude(status=Invoice.Status.DRAFT)
          .order_by("-issue_date", "-id")
          .values("id", "number", "status", "issue_date", "due_date", "total", "balance"))
    return Paginator(qs, CLIENT_LIST_PAGE_SIZE).get_page(page)


def client_tasks_page(client_id: int, page: int | str | None) -> Page:
    completed_last = Case(When(status=Task.Status.COMPLETED, then=1), default=0)
    qs = (Task.objects.filter(client_id=client_id)
          .order_by(completed_last, F("due_date").asc(nulls_last=True), "id")
          .values("id", "title", "status", "priority", "due_date", "engagement__type"))
    return Paginator(qs, CLIENT_LIST_PAGE_SIZE).get_page(page)


# A firm with more live clients than this shows the first ones by name in client pickers
# (requesting an advisor, a new invoice); the client's own page links preselect any client.
CLIENT_CHOICES_MAX = 2000


def firm_client_choices() -> list[dict]:
    """[{id, business_name}] of the current firm's live clients, by name."""
    return list(Client.objects.alive().order_by("business_name", "id")
                .values("id", "business_name")[:CLIENT_CHOICES_MAX])
