"""Time: a running timer or manual entries on jobs and tasks, rates by person or role, WIP
(billable time not yet invoiced), billing WIP into invoice lines exactly once, and
realization (billed against standard value) per job.

Exactly once: `wip_bill` locks the client's unbilled entries (SELECT ... FOR UPDATE) and
marks them with the invoice in the same transaction that creates it. A concurrent bill
waits on the lock; PostgreSQL re-checks `invoice IS NULL` when the lock is released, so
the second finds nothing left and is refused (tests/work/test_time.py, with threads).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Round
from django.utils import timezone

from apps.accounts.models import Membership
from apps.portal.models import Client
from apps.work.models import Job, JobTask, RoleRate, StaffProfile, TimeEntry, TimelineEvent

CENT = Decimal("0.01")
MAX_MINUTES_PER_ENTRY = 24 * 60


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def standard_value(minutes: int, rate: Decimal) -> Decimal:
    return _cents(Decimal(minutes) * rate / 60)


def rate_for(*, user_id: int, firm_id: int) -> Decimal:
    """A person's own rate, else their role's standard rate, else zero."""
    own = StaffProfile.objects.filter(user_id=user_id).values_list("hourly_rate",
                                                                   flat=True).first()
    if own is not None:
        return own
    role = Membership.objects.filter(user_id=user_id, firm_id=firm_id,
                                     is_active=True).values_list("role", flat=True).first()
    by_role = RoleRate.objects.filter(role=role).values_list("hourly_rate", flat=True).first()
    return by_role if by_role is not None else Decimal("0.00")


def _check(job: Job, task: JobTask | None, description: str, errors: dict) -> None:
    if task is not None and task.job_id != job.pk:
        errors["task"] = ["That task belongs to another job."]
    if "\x00" in (description or "") or len(description or "") > 300:
        errors["description"] = ["Plain text under 300 characters."]


@transaction.atomic
def timer_start(*, user_id: int, firm_id: int, job: Job, task: JobTask | None = None,
                description: str = "", billable: bool = True) -> TimeEntry:
    errors: dict[str, list[str]] = {}
    _check(job, task, description, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return TimeEntry.objects.create(
                user_id=user_id, job=job, task=task, client_id=job.client_id,
                work_date=timezone.localdate(), started_at=timezone.now(),
                description=description or "", billable=billable,
                rate=rate_for(user_id=user_id, firm_id=firm_id))
    except IntegrityError as exc:  # the one-running-timer constraint
        raise ValidationError({"timer": ["You already have a timer running; stop it first."]}
                              ) from exc


@transaction.atomic
def timer_stop(*, user_id: int) -> TimeEntry | None:
    """Stop the person's running timer (None when none runs); at least one minute."""
    entry = (TimeEntry.objects.select_for_update()
             .filter(user_id=user_id, minutes__isnull=True).first())
    if entry is None:
        return None
    seconds = (timezone.now() - entry.started_at).total_seconds()
    entry.minutes = min(max(1, math.ceil(seconds / 60)), MAX_MINUTES_PER_ENTRY)
    entry.save(update_fields=["minutes"])
    _logged(entry)
    return entry


@transaction.atomic
def time_entry_create(*, user_id: int, firm_id: int, job: Job, minutes: int,
                      work_date: date | None = None, task: JobTask | None = None,
                      description: str = "", billable: bool = True) -> TimeEntry:
    errors: dict[str, list[str]] = {}
    _check(job, task, description, errors)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES_PER_ENTRY:
        errors["minutes"] = ["Between 1 minute and 24 hours."]
    work_date = work_date or timezone.localdate()
    if work_date > timezone.localdate():
        errors["work_date"] = ["Time cannot be logged in the future."]
    if errors:
        raise ValidationError(errors)
    entry = TimeEntry.objects.create(
        user_id=user_id, job=job, task=task, client_id=job.client_id, work_date=work_date,
        minutes=minutes, description=description or "", billable=billable,
        rate=rate_for(user_id=user_id, firm_id=firm_id))
    _logged(entry)
    return entry


def _logged(entry: TimeEntry) -> None:
    from apps.work.services import timeline_add

    hours = Decimal(entry.minutes) / 60
    timeline_add(job=entry.job, kind=TimelineEvent.Kind.TIME_LOGGED, actor_id=entry.user_id,
                 message=f"{hours:.2f} h logged{'' if entry.billable else ' (not billable)'}",
                 details={"entry_id": entry.pk})


def _unbilled() -> Q:
    return Q(billable=True, invoice__isnull=True, minutes__isnull=False)


# Each entry's standard value rounded to the cent (PostgreSQL's round is half away from
# zero, half-up for these positive amounts), as billing rounds it: WIP and bills agree.
_VALUE = Round(ExpressionWrapper(F("minutes") * F("rate") / 60,
                                 output_field=DecimalField(max_digits=14, decimal_places=4)),
               precision=2)


@dataclass(frozen=True)
class WipRow:
    id: int
    name: str
    minutes: int
    value: Decimal


