"""The staff area's global search: clients, documents, invoices, jobs and people in one
answer, a few of each, grouped.

Each group is one indexed query, asked only when the person may see that kind of thing
(the role matrix through `perms`), and each ends at its "see all" link: the group's own
list filtered by the same words. Staff see every live client of their firm (client users
never reach the staff area); archived clients and what belongs to them are left out.

Indexes used: clients' `search_vector` (GIN), documents' `search` (GIN) and documents of
the matching clients (`document_client_created`), invoice numbers
by prefix (`invoice_number_prefix`, varchar_pattern_ops) and invoices of the matching
clients (`invoice_client_status`), job names by word prefix (`work_job_name_search`,
apps/search/migrations) and jobs of the matching clients (`work_job_client`); people
are the firm's memberships (a few hundred at most).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import Membership
from apps.accounts.roles import Perm, Role
from apps.billing.models import Invoice
from apps.documents.models import Document
from apps.portal.models import Client
from apps.portal.selectors import client_search
from apps.work.models import Job

PER_GROUP = 5
QUERY_MAX = 200
_WORD = re.compile(r"\w+")
# Enough of the matching clients to find their invoices and jobs through the client index.
_CLIENTS_FOR_RELATED = 50


@dataclass
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    more_url: str = ""
    more: bool = False  # more than PER_GROUP matched


@dataclass
class SearchResults:
    q: str
    groups: list[Group]

    @property
    def empty(self) -> bool:
        return not any(group.hits for group in self.groups)


def _prefix_query(text: str) -> str | None:
    words = _WORD.findall(text.lower())[:8]
    return " & ".join(f"{word}:*" for word in words) if words else None


def _cut(group: Group, rows: list) -> list:
    group.more = len(rows) > PER_GROUP
    return rows[:PER_GROUP]


# The matching clients first (the GIN index), then sorted by name: asked in one query
# with ORDER BY and LIMIT, the planner walks every client in name order testing each
# (54 ms for no match among 20,000 clients; bench_search). OFFSET 0 keeps them apart.
_CLIENT_IDS_BY_WORDS = (
    "SELECT id FROM (SELECT id, business_name FROM portal_client WHERE deleted_at IS NULL "
    "AND search_vector @@ to_tsquery('simple', %s) OFFSET 0) AS found "
    "ORDER BY business_name, id LIMIT %s")


def _client_rows(q: str) -> list[dict]:
    fields = ("id", "business_name", "contact_name", "status")
    if "@" in q:  # an email address: client_search matches it as a substring
        return list(client_search(Client.objects.alive(), q).order_by("business_name", "id")
                    .values(*fields)[:_CLIENTS_FOR_RELATED])
    raw = _prefix_query(q)
    if not raw:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_CLIENT_IDS_BY_WORDS, [raw, _CLIENTS_FOR_RELATED])
        ids = [row[0] for row in cursor.fetchall()]
    by_id = {row["id"]: row for row in Client.objects.filter(pk__in=ids).values(*fields)}
    return [by_id[i] for i in ids if i in by_id]


def _clients(q: str) -> tuple[Group, list[int]]:
    """The clients group, and the ids of the first matching clients (their invoices and
    jobs are found too: typing a client's name finds its work)."""
    group = Group("clients", "Clients",
                  more_url=f"{reverse('staff:client_list')}?{urlencode({'q': q})}")
    rows = _client_rows(q)
    group.hits = [Hit(r["business_name"], reverse("staff:client_detail", args=[r["id"]]),
                      r["contact_name"] or Client.Status(r["status"]).label)
                  for r in _cut(group, rows)]
    return group, [r["id"] for r in rows]


def _documents(q: str, client_ids: list[int]) -> Group:
    group = Group("documents", "Documents",
                  more_url=f"{reverse('documents:list')}?{urlencode({'q': q})}")
    ts_query = SearchQuery(q, search_type="websearch", config="english")
    rows = list(Document.objects.alive().filter(Q(search=ts_query) | Q(client_id__in=client_ids),
                                                client__deleted_at__isnull=True)
                .order_by("-created_at", "-id")
                .values("id", "file_name", "client__business_name", "doc_type")
                [:PER_GROUP + 1])
    group.hits = [Hit(r["file_name"], reverse("documents:detail", args=[r["id"]]),
                      r["client__business_name"]) for r in _cut(group, rows)]
    return group


def _invoices(q: str, client_ids: list[int]) -> Group:
    group = Group("invoices", "Invoices",
                  more_url=f"{reverse('billing:invoice_list')}?{urlencode({'q': q})}")
    by_number = Q(number__startswith=q.strip()) if q.strip() else Q(pk__in=[])
    rows = list(Invoice.objects.filter(by_number | Q(client_id__in=client_ids),
                                       client__deleted_at__isnull=True)
                .order_by("-issue_date", "-id")
                .values("id", "number", "status", "total", "currency",
                        "client__business_name")[:PER_GROUP + 1])
    group.hits = [Hit(f"{r['number']} · {r['client__business_name']}",
                      reverse("billing:invoice_detail", args=[r["id"]]),
                      f"{Invoice.Status(r['status']).label} · {r['total']:,} {r['currency']}")
                  for r in _cut(group, rows)]
    return group


# Job ids matched by name, read first and on their own: inside an OR with the client
# condition the planner walks the jobs in order and tests each (measured 2.3 s for 100k
# jobs); alone, the GIN index answers in under a millisecond (bench_search).
_JOB_IDS_BY_NAME = ("SELECT id FROM work_job WHERE to_tsvector('simple', name) "
                    "@@ to_tsquery('simple', %s) LIMIT 50")


def _job_ids_by_name(q: str) -> list[int]:
    raw = _prefix_query(q)
    if not raw:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_JOB_IDS_BY_NAME, [raw])
        return [row[0] for row in cursor.fetchall()]


