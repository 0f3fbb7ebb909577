"""Recurring invoices: a plan bills the same line every month, quarter or year.

Beat runs `billing.recurring_invoices_generate` in every firm daily. Each due plan is
locked (others skip it), one invoice per missed period is created, and the plan moves
on, all in one transaction; the unique (plan, period start) constraint makes a second
invoice for a period impossible even if two runs overlapped.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.billing.models import PaymentTerms, RecurringPlan
from apps.billing.money import MAX_AMOUNT, line_amounts
from apps.billing.services import _marketplace_engagement_check, clean_lines, invoice_create
from apps.billing.validation import clean_choice, clean_currency, clean_date
from apps.portal.models import Client, Engagement

MONTHS = {RecurringPlan.Frequency.MONTHLY: 1, RecurringPlan.Frequency.QUARTERLY: 3,
          RecurringPlan.Frequency.YEARLY: 12}
logger = logging.getLogger(__name__)

# A plan that missed many periods (beat down for long) catches up at most this many per run.
MAX_PERIODS_PER_RUN = 24


def add_months(start: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_start(plan: RecurringPlan, index: int) -> date:
    return add_months(plan.start_date, MONTHS[plan.frequency] * index)


@transaction.atomic
def recurring_plan_create(*, client: Client, frequency: Any, description: Any, unit_price: Any,
                          quantity: Any = "1", tax_rate: Any = "0", currency: Any = "USD",
                          payment_terms: Any = PaymentTerms.NET_30, start_date: Any = None,
                          end_date: Any = None, engagement: Engagement | None = None,
                          marketplace_engagement_id: int | None = None,
                          send_automatically: bool = True, created_by=None,
                          request: HttpRequest | None = None) -> RecurringPlan:
    errors: dict[str, str] = {}
    frequency = clean_choice(frequency, "frequency", errors, RecurringPlan.Frequency,
                             label="frequency")
    lines = clean_lines([{"description": description, "quantity": quantity,
                          "unit_price": unit_price, "tax_rate": tax_rate}], errors)
    for key in list(errors):
        if key.startswith("lines.0."):
            errors[key.removeprefix("lines.0.")] = errors.pop(key)
    currency = clean_currency(currency, errors)
    payment_terms = clean_choice(payment_terms, "payment_terms", errors, PaymentTerms,
                                 label="payment terms")
    start_date = clean_date(start_date or timezone.localdate(), "start_date", errors)
    end_date = clean_date(end_date, "end_date", errors, required=False)
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = "The plan cannot end before it starts."
    if engagement is not None and engagement.client_id != client.pk:
        errors["engagement"] = "That engagement belongs to another client."
    mkt_id = _marketplace_engagement_check(marketplace_engagement_id, client, errors)
    if lines:
        # Every period's invoice must be creatable: refuse now what generation would refuse.
        amounts = line_amounts(quantity=lines[0].quantity, unit_price=lines[0].unit_price,
                               tax_rate=lines[0].tax_rate)
        if amounts.amount + amounts.tax_amount > MAX_AMOUNT:
            errors["unit_price"] = (f"Each invoice's total cannot be more than "
                                    f"{MAX_AMOUNT:,}; lower the price or the quantity.")
    if errors:
        raise ValidationError(errors)
    line = lines[0]
    return RecurringPlan.objects.create(
        client=client, engagement=engagement, marketplace_engagement_id=mkt_id,
        frequency=frequency, description=line.description, quantity=line.quantity,
        unit_price=line.unit_price, tax_rate=line.tax_rate, currency=currency,
        payment_terms=payment_terms, start_date=start_date, next_period_start=start_date,
        end_date=end_date, send_automatically=bool(send_automatically),
        created_by_id=getattr(created_by, "pk", None))


def _plan_generate(plan_id: int, today: date) -> int:
    from apps.billing.services import invoice_send

    made = 0
    with transaction.atomic():
        plan = (RecurringPlan.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("client", "engagement").filter(pk=plan_id).first())
        if plan is None:  # another run holds it
            return 0
        while (made < MAX_PERIODS_PER_RUN and plan.active
               and plan.next_period_start <= today
               and (plan.end_date is None or plan.next_period_start <= plan.end_date)):
            if plan.client.deleted_at is not None:
                plan.active = False
                break
            invoice = invoice_create(
                client=plan.client, engagement=plan.engagement,
                marketplace_engagement_id=plan.marketplace_engagement_id,
                issue_date=plan.next_period_start, payment_terms=plan.payment_terms,
                currency=plan.currency, recurring_plan=plan,
                period_start=plan.next_period_start,
                lines=[{"description": plan.description, "quantity": plan.quantity,
                        "unit_price": plan.unit_price, "tax_rate": plan.tax_rate}])
            if plan.send_automatically and invoice.total > 0:
                invoice_send(invoice=invoice)
            plan.periods_generated += 1
            plan.next_period_start = period_start(plan, plan.periods_generated)
            made += 1
        if plan.end_date is not None and plan.next_period_start > plan.end_date:
            plan.active = False
        plan.last_error, plan.last_error_at = "", None
        plan.save(update_fields=["periods_generated", "next_period_start", "active",
                                 "last_error", "last_error_at"])
    return made


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)[:500]
    return f"Internal error ({type(exc).__name__}); the team was notified."[:500]


def recurring_invoices_generate(*, today: date | None = None) -> int:
    """Every due plan of the current firm, one transaction each; returns invoices made.
    A plan that cannot be billed (its invoice is refused, or anything else fails) is
    rolled back alone, its reason recorded on the plan and logged; the others go on."""
    today = today or timezone.localdate()
    due = (RecurringPlan.objects.filter(active=True, next_period_start__lte=today)
           .values_list("pk", flat=True))
    made = 0
    for plan_id in list(due):
        try:
            made += _plan_generate(plan_id, today)
        except Exception as exc:
            logger.exception("recurring plan %s could not be billed", plan_id)
            RecurringPlan.objects.filter(pk=plan_id).update(
                last_error=_failure_reason(exc), last_error_at=timezone.now())
    return made
