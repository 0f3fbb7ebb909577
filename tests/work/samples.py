"""Real objects of firm A for the isolation suite's work routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context


def _job(world) -> dict:
    from apps.work.models import AutomationRun, TemplateAutomation
    from tests.work.factories import make_job

    with schema_context(world.firm.schema_name):
        job = make_job()
        automation = TemplateAutomation.objects.create(
            template=job.template, trigger="job_created", action="draft_invoice")
        run = AutomationRun.objects.create(job=job, automation=automation,
                                           event_key="isolation", status="failed",
                                           outcome="sample failure")
        return {"job_id": job.pk, "task_id": job.tasks.first().pk, "run_id": run.pk,
                "template_id": job.template_id}


def _staff_member(world) -> dict:
    return {"user_id": world.users["staff_accountant"].pk}


def _client(world) -> dict:
    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        return {"client_id": make_client(business_name="Work isolation client").pk}


def _admin_objects(world) -> dict[str, int]:
    from decimal import Decimal

    from apps.work.models import AutomationRun, RoleRate, StaffProfile, TimeEntry

    found = _job(world)
    with schema_context(world.firm.schema_name):
        from apps.work.models import Job

        job = Job.objects.get(pk=found["job_id"])
        entry = TimeEntry.objects.create(user_id=world.users["bookkeeper"].pk, job=job,
                                         client_id=job.client_id, work_date=job.due_date,
                                         minutes=30)
        profile = StaffProfile.objects.update_or_create(
            user_id=world.users["bookkeeper"].pk, defaults={})[0]
        rate = RoleRate.objects.update_or_create(role="bookkeeper",
                                                 defaults={"hourly_rate": Decimal("90")})[0]
        return {"workflowtemplate": found["template_id"], "job": found["job_id"],
                "automationrun": AutomationRun.objects.get(pk=found["run_id"]).pk,
                "timeentry": entry.pk, "staffprofile": profile.pk, "rolerate": rate.pk}


def _admin_sample(model: str) -> Callable:
    return lambda world: {"object_id": _admin_objects(world)[model]}


_ADMIN_MODELS = ("workflowtemplate", "job", "automationrun", "timeentry", "staffprofile",
                 "rolerate")

WORK_SAMPLES: dict[str, Callable] = {
    **{f"firm_admin:work_{model}_{view}": _admin_sample(model)
       for model in _ADMIN_MODELS for view in ("change", "delete", "history")},
    "work:wip_bill": _client,
    "work:client_work": _client,
    **dict.fromkeys(["work:job_detail", "work:job_move", "work:task_complete",
                     "work:run_retry", "work:template_edit", "work:template_copy",
                     "work:job_rebalance"], _job),
    "work:capacity_edit": _staff_member,
    "work_api:template_detail": lambda world: {"pk": _job(world)["template_id"]},
    "work_api:task_complete": lambda world: {"pk": _job(world)["task_id"]},
    **dict.fromkeys(["work_api:job_detail", "work_api:job_move"],
                    lambda world: {"pk": _job(world)["job_id"]}),
}