def _jobs(q: str, client_ids: list[int]) -> Group:
    group = Group("jobs", "Jobs", more_url=reverse("work:job_list"))
    rows = list(Job.objects.filter(Q(pk__in=_job_ids_by_name(q)) | Q(client_id__in=client_ids),
                                   client__deleted_at__isnull=True)
                .order_by("status", "due_date", "id")
                .values("id", "name", "status", "due_date", "client__business_name")
                [:PER_GROUP + 1])
    group.hits = [Hit(f"{r['name']} · {r['client__business_name']}",
                      reverse("work:job_detail", args=[r["id"]]),
                      f"{Job.Status(r['status']).label} · due {r['due_date']:%b %-d, %Y}")
                  for r in _cut(group, rows)]
    return group


def _people(q: str, firm_id: int) -> Group:
    group = Group("people", "People", more_url=reverse("people:team"))
    words = _WORD.findall(q)[:4]
    match = Q()
    for word in words:
        match &= Q(user__full_name__icontains=word) | Q(user__email__icontains=word)
    rows = list(Membership.objects.filter(match, firm_id=firm_id, is_active=True)
                .order_by("user__full_name", "user__email", "id")
                .values("user__full_name", "user__email", "role")[:PER_GROUP + 1]
                ) if words else []
    group.hits = [Hit(r["user__full_name"] or r["user__email"], group.more_url,
                      f"{Role(r['role']).label} · {r['user__email']}")
                  for r in _cut(group, rows)]
    return group


def global_search(*, q: str, perms: frozenset[str], firm_id: int) -> SearchResults:
    """What the person may see that matches `q`, grouped; empty groups are kept so the
    page can say where nothing matched."""
    q = q.strip()[:QUERY_MAX].replace("\x00", "")
    if not q:
        return SearchResults(q="", groups=[])
    groups: list[Group] = []
    client_ids: list[int] = []
    if Perm.CLIENTS_VIEW in perms:
        clients, client_ids = _clients(q)
        groups.append(clients)
    if Perm.DOCUMENTS_VIEW in perms:
        groups.append(_documents(q, client_ids))
    if Perm.INVOICES_VIEW in perms:
        groups.append(_invoices(q, client_ids))
    if Perm.TASKS_VIEW in perms:
        groups.append(_jobs(q, client_ids))
    if Perm.MEMBERS_VIEW in perms:
        groups.append(_people(q, firm_id))
    return SearchResults(q=q, groups=groups)
