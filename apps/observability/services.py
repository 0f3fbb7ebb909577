"""Writes of the observability app: alert evaluation records fired and cleared alerts."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from apps.observability.alerts import RULES, window_at
from apps.observability.models import AlertEvent

logger = logging.getLogger("advisoros.alerts")


@dataclass(frozen=True)
class AlertTransition:
    rule: str
    change: str  # "fired", "cleared" or "still firing"
    value: float | None


@transaction.atomic
def alerts_evaluate(*, now: float, queue_depths: Mapping[str, int]) -> list[AlertTransition]:
    """Measure every rule at `now` (epoch seconds); open an AlertEvent when a rule starts
    breaching, close it when it stops. Safe to run twice: one open event per rule."""
    window = window_at(now, queue_depths)
    at = datetime.fromtimestamp(now, UTC)
    open_events = {event.rule: event for event in
                   AlertEvent.objects.select_for_update().filter(cleared_at__isnull=True)}
    transitions: list[AlertTransition] = []
    for rule in RULES:
        value = rule.measure(window)
        event = open_events.get(rule.key.value)
        if rule.breached(value):
            if event is None:
                try:
                    with transaction.atomic():
                        AlertEvent.objects.create(
                            rule=rule.key.value, threshold=rule.threshold, fired_value=value,
                            last_value=value, fired_at=at,
                            detail=f"{value:.1f} {rule.unit} (threshold {rule.threshold:g})")
                except IntegrityError:  # a concurrent evaluation opened it first
                    continue
                logger.warning("alert fired: %s", rule.title,
                               extra={"rule": rule.key.value, "value": value})
                transitions.append(AlertTransition(rule.key.value, "fired", value))
            else:
                event.last_value = value
                event.save(update_fields=["last_value"])
                transitions.append(AlertTransition(rule.key.value, "still firing", value))
        elif event is not None:
            event.cleared_at = at
            if value is not None:
                event.last_value = value
            event.save(update_fields=["cleared_at", "last_value"])
            logger.info("alert cleared: %s", rule.title,
                        extra={"rule": rule.key.value, "value": value})
            transitions.append(AlertTransition(rule.key.value, "cleared", value))
    return transitions
