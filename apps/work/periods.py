"""Periods and due dates: pure functions on dates, no database.

A period is named by its first day ("2026-11-01" is November 2026). Statutory deadlines
that fall on a Saturday or Sunday move to the next Monday (IRC section 7503); federal
holidays are not modelled (a known limit, written down in docs/work.md).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from apps.work.models import DueRule, Frequency

_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_start_for(frequency: str, day: date) -> date:
    """The first day of the period containing `day`."""
    if frequency == Frequency.MONTHLY:
        return day.replace(day=1)
    if frequency == Frequency.QUARTERLY:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def period_next(frequency: str, start: date) -> date:
    return add_months(start, _MONTHS[frequency])


def period_end(frequency: str, start: date) -> date:
    return period_next(frequency, start) - timedelta(days=1)


def period_label(frequency: str, start: date) -> str:
    """"2026-11", "2026-Q4", "2026": short, sortable, shown in job names."""
    if frequency == Frequency.MONTHLY:
        return f"{start:%Y-%m}"
    if frequency == Frequency.QUARTERLY:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


def periods_between(frequency: str, first: date, last_inclusive: date) -> list[date]:
    """Every period start from `first` up to the period containing `last_inclusive`."""
    out, current = [], period_start_for(frequency, first)
    stop = period_start_for(frequency, last_inclusive)
    while current <= stop:
        out.append(current)
        current = period_next(frequency, current)
    return out


def next_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def week_start(day: date) -> date:
    """The Monday of `day`'s week: workload and capacity are counted per such week."""
    return day - timedelta(days=day.weekday())


def due_date_for(rule: str, period_start: date, frequency: str = Frequency.YEARLY) -> date:
    """The due date of a job for the period starting `period_start`.

    Tax returns are due after the tax year: a 1040 for tax year 2025 (period 2025-01-01)
    is due April 15, 2026; an 1120-S or 1065 March 15, 2026. A quarterly estimate for a
    calendar quarter is due Apr 15, Jun 15, Sep 15 and Jan 15 of the next year.
    """
    if rule == DueRule.INDIVIDUAL_RETURN:
        return next_business_day(date(period_start.year + 1, 4, 15))
    if rule == DueRule.PASS_THROUGH_RETURN:
        return next_business_day(date(period_start.year + 1, 3, 15))
    if rule == DueRule.QUARTERLY_ESTIMATE:
        quarter = (period_start.month - 1) // 3 + 1
        month_day = {1: (0, 4, 15), 2: (0, 6, 15), 3: (0, 9, 15), 4: (1, 1, 15)}[quarter]
        return next_business_day(date(period_start.year + month_day[0], month_day[1],
                                      month_day[2]))
    end = period_end(frequency, period_start)
    if rule == DueRule.MONTH_END_PLUS_15:
        return end + timedelta(days=15)
    if rule == DueRule.MONTH_END:
        return end
    if rule == DueRule.QUARTER_END_PLUS_20:
        return end + timedelta(days=20)
    if rule == DueRule.START_PLUS_14:
        return period_start + timedelta(days=14)
    return end


def extended_due_date(rule: str, period_start: date, extension_months: int) -> date | None:
    """The extended deadline (Form 4868 / 7004): six months after the statutory date,
    Oct 15 for a 1040 and Sep 15 for an 1120-S or 1065 (rolled past a weekend)."""
    statutory = {DueRule.INDIVIDUAL_RETURN: (4, 15), DueRule.PASS_THROUGH_RETURN: (3, 15)}
    if not extension_months or rule not in statutory:
        return None
    month, day = statutory[rule]
    return next_business_day(add_months(date(period_start.year + 1, month, day),
                                        extension_months))
