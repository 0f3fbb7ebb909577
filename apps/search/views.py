"""The global search page (/search/?q=...), reached from the box in every staff page's
header. Thin: the selector decides what the person may see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.search.selectors import QUERY_MAX, global_search

# The permissions that open a group of results.
SEARCHED = (Perm.CLIENTS_VIEW, Perm.DOCUMENTS_VIEW, Perm.INVOICES_VIEW, Perm.TASKS_VIEW,
            Perm.MEMBERS_VIEW)


@firm_permission_required(Perm.STAFF_AREA)
def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:QUERY_MAX]
    perms = frozenset(perm for perm in SEARCHED if request_has_permission(request, perm))
    results = global_search(q=q, perms=perms, firm_id=request.firm.pk)
    return render(request, "search/results.html", {"results": results, "q": results.q})
