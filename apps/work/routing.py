"""Routing a task to the qualified person with the most free hours in its due week.

The choice itself (`route_choose`) is a pure function of the candidates and their loads,
so its properties are tested directly (tests/work/test_routing.py, hypothesis). The loads
come from `WorkloadWeek` (kept incrementally, apps/work/workload.py): one indexed read per
decision, however many tasks are open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from apps.accounts.models import Membership
from apps.accounts.roles import STAFF_ROLES, Role
from apps.work.models import JobTask, StaffProfile
from apps.work.periods import week_start
from apps.work.workload import task_workload_add, task_workload_remove

DEFAULT_WEEKLY_HOURS = Decimal("40")

# Who may do work that names a role: that role, or someone senior who covers it.
_COVERED_BY: dict[str, frozenset[str]] = {
    Role.PARTNER: frozenset({Role.OWNER}),
    Role.MANAGER: frozenset({Role.PARTNER, Role.OWNER}),
    Role.SENIOR_ACCOUNTANT: frozenset({Role.MANAGER, Role.PARTNER, Role.OWNER}),
    Role.STAFF_ACCOUNTANT: frozenset({Role.SENIOR_ACCOUNTANT, Role.MANAGER}),
    Role.TAX_PREPARER: frozenset({Role.SENIOR_ACCOUNTANT, Role.MANAGER}),
    Role.BOOKKEEPER: frozenset({Role.SENIOR_ACCOUNTANT}),
    Role.ADVISOR: frozenset({Role.PARTNER}),
}


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    role: str
    skills: frozenset[str]
    weekly_hours: Decimal


@dataclass(frozen=True)
class Load:
    hours: Decimal = Decimal("0")  # estimated hours already in the week
    open_tasks: int = 0  # open tasks in every week (the tie-breaker)


@dataclass(frozen=True)
class Decision:
    user_id: int | None
    reason: str


def is_qualified(candidate: Candidate, required_role: str, required_skill: str) -> bool:
    if required_skill and required_skill not in candidate.skills:
        return False
    if required_role and candidate.role != required_role:
        return candidate.role in _COVERED_BY.get(required_role, frozenset())
    return True


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


def _needs(required_role: str, required_skill: str) -> str:
    parts = []
    if required_role:
        parts.append(f"the {Role(required_role).label} role")
    if required_skill:
        parts.append(f"the {required_skill} skill")
    return " and ".join(parts) or "no particular role"


def route_choose(*, candidates: Sequence[Candidate], loads: dict[int, Load],
                 required_role: str, required_skill: str, hours: Decimal, week: date
                 ) -> Decision:
    """The qualified candidate with the most free hours in `week`; ties go to the fewest
    open tasks, then the lowest id (stable). Nobody qualified: no assignee, and why."""
    best, best_key = None, None
    for candidate in candidates:
        if not is_qualified(candidate, required_role, required_skill):
            continue
        load = loads.get(candidate.user_id, Load())
        free = candidate.weekly_hours - load.hours
        key = (-free, load.open_tasks, candidate.user_id)
        if best_key is None or key < best_key:
            best, best_key = candidate, key
    if best is None:
        return Decision(None, f"Nobody qualified: needs {_needs(required_role, required_skill)}"
                        [:240])
    free = -best_key[0]
    first_name = best.name.split()[0] if best.name else "them"
    reason = (f"assigned to {first_name}: {_hours(max(free, Decimal('0')))} h free of "
              f"{_hours(best.weekly_hours)} h in the week of {week:%b} {week.day}")
    if free < hours:
        reason += " (over capacity: no qualified person has room that week)"
    return Decision(best.user_id, reason[:240])


def routing_candidates(firm_id: int) -> list[Candidate]:
    """The firm's active staff with their role, skills and weekly capacity (2 queries)."""
    rows = (Membership.objects.filter(firm_id=firm_id, role__in=list(STAFF_ROLES),
                                      is_active=True, user__is_active=True)
            .values_list("user_id", "role", "user__full_name", "user__email"))
    people = list(rows)
    profiles = {p.user_id: p for p in StaffProfile.objects.filter(
        user_id__in=[row[0] for row in people])}
    out = []
    for user_id, role, full_name, email in people:
        profile = profiles.get(user_id)
        out.append(Candidate(
            user_id=user_id, name=full_name or email, role=role,
            skills=frozenset(profile.skills if profile else ()),
            weekly_hours=profile.weekly_capacity_hours if profile else DEFAULT_WEEKLY_HOURS))
    return out


