"""Capacity and deadline risk: who has how many hours booked per week against their
capacity, and which jobs cannot be finished by their due date with the time their people
have left. Reads only; the rebalance and capacity writes live in apps/work/services.py.

The math (tested in tests/work/test_capacity.py):
- booked(person, week) = estimated hours of their open tasks due that week (WorkloadWeek);
- free(person, until D) = capacity over the working days from today to D, minus the hours
  of their other open tasks due by D's week, never below zero;
- a job is at risk when its open hours exceed the free time of its people before its due
  date (unassigned hours have nobody's time), or when it is already overdue.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from apps.work.models import Job, JobTask, WorkloadWeek
from apps.work.periods import week_start
from apps.work.routing import Candidate, routing_candidates

WEEKS = 8
AT_RISK_SCAN = 1000  # open jobs due soonest that the risk check looks at


@dataclass
class PersonWeeks:
    person: Candidate
    weeks: list[tuple[date, Decimal, bool]] = field(default_factory=list)  # (week, h, over)


@dataclass(frozen=True)
class AtRisk:
    job_id: int
    name: str
    client: str
    due_date: date
    hours_left: Decimal
    hours_free: Decimal
    reason: str


def working_days(start: date, end: date) -> int:
    """Weekdays from `start` to `end`, both included (0 when end is before start)."""
    days, current = 0, start
    while current <= end:
        days += current.weekday() < 5
        current += timedelta(days=1)
    return days


def capacity_grid(firm_id: int, *, today: date | None = None, weeks: int = WEEKS
                  ) -> tuple[list[date], list[PersonWeeks]]:
    """Each staff member's booked hours for the next `weeks` weeks (3 queries)."""
    today = today or timezone.localdate()
    first = week_start(today)
    week_list = [first + timedelta(weeks=n) for n in range(weeks)]
    people = sorted(routing_candidates(firm_id), key=lambda c: c.name.lower())
    booked = {(row["user_id"], row["week_start"]): row["hours"] for row in
              WorkloadWeek.objects.filter(user_id__in=[p.user_id for p in people],
                                          week_start__range=(first, week_list[-1]))
              .values("user_id", "week_start", "hours")}
    rows = []
    for person in people:
        cells = []
        for week in week_list:
            hours = booked.get((person.user_id, week), Decimal("0"))
            cells.append((week, hours, hours > person.weekly_hours))
        rows.append(PersonWeeks(person=person, weeks=cells))
    return week_list, rows


def jobs_at_risk(firm_id: int, *, today: date | None = None, horizon_weeks: int = WEEKS
                 ) -> list[AtRisk]:
    today = today or timezone.localdate()
    horizon = week_start(today) + timedelta(weeks=horizon_weeks)
    jobs = list(Job.objects.filter(status=Job.Status.OPEN, due_date__lt=horizon)
                .order_by("due_date", "id")
                .values("id", "name", "due_date", "client__business_name")[:AT_RISK_SCAN])
    if not jobs:
        return []
    # Open hours per job and person (None: unassigned).
    left: dict[int, dict[int | None, Decimal]] = defaultdict(dict)
    for row in (JobTask.objects.filter(job_id__in=[j["id"] for j in jobs],
                                       status=JobTask.Status.OPEN)
                .values("job_id", "assignee_id").annotate(hours=Sum("estimated_hours"))):
        left[row["job_id"]][row["assignee_id"]] = row["hours"] or Decimal("0")
    capacity = {c.user_id: c.weekly_hours for c in routing_candidates(firm_id)}
    people = {uid for per_job in left.values() for uid in per_job if uid is not None}
    booked_by_week: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in (WorkloadWeek.objects.filter(user_id__in=people, week_start__lte=horizon)
                .values("user_id", "week_start", "hours")):
        booked_by_week[row["user_id"]].append((row["week_start"], row["hours"]))
    out = []
    for job in jobs:
        per_person = left.get(job["id"], {})
        hours_left = sum(per_person.values(), Decimal("0"))
        if not hours_left:
            continue
        if job["due_date"] < today:
            out.append(AtRisk(job["id"], job["name"], job["client__business_name"],
                              job["due_date"], hours_left, Decimal("0"), "overdue"))
            continue
        due_week = week_start(job["due_date"])
        days = Decimal(working_days(today, job["due_date"]))
        free_total = Decimal("0")
        for user_id, own in per_person.items():
            if user_id is None:
                continue
            until_due = capacity.get(user_id, Decimal("0")) * days / 5
            others = sum((h for week, h in booked_by_week[user_id] if week <= due_week),
                         Decimal("0")) - own
            free_total += min(own, max(Decimal("0"), until_due - others))
        if hours_left > free_total:
            unassigned = per_person.get(None, Decimal("0"))
            reason = (f"{_h(unassigned)} h have nobody assigned" if unassigned else
                      "its people are booked with other work due sooner")
            out.append(AtRisk(job["id"], job["name"], job["client__business_name"],
                              job["due_date"], hours_left, free_total.quantize(Decimal("0.1")),
                              reason))
    return out


def _h(value: Decimal) -> str:
    return f"{value.normalize():f}"
