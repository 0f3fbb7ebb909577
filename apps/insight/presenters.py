"""Stored forecasts shaped for a page: labels people read, Decimal amounts for the table
and a chart payload (history, forecast, 80 % and 95 % bands) for static/js/insight.js."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.insight.engine import METHOD_LABELS
from apps.insight.models import Forecast

# The chart shows the last two years of history before the forecast.
CHART_HISTORY_MONTHS = 24


def _label(month: str) -> str:
    year, number = month.split("-")
    return date(int(year), int(number), 1).strftime("%b %Y")


@dataclass
class ForecastCard:
    forecast: Forecast
    title: str
    method: str
    baseline: str
    rows: list[dict]
    chart: dict
    dom_id: str

    @property
    def chart_id(self) -> str:
        return f"{self.dom_id}-data"


def forecast_cards(forecasts: list[Forecast]) -> list[ForecastCard]:
    cards = []
    for forecast in forecasts:
        history = forecast.history[-CHART_HISTORY_MONTHS:]
        gap = [None] * len(history)
        # The forecast line starts at the last actual month, so the two lines join.
        anchor = [None] * (len(history) - 1) + [float(history[-1]["amount"])] if history else []
        points = forecast.points
        chart = {
            "labels": [_label(h["month"]) for h in history] + [_label(p["month"])
                                                                for p in points],
            "currency": forecast.currency,
            "history": [float(h["amount"]) for h in history] + [None] * len(points),
            "mean": anchor + [float(p["mean"]) for p in points],
            **{band: gap + [float(p[band]) for p in points]
               for band in ("lo80", "hi80", "lo95", "hi95")},
        }
        rows = [{"month": _label(p["month"]),
                 **{k: Decimal(p[k]) for k in ("mean", "lo80", "hi80", "lo95", "hi95")}}
                for p in points]
        cards.append(ForecastCard(
            forecast=forecast, title=f"{forecast.get_flow_display()} ({forecast.currency})",
            method=METHOD_LABELS.get(forecast.method, forecast.method),
            baseline=METHOD_LABELS.get(forecast.baseline, forecast.baseline), rows=rows,
            chart=chart, dom_id=f"forecast-{forecast.flow}-{forecast.currency}".lower()))
    return cards
