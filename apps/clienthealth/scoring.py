"""What each measurement costs a client's health score, in one place.

A score starts at 100 and loses points per component; it never goes below 0. The same
rules exist twice, on purpose: as Python (`health_penalties`, used for the reasons people
read and by the naive per-client computation) and as SQL (`PENALTY_SQL`, used by the
set-based refresh). `tests/clienthealth/test_scores.py` proves they agree.

Thresholds are plain numbers a partner can read: an invoice past due costs 8 points plus
1 for every 10 days the oldest one is late (at most 30); every overdue requested document
5 (at most 20); no sign-in, upload or message for 30 days 10, for 90 days 20; answering
in more than 7 days on average 7, more than 14 days 15; more engagements ended than added
in 90 days 10 for each (at most 20); paying more than 10 days late on average 7, more
than 30 days 15.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HEALTHY_FROM = 70  # 70-100: healthy
AT_RISK_BELOW = 40  # 0-39: at risk; 40-69: needs attention


@dataclass(frozen=True)
class Measurements:
    overdue_invoices: int = 0
    worst_days_late: int = 0
    overdue_requests: int = 0
    days_idle: int = 0
    response_days: Decimal | None = None
    engagements_added: int = 0
    engagements_ended: int = 0
    paid_days_late: Decimal | None = None


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _days(value: Decimal) -> str:
    rounded = value.quantize(Decimal("1")) if value >= 10 else value.quantize(Decimal("0.1"))
    return f"{rounded} days"


def health_penalties(m: Measurements) -> list[tuple[str, int, str]]:
    """(component, points lost, reason in words) for every component that costs points."""
    out: list[tuple[str, int, str]] = []
    if m.overdue_invoices:
        points = min(30, 8 * m.overdue_invoices + m.worst_days_late // 10)
        out.append(("invoices", points,
                    f"{_plural(m.overdue_invoices, 'invoice')} overdue, the oldest "
                    f"{_plural(m.worst_days_late, 'day')} late"))
    if m.overdue_requests:
        out.append(("requests", min(20, 5 * m.overdue_requests),
                    f"{_plural(m.overdue_requests, 'requested document')} overdue"))
    if m.days_idle >= 30:
        out.append(("activity", 20 if m.days_idle >= 90 else 10,
                    f"no sign-in, upload or message in {m.days_idle} days"))
    if m.response_days is not None and m.response_days > 7:
        out.append(("response", 15 if m.response_days > 14 else 7,
                    f"takes {_days(m.response_days)} on average to answer messages and "
                    f"requests"))
    if m.engagements_ended > m.engagements_added:
        added = f"{m.engagements_added} added" if m.engagements_added else "none added"
        out.append(("engagements", min(20, 10 * (m.engagements_ended - m.engagements_added)),
                    f"{_plural(m.engagements_ended, 'engagement')} ended, {added} "
                    f"in 90 days"))
    if m.paid_days_late is not None and m.paid_days_late > 10:
        out.append(("payments", 15 if m.paid_days_late > 30 else 7,
                    f"pays {_days(m.paid_days_late)} late on average"))
    return out


def health_score(m: Measurements) -> int:
    return max(0, 100 - sum(points for _, points, _ in health_penalties(m)))


def health_level(score: int) -> tuple[str, str]:
    """(css/sort key, label)."""
    if score >= HEALTHY_FROM:
        return "healthy", "Healthy"
    if score >= AT_RISK_BELOW:
        return "watch", "Needs attention"
    return "at_risk", "At risk"


# The same rules over the refresh's measurement columns (see services.REFRESH_SQL).
PENALTY_SQL = """
    (CASE WHEN overdue_invoices > 0
          THEN least(30, 8 * overdue_invoices + worst_days_late / 10) ELSE 0 END)
  + least(20, 5 * overdue_requests)
  + (CASE WHEN days_idle >= 90 THEN 20 WHEN days_idle >= 30 THEN 10 ELSE 0 END)
  + (CASE WHEN response_days > 14 THEN 15 WHEN response_days > 7 THEN 7 ELSE 0 END)
  + (CASE WHEN engagements_ended > engagements_added
          THEN least(20, 10 * (engagements_ended - engagements_added)) ELSE 0 END)
  + (CASE WHEN paid_days_late > 30 THEN 15 WHEN paid_days_late > 10 THEN 7 ELSE 0 END)
"""
SCORE_SQL = f"greatest(0, 100 - ({PENALTY_SQL}))"
