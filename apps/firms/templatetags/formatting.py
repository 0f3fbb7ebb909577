"""One way to show money, percentages, hours, dates and times: `{% load formatting %}`.

Dates and times are shown in the active time zone, which is the firm's on its pages
(apps/firms/middleware.py). Numbers use thousands separators; money and times are wrapped
in a no-wrap span so "$30,150.00" never breaks across lines.

    {{ invoice.total|money:invoice.currency }}   $30,150.00 (or 1,200.00 EUR)
    {{ advisor.hourly_rate|money_whole }}         $250
    {{ firm.commission_rate|percent }}            15 %      (a fraction: 0.15)
    {{ line.tax_percent|percent_points }}         8.875 %   (already in percent)
    {{ entry.hours|hours }}                       1.5 h
    {{ review.count|number }}                     12,345    (number:2 -> 0.53)
    {{ task.due_date|day }}                       Dec 8, 2026
    {{ task.due_date|day_short }}                 Dec 8     (this year's dates in a dense list)
    {{ row.month|month }}                         Dec 2026  (month_long: December 2026)
    {{ event.created_at|day_time }}               Dec 8, 2026, 3:05 PM
    {{ event.created_at|day_time_zone }}          Dec 8, 2026, 3:05 PM EST
    {% zone_label %}                              America/New_York
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

register = template.Library()

EMPTY = "—"
NBSP = "\u00a0"
MINUS = "\u2212"
# Currencies shown with a symbol before the amount; any other code follows the amount.
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}
DEFAULT_CURRENCY = "USD"


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _grouped(number: Decimal, places: int) -> str:
    """Absolute value, rounded half up, with thousands separators: 30150 -> "30,150.00"."""
    quantum = Decimal(1).scaleb(-places)
    return f"{abs(number).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def _trimmed(number: Decimal, places: int) -> str:
    """Up to `places` decimals without trailing zeros: 8.8750 -> "8.875", 15.00 -> "15"."""
    text = _grouped(number, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (MINUS if number < 0 and text.strip("0.,") else "") + text


def money_text(value: object, currency: str = DEFAULT_CURRENCY, places: int = 2) -> str:
    """Plain text money for CSV, mail and titles: "$30,150.00", "1,200.00 EUR"; negative
    amounts start with a real minus sign."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    code = (currency or DEFAULT_CURRENCY).upper()
    digits = _grouped(number, places)
    sign = MINUS if number < 0 and digits.strip("0.,") else ""
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits}{NBSP}{code}"


@register.filter
def money(value: object, currency: str = DEFAULT_CURRENCY) -> str:
    """Money with cents, never broken across lines."""
    return format_html('<span class="money">{}</span>', money_text(value, currency))


@register.filter
def money_whole(value: object, currency: str = DEFAULT_CURRENCY) -> str:
    """Money rounded to whole units (rates, retainers, big totals): "$250"."""
    return format_html('<span class="money">{}</span>', money_text(value, currency, places=0))


register.filter("money_text", money_text)


@register.filter
def percent(value: object, places: int = 1) -> str:
    """A fraction as a percentage: 0.15 -> "15 %", 0.0825 -> "8.3 %"."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    return f"{_trimmed(number * 100, int(places))}{NBSP}%"


@register.filter
def percent_points(value: object, places: int = 3) -> str:
    """A number already in percent: 8.875 -> "8.875 %", 15.00 -> "15 %"."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    return f"{_trimmed(number, int(places))}{NBSP}%"


@register.filter
def hours(value: object) -> str:
    """Hours as a decimal number: 1.5 -> "1.5 h", 37.25 -> "37.25 h", 0 -> "0 h"."""
    number = _decimal(value)
    if number is None:
        return EMPTY
    return f"{_trimmed(number, 2)}{NBSP}h"


@register.filter
def number(value: object, places: int = 0) -> str:
    """A plain number with thousands separators and at most `places` decimals: 12345 ->
    "12,345", number:2 of 0.5312 -> "0.53"."""
    number_ = _decimal(value)
    if number_ is None:
        return EMPTY
    return _trimmed(number_, int(places))


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def day(value: object) -> str:
    """A date (or the local date of a moment): "Dec 8, 2026"."""
    if isinstance(value, dt.datetime):
        value = _local(value)
    elif not isinstance(value, dt.date):
        return EMPTY
    return dateformat.format(value, "M j, Y")


@register.filter
def day_short(value: object) -> str:
    """A date without its year, for lists of near dates: "Dec 8"."""
    if isinstance(value, dt.datetime):
        value = _local(value)
    elif not isinstance(value, dt.date):
        return EMPTY
    return dateformat.format(value, "M j")


@register.filter
def month(value: object) -> str:
    """The month of a date: "Dec 2026"."""
    if isinstance(value, dt.datetime):
        value = _local(value)
    elif not isinstance(value, dt.date):
        return EMPTY
    return dateformat.format(value, "M Y")


@register.filter
def month_long(value: object) -> str:
    """The month of a date spelled out, for headings: "December 2026"."""
    if isinstance(value, dt.datetime):
        value = _local(value)
    elif not isinstance(value, dt.date):
        return EMPTY
    return dateformat.format(value, "F Y")


@register.filter
def day_time(value: object) -> str:
    """A moment in the firm's zone, for tables where the zone is stated once above."""
    if not isinstance(value, dt.datetime):
        return EMPTY
    return format_html('<span class="nowrap">{}</span>',
                       dateformat.format(_local(value), "M j, Y, g:i A"))


@register.filter
def day_time_zone(value: object) -> str:
    """A moment in the firm's zone with the zone's abbreviation: "Dec 8, 2026, 3:05 PM EST"."""
    if not isinstance(value, dt.datetime):
        return EMPTY
    return format_html('<span class="nowrap">{}</span>',
                       dateformat.format(_local(value), "M j, Y, g:i A T"))


@register.simple_tag
def zone_label() -> str:
    """The active zone's name, to say once on a page which zone its times are in."""
    return str(timezone.get_current_timezone())
