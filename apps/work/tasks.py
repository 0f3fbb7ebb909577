"""Work tasks: thin, take ids, call one service, safe to run twice. They run in the schema
of the firm that queued them (or that the beat dispatcher fanned out to)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="work.automations_fire")
def automations_fire(*, job_id: int, trigger: str, event_key: str,
                     stage_id: int | None = None) -> int:
    """A trigger's automations; the unique run per (job, automation, event) makes a
    redelivered message harmless."""
    from apps.work.automations import automations_fire as fire

    return len(fire(job_id=job_id, trigger=trigger, event_key=event_key, stage_id=stage_id))


@app.task(name="work.automation_run_execute")
def automation_run_execute_task(*, run_id: int) -> str:
    from apps.work.automations import automation_run_execute

    return automation_run_execute(run_id=run_id).status


@app.task(name="work.documents_received")
def documents_received(*, document_request_id: int) -> int:
    from apps.work.automations import documents_received as received

    return received(document_request_id=document_request_id)


@app.task(name="work.recurring_jobs_generate")
def recurring_jobs_generate() -> int:
    """Beat (through the per-firm dispatcher): every schedule's missing periods."""
    from apps.work.recurring import recurring_jobs_generate as generate

    return generate()


@app.task(name="work.automations_fire_many")
def automations_fire_many(*, events: list[dict]) -> int:
    """A batch of triggers (recurring generation makes thousands of jobs at once): one
    message per batch instead of one per job; each event is as idempotent as alone."""
    from apps.work.automations import automations_fire as fire
    from apps.work.automations import events_with_automations

    return sum(len(fire(**event)) for event in events_with_automations(events))


@app.task(name="work.onboarding_start")
def onboarding_start(*, client_id: int) -> int:
    """Once per template and client: a second delivery finds the job and does nothing."""
    from apps.portal.models import Client
    from apps.portal.selectors import current_firm
    from apps.work.services import onboarding_start as start

    client = Client.objects.alive().filter(pk=client_id).first()
    if client is None:
        return 0
    return len(start(client=client, firm_id=current_firm().pk))


@app.task(name="work.proposal_signed")
def proposal_signed(*, proposal_id: int, engagements: list[list[int]]) -> int:
    """A signed proposal's recurring schedules and "proposal signed" automations; each is
    unique, so a second delivery does nothing."""
    from apps.work.proposal_signing import proposal_signed as start

    return start(proposal_id=proposal_id, engagements=[tuple(p) for p in engagements])
