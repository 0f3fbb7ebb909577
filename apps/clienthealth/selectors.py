"""Reads for the health pages: the firm list riskiest first (keyset over the
(score, client) index, so page 1,000 costs what page 1 costs), one client's score with
its reasons, and its trend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from apps.clienthealth.models import ClientHealth, ClientHealthSnapshot
from apps.clienthealth.scoring import Measurements, health_level, health_penalties

PAGE_SIZE = 50
LEVEL_RANGES = {"at_risk": (0, 39), "watch": (40, 69), "healthy": (70, 100)}
MEASUREMENT_FIELDS = ("overdue_invoices", "worst_days_late", "overdue_requests", "days_idle",
                      "response_days", "engagements_added", "engagements_ended",
                      "paid_days_late")


@dataclass(frozen=True)
class HealthView:
    client_id: int
    client_name: str
    score: int
    level: str
    level_label: str
    reasons: list[tuple[str, int, str]]
    computed_at: datetime


@dataclass
class HealthPage:
    rows: list[HealthView]
    next_cursor: str | None = None
    level: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _view(row: ClientHealth, client_name: str) -> HealthView:
    measured = Measurements(**{name: getattr(row, name) for name in MEASUREMENT_FIELDS})
    level, label = health_level(row.score)
    return HealthView(client_id=row.client_id, client_name=client_name, score=row.score,
                      level=level, level_label=label, reasons=health_penalties(measured),
                      computed_at=row.computed_at)


def cursor_parse(text: str) -> tuple[int, int] | None:
    """'score.client_id' of the last row shown; anything else means the first page."""
    score, _, client_id = (text or "").partition(".")
    if not (score.isdigit() and client_id.isdigit()):
        return None
    return int(score), int(client_id)


def health_list_page(*, cursor: str = "", level: str = "") -> HealthPage:
    """Clients of this firm, lowest score first, PAGE_SIZE at a time."""
    rows = ClientHealth.objects.filter(client__deleted_at__isnull=True)
    if level in LEVEL_RANGES:
        low, high = LEVEL_RANGES[level]
        rows = rows.filter(score__gte=low, score__lte=high)
    after = cursor_parse(cursor)
    if after is not None:
        score, client_id = after
        # One row comparison, so PostgreSQL starts the (score, client) index scan right at
        # the cursor (an OR of two conditions would make it walk from the start).
        rows = rows.extra(where=["(clienthealth_clienthealth.score, "
                                 "clienthealth_clienthealth.client_id) > (%s, %s)"],
                          params=[score, client_id])
    batch = list(rows.order_by("score", "client_id")
                 .select_related("client").only(*MEASUREMENT_FIELDS, "score", "computed_at",
                                                "client__business_name")[:PAGE_SIZE + 1])
    views = [_view(row, row.client.business_name) for row in batch[:PAGE_SIZE]]
    next_cursor = None
    if len(batch) > PAGE_SIZE:
        last = views[-1]
        next_cursor = f"{last.score}.{last.client_id}"
    return HealthPage(rows=views, next_cursor=next_cursor, level=level)


def health_level_counts() -> dict[str, int]:
    """How many clients are in each band (three index range counts)."""
    return {level: ClientHealth.objects.filter(score__gte=low, score__lte=high).count()
            for level, (low, high) in LEVEL_RANGES.items()}


def client_health_get(*, client_id: int) -> HealthView | None:
    row = ClientHealth.objects.filter(client_id=client_id).select_related("client").first()
    return _view(row, row.client.business_name) if row else None


def client_health_history(*, client_id: int, days: int = 180) -> list[tuple[date, int]]:
    rows = (ClientHealthSnapshot.objects.filter(client_id=client_id)
            .order_by("-day").values_list("day", "score")[:days])
    return list(reversed(rows))