def wip_by_client(limit: int = 200) -> list[WipRow]:
    rows = (TimeEntry.objects.filter(_unbilled()).values("client_id", "client__business_name")
            .annotate(total_minutes=Sum("minutes"), value=Sum(_VALUE))
            .order_by("-value")[:limit])
    return [WipRow(r["client_id"], r["client__business_name"], r["total_minutes"],
                   _cents(r["value"])) for r in rows]


def wip_by_job(*, client_id: int | None = None, limit: int = 200) -> list[WipRow]:
    entries = TimeEntry.objects.filter(_unbilled())
    if client_id:
        entries = entries.filter(client_id=client_id)
    rows = (entries.values("job_id", "job__name")
            .annotate(total_minutes=Sum("minutes"), value=Sum(_VALUE))
            .order_by("-value")[:limit])
    return [WipRow(r["job_id"], r["job__name"], r["total_minutes"], _cents(r["value"]))
            for r in rows]


def _allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` over entries in proportion to `weights`, to the cent, summing to
    `total` exactly (the rounding remainder goes to the largest entries)."""
    weight_sum = sum(weights, Decimal("0"))
    if weight_sum == 0:
        shares = [Decimal("0.00")] * len(weights)
        if shares:
            shares[0] = total
        return shares
    raw = [total * w / weight_sum for w in weights]
    shares = [r.quantize(CENT, rounding="ROUND_DOWN") for r in raw]
    remainder = int((total - sum(shares, Decimal("0"))) / CENT)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in order[:remainder]:
        shares[i] += CENT
    return shares


@transaction.atomic
def wip_bill(*, client: Client, job: Job | None = None, amount: Decimal | None = None,
             actor=None):
    """A draft invoice for the client's unbilled billable time (one line per job), the
    entries marked billed by it in the same transaction. `amount` bills a different total
    than the standard value (a write-down or -up), only with `job` given."""
    from apps.billing.services import invoice_create

    entries_qs = TimeEntry.objects.select_for_update().filter(_unbilled(), client=client)
    if job is not None:
        entries_qs = entries_qs.filter(job=job)
    entries = list(entries_qs.select_related("job").order_by("job_id", "id"))
    if not entries:
        raise ValidationError({"time": ["There is no unbilled billable time to invoice."]})
    if amount is not None:
        if job is None:
            raise ValidationError({"amount": ["Adjust the amount one job at a time."]})
        if amount < 0:
            raise ValidationError({"amount": ["The amount cannot be negative."]})
    by_job: dict[int, list[TimeEntry]] = {}
    for entry in entries:
        by_job.setdefault(entry.job_id, []).append(entry)
    lines, billed = [], {}
    for job_entries in by_job.values():
        standard = [standard_value(e.minutes, e.rate) for e in job_entries]
        total = _cents(amount) if amount is not None else sum(standard, Decimal("0.00"))
        for entry, share in zip(job_entries, _allocate(total, standard), strict=True):
            billed[entry.pk] = share
        hours = Decimal(sum(e.minutes for e in job_entries)) / 60
        lines.append({"description": f"{job_entries[0].job.name[:160]} — {hours:.2f} h",
                      "quantity": "1", "unit_price": str(total)})
    invoice = invoice_create(client=client, lines=lines, created_by=actor,
                             engagement=job.engagement if job is not None else None)
    for entry in entries:
        entry.invoice, entry.billed_amount = invoice, billed[entry.pk]
    TimeEntry.objects.bulk_update(entries, ["invoice", "billed_amount"])
    from apps.work.services import timeline_add

    for job_entries in by_job.values():
        timeline_add(job=job_entries[0].job, kind=TimelineEvent.Kind.BILLED,
                     actor_id=getattr(actor, "pk", None), details={"invoice_id": invoice.pk},
                     message=f"{len(job_entries)} time entries billed on invoice "
                             f"{invoice.number}")
    return invoice


@dataclass(frozen=True)
class Realization:
    minutes: int
    standard: Decimal  # value of all billable time at standard rates
    billed_standard: Decimal  # standard value of the billed part
    billed: Decimal  # what was invoiced for it
    wip: Decimal  # standard value not billed yet

    @property
    def rate(self) -> Decimal | None:
        """Billed / standard value of billed time (None before anything is billed)."""
        if not self.billed_standard:
            return None
        return (self.billed / self.billed_standard * 100).quantize(Decimal("0.1"))


def job_realization(job: Job) -> Realization:
    rows = list(TimeEntry.objects.filter(job=job, billable=True, minutes__isnull=False)
                .values_list("minutes", "rate", "invoice_id", "billed_amount"))
    standard = billed_standard = billed = wip = Decimal("0.00")
    for minutes, rate, invoice_id, billed_amount in rows:
        value = standard_value(minutes, rate)
        standard += value
        if invoice_id is None:
            wip += value
        else:
            billed_standard += value
            billed += billed_amount or Decimal("0.00")
    return Realization(sum(r[0] for r in rows), standard, billed_standard, billed, wip)
