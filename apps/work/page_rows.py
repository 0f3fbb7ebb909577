"""Board cards and "My work" rows as the pages show them, prepared in Python.

The board shows up to 125 cards and My work up to 200 rows; per item, a `{% url %}` tag,
an `{% include %}`, a date filter and a form with its own CSRF token cost more than the
queries of the whole page (docs/profiles/). Here each link is one reverse per page plus
string formatting, labels come from a dict, and the templates hold one move form per
column (My work: one form for all "Done" buttons) that the buttons point at."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.urls import reverse

from apps.work.models import Priority

# (label, badge class or "") per priority, as templates/work/partials/priority.html shows.
PRIORITY_SHOWN = {
    Priority.URGENT: ("Urgent", "badge badge-overdue"),
    Priority.HIGH: ("High", "badge badge-on_hold"),
    Priority.NORMAL: ("Normal", ""),
    Priority.LOW: ("Low", "muted"),
}


def _pattern(name: str) -> str:
    """The URL of `name` for id 0, with a slot for the id (one reverse per page)."""
    return reverse(name, args=[0]).replace("/0/", "/{}/", 1)


def day_short(day: date) -> str:
    return f"{day:%b} {day.day}"


def day_long(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def board_cards_prepare(columns: Iterable) -> None:
    """Links, due label and priority badge on each card of the board's columns."""
    detail, move = _pattern("work:job_detail"), _pattern("work:job_move")
    for column in columns:
        for card in column.cards:
            card["url"] = detail.format(card["id"])
            card["move_url"] = move.format(card["id"])
            card["due_label"] = day_short(card["due_date"])
            if card["priority"] >= Priority.HIGH:
                card["priority_label"], card["priority_class"] = PRIORITY_SHOWN[
                    card["priority"]]


def my_work_rows_prepare(rows: list[dict]) -> list[dict]:
    """Links, due label and priority badge on each of a person's task rows."""
    detail, done = _pattern("work:job_detail"), _pattern("work:task_complete")
    for row in rows:
        row["job_url"] = detail.format(row["job_id"])
        row["done_url"] = done.format(row["id"])
        row["due_label"] = day_long(row["due_date"])
        row["priority_label"], row["priority_class"] = PRIORITY_SHOWN.get(
            row["job__priority"], ("Normal", ""))
        row["hours_label"] = _hours(row["estimated_hours"])
    return rows


def job_rows_prepare(rows: list[dict]) -> list[dict]:
    """Link, due label and priority badge on each row of the job list."""
    detail = _pattern("work:job_detail")
    for row in rows:
        row["url"] = detail.format(row["id"])
        row["due_label"] = day_long(row["due_date"])
        row["priority_label"], row["priority_class"] = PRIORITY_SHOWN.get(
            row["priority"], ("Normal", ""))
    return rows


def _hours(hours) -> str:
    # As floatformat:"-2" shows them: "2", "1.50", "0.25".
    return str(int(hours)) if hours == int(hours) else f"{hours:.2f}"
