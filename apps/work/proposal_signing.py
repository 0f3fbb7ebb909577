"""What a signed proposal starts in work management.

`proposal_signed_after_commit` is the one call the proposals service makes: once the
signature has committed, a task (`work.proposal_signed`) creates a recurring schedule for
each recurring fee line (with the library template that fits the line's engagement) and
fires the "proposal signed" trigger on the client's open jobs, and starts a new job from
each template the firm marked "start when a proposal is signed" (for every proposal, or
once per client, e.g. onboarding). All are exactly once: a schedule is unique on its
proposal line, a started job on (template, client, "proposal:<id>" or "once"), and an
automation run on (job, automation, "proposal_signed:<id>").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from advisoros.tasks import delay_on_commit
from apps.work.models import Job, RecurringSchedule, StartOnSigned, Trigger, WorkflowTemplate

logger = logging.getLogger(__name__)

# (engagement type, frequency) -> the library template that does that work; a type alone
# is the fallback for a frequency the library has no closer match for.
TEMPLATE_FOR_LINE = {
    ("bookkeeping", "monthly"): "monthly_close",
    ("payroll", "monthly"): "payroll_run",
    ("cfo_advisory", "quarterly"): "quarterly_cfo_review",
    ("tax_return", "quarterly"): "quarterly_estimates",
    ("tax_return", "yearly"): "individual_1040",
}
TEMPLATE_FOR_TYPE = {
    "bookkeeping": "monthly_close",
    "payroll": "payroll_run",
    "cfo_advisory": "quarterly_cfo_review",
    "tax_return": "individual_1040",
}


def proposal_signed_after_commit(*, proposal_id: int,
                                 engagements: Iterable[tuple[int, int]]) -> None:
    """Queue the work a signature starts, once the signing transaction commits.
    `engagements` pairs each proposal line id with the engagement it created."""
    from apps.work.tasks import proposal_signed

    pairs = [[line_id, engagement_id] for line_id, engagement_id in engagements]
    delay_on_commit(proposal_signed, proposal_id=proposal_id, engagements=pairs)


def _template_for(engagement_type: str, frequency: str) -> WorkflowTemplate | None:
    key = TEMPLATE_FOR_LINE.get((engagement_type, frequency)) or \
        TEMPLATE_FOR_TYPE.get(engagement_type)
    if key is None:
        return None
    return WorkflowTemplate.objects.filter(library_key=key, archived=False).first()


def proposal_schedules_create(*, engagements: Iterable[tuple[int, int]]
                              ) -> list[RecurringSchedule]:
    """One recurring schedule per recurring fee line, never a second one for the same line
    (a redelivered task, or two at once, meet the unique proposal line)."""
    from apps.people.models_proposals import FeeType, ProposalLine
    from apps.portal.models import Engagement
    from apps.work.recurring import recurring_schedule_create

    engagement_of = dict(engagements)
    lines = ProposalLine.objects.filter(pk__in=engagement_of, fee_type=FeeType.RECURRING)
    done = set(RecurringSchedule.objects.filter(proposal_line__in=lines)
               .values_list("proposal_line_id", flat=True))
    created = []
    for line in lines:
        engagement = Engagement.objects.filter(pk=engagement_of[line.pk]).first()
        if line.pk in done or engagement is None:
            continue
        template = _template_for(engagement.type, line.frequency)
        if template is None:
            logger.info("no work template fits %s %s; no schedule for line %s",
                        engagement.type, line.frequency, line.pk)
            continue
        try:
            with transaction.atomic():
                created.append(recurring_schedule_create(
                    engagement=engagement, template=template, frequency=line.frequency,
                    first_period=engagement.start_date, assignee_id=engagement.responsible_id,
                    proposal_line_id=line.pk))
        except IntegrityError:  # the same line, created by a concurrent delivery
            continue
    return created


def proposal_signed_fire(*, proposal_id: int, client_id: int, signed_at=None) -> int:
    """The "proposal signed" trigger on each open job of the client that has a rule for
    it (jobs made before `signed_at`: a redelivery must not tell the jobs the signature
    itself started); returns how many jobs were told."""
    from apps.work.automations import automations_fire, events_with_automations

    events = [{"job_id": job_id, "trigger": Trigger.PROPOSAL_SIGNED,
               "event_key": f"proposal_signed:{proposal_id}", "stage_id": stage_id}
              for job_id, stage_id in Job.objects.filter(
                  client_id=client_id, status=Job.Status.OPEN,
                  **({"created_at__lt": signed_at} if signed_at else {}),
              ).values_list("id", "stage_id")]
    told = events_with_automations(events) if events else []
    for event in told:
        automations_fire(**event)
    return len(told)


def proposal_jobs_start(*, proposal, engagement_ids: Iterable[int] = (),
                        firm_id: int | None = None) -> list[Job]:
    """A new job from every template marked "start when a proposal is signed", once: per
    proposal ("every") or per client ("first": not when the client has a job from it).
    The job is tied to the proposal's engagement when it made exactly one."""
    from apps.portal.models import Engagement
    from apps.work.services import ONCE_PER_CLIENT, job_start_once

    engagements = list(Engagement.objects.filter(pk__in=list(engagement_ids),
                                                 client_id=proposal.client_id))
    reason = f"Started because {proposal.client.business_name} signed “{proposal.title}”"
    started = []
    for template in WorkflowTemplate.objects.filter(archived=False).exclude(
            start_on_proposal_signed=StartOnSigned.NEVER).order_by("id"):
        once = template.start_on_proposal_signed == StartOnSigned.FIRST
        job = job_start_once(
            template=template, client=proposal.client, firm_id=firm_id, reason=reason[:300],
            start_key=ONCE_PER_CLIENT if once else f"proposal:{proposal.pk}",
            once_per_client=once, engagement=engagements[0] if len(engagements) == 1 else None)
        if job is not None:
            started.append(job)
    return started


def proposal_signed(*, proposal_id: int, engagements: Iterable[tuple[int, int]]) -> int:
    """Everything a signature starts in work management; safe to run twice."""
    from apps.people.models_proposals import Proposal
    from apps.portal.selectors import current_firm

    proposal = Proposal.objects.select_related("client").filter(
        pk=proposal_id, status=Proposal.Status.SIGNED).first()
    if proposal is None:
        return 0
    engagements = list(engagements)
    schedules = proposal_schedules_create(engagements=engagements)
    # The trigger goes to the jobs that were open before; the new ones start with their
    # own "job created" automations.
    told = proposal_signed_fire(proposal_id=proposal.pk, client_id=proposal.client_id,
                                signed_at=proposal.signed_at)
    started = proposal_jobs_start(proposal=proposal,
                                  engagement_ids=[e for _, e in engagements],
                                  firm_id=current_firm().pk)
    return len(schedules) + told + len(started)
