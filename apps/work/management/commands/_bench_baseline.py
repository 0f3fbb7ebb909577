"""The board and My work as they were rendered before the page-speed work (a form and a
CSRF token per card and row, `{% url %}` and `{% include %}` per item), kept only so
`bench_work` can time them side by side with the current pages through the same
middleware. Served by swapping ROOT_URLCONF to this module during the bench."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from advisoros.urls_tenant import urlpatterns as tenant_urlpatterns
from apps.accounts.access import request_has_permission
from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.work import selectors

BASELINE = Path(__file__).with_name("baseline")  # the two templates as they were


@cache
def _compiled(name: str):
    return engines["django"].from_string((BASELINE / name).read_text())


def _render(name: str, request: HttpRequest, context: dict) -> HttpResponse:
    # Compiled once, as the cached template loader does for the real pages.
    return HttpResponse(_compiled(name).render(context, request))


@firm_permission_required(Perm.TASKS_VIEW)
def my_work_before(request: HttpRequest) -> HttpResponse:
    return _render("my_work.html", request, {
        "rows": selectors.my_work(request.user.pk),
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
    })


@firm_permission_required(Perm.TASKS_VIEW)
def board_before(request: HttpRequest) -> HttpResponse:
    templates = list(selectors.templates_active())
    wanted = request.GET.get("template", "")
    template = next((t for t in templates if str(t.pk) == wanted), templates[0])
    return _render("board.html", request, {
        "templates": templates, "template": template, "mine": False,
        "here": request.get_full_path(), "columns": selectors.board_get(template),
        "can_edit": request_has_permission(request, Perm.TASKS_EDIT),
        "can_override": request_has_permission(request, Perm.WORK_STAGE_OVERRIDE),
    })


urlpatterns = [
    path("work/board/", board_before),
    path("work/", my_work_before),
    *tenant_urlpatterns,
]
