"""Firm BI and ROI pages (leadership: Perm.INSIGHT_BI_VIEW). Thin: figures come from
apps/insight/bi.py (materialized views) and roi.py; assumptions are saved by services."""

from __future__ import annotations

import csv
import re
from datetime import date

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.insight import bi, roi, services
from apps.insight.bi_refresh import firm_time_zone, refreshed_at
from apps.insight.forms import RoiAssumptionsForm

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_MONTHS = 60
SECTIONS_SECONDS = 60 * 60


def _month(text: str) -> date | None:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        return None
    return date(int(match[1]), int(match[2]), 1)


def _today() -> date:
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(firm_time_zone())).date()


def _period(request: HttpRequest) -> tuple[bi.Period, dict[str, str]]:
    """The period asked for (default: the last 12 months) and field errors, if any."""
    default = bi.Period.last_months(_today())
    given = {k: request.GET.get(k, "") for k in ("from", "to")}
    if not any(given.values()):
        return default, {}
    start, end = _month(given["from"]), _month(given["to"])
    errors = {}
    if start is None:
        errors["from"] = "Give the first month as YYYY-MM, for example 2026-01."
    if end is None:
        errors["to"] = "Give the last month as YYYY-MM, for example 2026-12."
    if not errors and start > end:
        errors["to"] = "The last month cannot be before the first."
    if not errors and (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
        errors["to"] = f"Choose at most {MAX_MONTHS} months."
    return (default, errors) if errors else (bi.Period(start, end), {})


def _sections(period: bi.Period, taken_at) -> str:
    """The nine sections' HTML. The figures change only when the views are refreshed, so
    the rendered sections are kept (tenant cache: keys carry the schema) per period and
    refresh; names of people and job types may lag a rename by one refresh."""
    query = f"from={period.start:%Y-%m}&to={period.end:%Y-%m}"
    # The firm's zone is part of the key: a change of zone must show at once (formatting
    # filters render in the active zone).
    key = (f"insight:bi:sections:v1:{period.start:%Y-%m}:{period.end:%Y-%m}:"
           f"{taken_at.isoformat() if taken_at else 'never'}:"
           f"{timezone.get_current_timezone_name()}")
    html = cache.get(key) if taken_at else None
    if html is None:
        html = render_to_string("insight/partials/bi_sections.html", {
            "tables": bi.all_tables(period), "query": query})
        if taken_at:
            cache.set(key, html, SECTIONS_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output


@firm_permission_required(Perm.INSIGHT_BI_VIEW)
def bi_page(request: HttpRequest) -> HttpResponse:
    period, errors = _period(request)
    taken_at = refreshed_at()
    return render(request, "insight/bi.html", {
        "sections": _sections(period, taken_at), "period": period, "errors": errors,
        "given": request.GET, "refreshed_at": taken_at},
        status=400 if errors else 200)


@firm_permission_required(Perm.INSIGHT_BI_VIEW)
def bi_export(request: HttpRequest, section: str) -> HttpResponse:
    build = bi.SECTIONS.get(section)
    if build is None:
        raise Http404("No such report.")
    period, errors = _period(request)
    if errors:
        return HttpResponse("\n".join(errors.values()), status=400,
                            content_type="text/plain; charset=utf-8")
    table = build(period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{section}-{period.start:%Y-%m}-to-{period.end:%Y-%m}.csv"')
    csv.writer(response).writerows(table.csv_rows())
    return response


@require_http_methods(["GET", "POST"])
@firm_permission_required(Perm.INSIGHT_BI_VIEW)
def roi_page(request: HttpRequest) -> HttpResponse:
    today = _today()
    month = _month(request.GET.get("month", "")) or date(today.year, today.month, 1)
    current = roi.assumptions()
    form = RoiAssumptionsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.roi_assumptions_save(values=form.cleaned_data, actor_id=request.user.pk)
        messages.success(request, "Assumptions saved; the figures below use them.")
        return redirect(f"{request.path}?month={month:%Y-%m}")
    result = roi.roi_month(month, zone=firm_time_zone())
    return render(request, "insight/roi.html", {
        "result": result, "form": form, "month": month,
        "is_current": month == date(today.year, today.month, 1),
        "previous": bi.Period.last_months(month, 2).start,
        "next": date(month.year + month.month // 12, month.month % 12 + 1, 1)},
        status=400 if form.errors else 200)
