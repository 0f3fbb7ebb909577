"""Work's permissions live in the one role matrix (apps/accounts/roles.py): who may edit
templates, see others' time, override a required stage, change capacity; and what a role
may not do is refused on the page, not only hidden."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.accounts.roles import Perm, Role, permissions_for_role
from apps.work.models import Job
from tests.work.factories import make_job, make_template

MANAGING = {Role.OWNER, Role.ADMIN, Role.PARTNER, Role.MANAGER}


@pytest.mark.parametrize("perm, roles", [
    (Perm.WORK_TEMPLATES_EDIT, MANAGING),
    (Perm.WORK_STAGE_OVERRIDE, MANAGING),
    (Perm.WORK_CAPACITY_EDIT, MANAGING),
    (Perm.WORK_TIME_VIEW_ALL, MANAGING | {Role.AUDITOR}),
])
def test_work_permissions_belong_to_exactly_these_roles(perm, roles):
    assert {role for role in Role if perm in permissions_for_role(role)} == roles


def test_clients_hold_no_work_permission_and_the_auditor_only_reads():
    work = {Perm.WORK_TEMPLATES_EDIT, Perm.WORK_STAGE_OVERRIDE, Perm.WORK_CAPACITY_EDIT,
            Perm.WORK_TIME_VIEW_ALL, Perm.TASKS_EDIT}
    assert not work & permissions_for_role(Role.CLIENT_OWNER)
    assert not work & permissions_for_role(Role.CLIENT_MEMBER)
    assert Perm.TASKS_VIEW in permissions_for_role(Role.AUDITOR)
    assert Perm.TASKS_EDIT not in permissions_for_role(Role.AUDITOR)


@pytest.mark.django_db
def test_an_auditor_sees_the_board_but_cannot_move_a_card(firm_a):
    connection.set_tenant(firm_a.firm)
    job = make_job(make_template())
    second = job.template.stages.get(position=2)
    auditor = firm_a.client(Role.AUDITOR)

    board = auditor.get(f"/work/board/?template={job.template_id}")
    moved = auditor.post(f"/work/jobs/{job.pk}/move/", {"stage": second.pk})

    assert board.status_code == 200
    assert "formaction=" not in board.content.decode()  # no move buttons
    assert moved.status_code == 403
    assert Job.objects.get(pk=job.pk).stage.position == 1
