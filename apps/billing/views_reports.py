"""Billing reports page and CSV exports (every export is audited)."""

from __future__ import annotations

import csv
from datetime import date

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.accounts.permissions import firm_permission_required
from apps.accounts.roles import Perm
from apps.audit.models import AuditAction
from apps.audit.services import audit_record
from apps.billing import reports
from apps.billing.forms import ReportForm
from apps.billing.recurring import add_months

CLIENT_ROWS = 50


def _period_and_as_of(form: ReportForm) -> tuple[date, reports.Period]:
    data = form.cleaned_data
    today = timezone.localdate()
    as_of = data.get("as_of") or today
    end = data.get("end") or add_months(today.replace(day=1), 1)
    start = data.get("start") or add_months(end.replace(day=1), -12)
    return as_of, reports.Period(start=start, end=end)


@firm_permission_required(Perm.REPORTS_VIEW)
def reports_page(request: HttpRequest) -> HttpResponse:
    # Always bound: every field is optional, so no query string means the defaults.
    form = ReportForm(request.GET)
    if not form.is_valid():
        return render(request, "billing/reports.html", {"form": form}, status=400)
    as_of, period = _period_and_as_of(form)
    page = form.cleaned_data.get("page") or 1
    params = request.GET.copy()
    params.pop("page", None)
    clients = reports.aging_by_client(as_of=as_of, offset=(page - 1) * CLIENT_ROWS,
                                      limit=CLIENT_ROWS + 1)
    return render(request, "billing/reports.html", {
        "form": form, "as_of": as_of, "period": period, "params": params.urlencode(),
        "aging": reports.aging(as_of=as_of), "buckets": reports.BUCKETS,
        "clients": clients[:CLIENT_ROWS], "page": page,
        "has_next": len(clients) > CLIENT_ROWS,
        "by_month": reports.revenue_by_month(period=period),
        "by_type": reports.revenue_by_engagement_type(period=period),
        "by_advisor": reports.revenue_by_advisor(period=period, firm_id=request.firm.pk)})


class _Echo:
    def write(self, value: str) -> str:
        return value


@firm_permission_required(Perm.REPORTS_VIEW)
def report_csv(request: HttpRequest, report: str) -> HttpResponse:
    if report not in reports.REPORTS:
        raise Http404("No such report.")
    form = ReportForm(request.GET)
    if not form.is_valid():
        return HttpResponse("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
                            status=400, content_type="text/plain; charset=utf-8")
    as_of, period = _period_and_as_of(form)
    rows = reports.report_rows(report, as_of=as_of, period=period, firm_id=request.firm.pk)
    audit_record(action=AuditAction.EXPORTED, request=request, target_type="billing.report",
                 target_id=report, details={"report": report, "rows": len(rows),
                                            "as_of": as_of, "start": period.start,
                                            "end": period.end})
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(line) for line in reports.report_csv_lines(report, rows)),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report}-{as_of}.csv"'
    return response