def routing_loads(user_ids: Iterable[int], week: date) -> dict[int, Load]:
    """Hours in `week` and open tasks overall, per person: one grouped read of the
    workload table (a few rows per person), however many tasks are open."""
    ids = list(user_ids)
    loads = {uid: Load() for uid in ids}
    if not ids:
        return loads
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, COALESCE(SUM(hours) FILTER (WHERE week_start = %s), 0), "
            "SUM(open_tasks) FROM work_workloadweek WHERE user_id = ANY(%s) "
            "GROUP BY user_id", [week, ids])
        for user_id, hours, open_tasks in cursor.fetchall():
            loads[user_id] = Load(Decimal(hours), int(open_tasks or 0))
    return loads


def task_route(*, task: JobTask, candidates: Sequence[Candidate]) -> Decision:
    """Pick and store the assignee of an open task; the workload moves with it. Call inside
    the transaction that saves the task (the caller saves `assignee`,
    `assignment_reason` and `workload_week`)."""
    week = week_start(task.due_date)
    qualified = [c for c in candidates
                 if is_qualified(c, task.required_role, task.required_skill)]
    decision = route_choose(candidates=qualified,
                            loads=routing_loads((c.user_id for c in qualified), week),
                            required_role=task.required_role,
                            required_skill=task.required_skill, hours=task.estimated_hours,
                            week=week)
    task_workload_remove(task)
    task.assignee_id = decision.user_id
    task.assignment_reason = decision.reason
    task_workload_add(task)
    return decision


def route_many(*, tasks: Sequence[JobTask], candidates: Sequence[Candidate]) -> None:
    """Route many new (unsaved, unassigned) tasks at once, as `task_route` would one by
    one: loads are read once per due week and kept in memory as tasks are handed out,
    then the workload table gets one upsert per (person, week). For batch creation
    (recurring generation); the caller saves the tasks in the same transaction."""
    from apps.work.workload import workload_shift_many

    ids = [c.user_id for c in candidates]
    weeks = sorted({week_start(t.due_date) for t in tasks})
    loads = {week: routing_loads(ids, week) for week in weeks}
    qualified_cache: dict[tuple[str, str], list[Candidate]] = {}
    deltas: dict[tuple[int, date], list] = {}
    for task in tasks:
        week = week_start(task.due_date)
        key = (task.required_role, task.required_skill)
        if key not in qualified_cache:
            qualified_cache[key] = [c for c in candidates if is_qualified(c, *key)]
        decision = route_choose(candidates=qualified_cache[key], loads=loads[week],
                                required_role=task.required_role,
                                required_skill=task.required_skill,
                                hours=task.estimated_hours, week=week)
        task.assignee_id, task.assignment_reason = decision.user_id, decision.reason
        task.workload_week = week if decision.user_id is not None else None
        if decision.user_id is None:
            continue
        uid = decision.user_id
        for other_week, week_loads in loads.items():
            old = week_loads[uid]
            extra = task.estimated_hours if other_week == week else Decimal("0")
            week_loads[uid] = Load(old.hours + extra, old.open_tasks + 1)
        delta = deltas.setdefault((uid, week), [Decimal("0"), 0])
        delta[0] += task.estimated_hours
        delta[1] += 1
    workload_shift_many([(uid, week, hours, count)
                         for (uid, week), (hours, count) in deltas.items()])
