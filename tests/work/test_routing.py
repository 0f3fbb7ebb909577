"""Routing by workload and skills: properties of the choice (hypothesis), the explanation
on the task, and the incrementally kept workload against a recount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.accounts.roles import Role
from apps.work.models import JobTask, WorkloadWeek
from apps.work.routing import Candidate, Load, is_qualified, route_choose
from apps.work.services import job_task_assign, job_task_complete, job_task_reopen
from apps.work.workload import workload_recount
from tests.work.factories import make_job, make_profile, make_template

ROLES = [Role.PARTNER, Role.MANAGER, Role.SENIOR_ACCOUNTANT, Role.TAX_PREPARER,
         Role.BOOKKEEPER, Role.STAFF_ACCOUNTANT, Role.ADVISOR]
SKILLS = ["tax", "review", "bookkeeping", "payroll"]
WEEK = date(2026, 3, 9)

hours = st.decimals(min_value=0, max_value=60, places=1, allow_nan=False,
                    allow_infinity=False)
candidates = st.lists(
    st.builds(Candidate, user_id=st.integers(1, 10_000), name=st.just("Maya Ortiz"),
              role=st.sampled_from(ROLES),
              skills=st.frozensets(st.sampled_from(SKILLS), max_size=3),
              weekly_hours=hours),
    max_size=12, unique_by=lambda c: c.user_id)


@settings(max_examples=300, deadline=None)
@given(people=candidates, data=st.data(), role=st.sampled_from(["", *ROLES]),
       skill=st.sampled_from(["", *SKILLS]), needed=hours)
def test_routing_never_picks_the_unqualified_nor_the_full_while_someone_has_room(
        people, data, role, skill, needed):
    loads = {c.user_id: Load(data.draw(hours), data.draw(st.integers(0, 50)))
             for c in people}

    decision = route_choose(candidates=people, loads=loads, required_role=role,
                            required_skill=skill, hours=needed, week=WEEK)

    qualified = [c for c in people if is_qualified(c, role, skill)]
    if not qualified:
        assert decision.user_id is None
        assert decision.reason.startswith("Nobody qualified")
        return
    chosen = next(c for c in qualified if c.user_id == decision.user_id)
    free = {c.user_id: c.weekly_hours - loads[c.user_id].hours for c in qualified}
    if any(value >= needed for value in free.values()):
        assert free[chosen.user_id] >= needed
    assert free[chosen.user_id] == max(free.values())
    ties = [c for c in qualified if free[c.user_id] == free[chosen.user_id]]
    assert loads[chosen.user_id].open_tasks == min(loads[c.user_id].open_tasks for c in ties)


def test_the_reason_says_who_and_how_much_room():
    maya = Candidate(7, "Maya Ortiz", Role.TAX_PREPARER, frozenset({"tax"}), Decimal("32"))
    sam = Candidate(8, "Sam Lee", Role.TAX_PREPARER, frozenset({"tax"}), Decimal("40"))

    decision = route_choose(candidates=[maya, sam],
                            loads={7: Load(Decimal("18"), 3), 8: Load(Decimal("30"), 1)},
                            required_role=Role.TAX_PREPARER, required_skill="tax",
                            hours=Decimal("2"), week=WEEK)

    assert (decision.user_id, decision.reason) == (
        7, "assigned to Maya: 14 h free of 32 h in the week of Mar 9")


@pytest.mark.django_db
def test_job_tasks_go_to_qualified_staff_with_the_most_room(in_firm_a):
    world = in_firm_a
    prep = world.user(Role.TAX_PREPARER)
    senior = world.user(Role.SENIOR_ACCOUNTANT)
    make_profile(prep, hours="10", skills=["tax"])
    make_profile(senior, hours="40", skills=["tax"])
    template = make_template(tasks_per_stage=1, hours="8")
    template.stages.get(position=1).tasks.update(required_role=Role.TAX_PREPARER,
                                                 required_skill="tax")
    template.stages.get(position=2).tasks.update(required_role="", required_skill="payroll")

    job = make_job(template, due=date(2026, 3, 13), firm_id=world.firm.pk)

    first = job.tasks.get(stage__position=1)
    # The senior accountant covers tax preparer work and has more room.
    assert first.assignee_id == senior.pk
    assert first.assignment_reason.startswith("assigned to ")
    assert "40 h free of 40 h in the week of Mar 9" in first.assignment_reason
    nobody = job.tasks.get(stage__position=2)
    assert nobody.assignee_id is None
    assert nobody.assignment_reason == "Nobody qualified: needs the payroll skill"


@pytest.mark.django_db
def test_workload_is_kept_incrementally_and_matches_a_recount(in_firm_a):
    world = in_firm_a
    a, b = world.user(Role.BOOKKEEPER), world.user(Role.STAFF_ACCOUNTANT)
    jobs = [make_job(due=date(2026, 3, 13 + n)) for n in range(3)]
    tasks = list(JobTask.objects.filter(job__in=jobs).order_by("id"))
    for index, task in enumerate(tasks):
        job_task_assign(task=task, assignee_id=(a, b)[index % 2].pk)
    job_task_complete(task=tasks[0])
    job_task_assign(task=tasks[1], assignee_id=a.pk)
    job_task_reopen(task=tasks[0])
    job_task_assign(task=tasks[2], assignee_id=None)

    kept = sorted(WorkloadWeek.objects.exclude(hours=0, open_tasks=0)
                  .values_list("user_id", "week_start", "hours", "open_tasks"))
    workload_recount()
    recounted = sorted(WorkloadWeek.objects.values_list("user_id", "week_start", "hours",
                                                        "open_tasks"))

    assert kept == recounted
    assert sum(row[3] for row in kept) == len(tasks) - 1
