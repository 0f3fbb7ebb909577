"""What AdvisorOS saved the firm in a month, from its own records: how many times each
automated step happened (counted here) x the firm's own minutes per step (RoiAssumptions,
shown and editable). Nothing is estimated that the data does not show: a step with no
records saves nothing, and money is shown only once the firm has said what an hour is worth.

Counted, in the firm's time zone month:
- documents the pipeline classified with no review needed (status "processed", by when
  processing finished; a document someone reviewed is not counted);
- workflow automations that ran and did something (status "succeeded", by finish time);
- payments taken online (a payment provider charged them), by the day received;
- tasks the router assigned (an assignee chosen with a reason, not by hand), by creation;
- job rebalances (one per rebalance of a job's open tasks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from apps.insight.models import RoiAssumptions

_HAND = "assigned by hand"


@dataclass(frozen=True)
class RoiLine:
    key: str
    label: str
    count: int
    minutes_each: Decimal
    assumption_field: str

    @property
    def minutes(self) -> Decimal:
        return self.count * self.minutes_each

    @property
    def hours(self) -> Decimal:
        return (self.minutes / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class RoiMonth:
    month: date
    lines: list[RoiLine]
    assumptions: RoiAssumptions

    @property
    def minutes(self) -> Decimal:
        return sum((line.minutes for line in self.lines), Decimal("0"))

    @property
    def hours(self) -> Decimal:
        return (self.minutes / 60).quantize(Decimal("0.01"))

    @property
    def value(self) -> Decimal | None:
        """Exact minutes x the hourly value, rounded once, to the cent."""
        if self.assumptions.hourly_value is None:
            return None
        return (self.minutes * self.assumptions.hourly_value / 60).quantize(Decimal("0.01"))


def assumptions() -> RoiAssumptions:
    return RoiAssumptions.objects.filter(pk=1).first() or RoiAssumptions(pk=1)


def _bounds(month: date, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    end_month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (datetime.combine(month, time.min, tzinfo=tz),
            datetime.combine(end_month, time.min, tzinfo=tz))


def roi_month(month: date, *, zone: str) -> RoiMonth:
    from apps.billing.models import Payment
    from apps.documents.models import Document
    from apps.work.models import AutomationRun, JobTask, TimelineEvent

    start, end = _bounds(month, zone)
    next_month = end.date()
    a = assumptions()
    counts = {
        "documents": Document.objects.filter(
            status=Document.Status.PROCESSED, processed_at__gte=start,
            processed_at__lt=end).count(),
        "automations": AutomationRun.objects.filter(
            status=AutomationRun.Status.SUCCEEDED, finished_at__gte=start,
            finished_at__lt=end).count(),
        "online_payments": Payment.objects.exclude(provider="").filter(
            received_on__gte=month, received_on__lt=next_month).count(),
        "routing": JobTask.objects.filter(created_at__gte=start, created_at__lt=end,
                                          assignee__isnull=False)
        .exclude(Q(assignment_reason="") | Q(assignment_reason=_HAND)).count(),
        "rebalances": TimelineEvent.objects.filter(
            kind=TimelineEvent.Kind.TASK_ASSIGNED, message__startswith="Rebalanced:",
            at__gte=start, at__lt=end).count(),
    }
    lines = [
        RoiLine("documents", "Documents classified with no review needed",
                counts["documents"], a.minutes_per_document, "minutes_per_document"),
        RoiLine("automations", "Workflow automations run", counts["automations"],
                a.minutes_per_automation, "minutes_per_automation"),
        RoiLine("online_payments", "Invoices paid online (recorded and matched for you)",
                counts["online_payments"], a.minutes_per_online_payment,
                "minutes_per_online_payment"),
        RoiLine("routing", "Tasks assigned by the router", counts["routing"],
                a.minutes_per_routing_decision, "minutes_per_routing_decision"),
        RoiLine("rebalances", "Jobs rebalanced", counts["rebalances"],
                a.minutes_per_rebalance, "minutes_per_rebalance"),
    ]
    return RoiMonth(month=month, lines=lines, assumptions=a)
