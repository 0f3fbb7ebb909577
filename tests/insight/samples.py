"""Real objects of firm A for the isolation suite's forecast routes (tests/isolation)."""

from __future__ import annotations

from collections.abc import Callable

from django_tenants.utils import schema_context


def _client_with_forecast(world) -> dict:
    from apps.insight.models import Flow, Forecast
    from tests.portal.factories import make_client

    with schema_context(world.firm.schema_name):
        client = make_client(business_name="Forecast isolation sample")
        Forecast.objects.create(
            client=client, flow=Flow.BILLED, currency="USD", fingerprint="sample",
            horizon=3, method="Naive", baseline="Naive", short_history=True,
            history=[{"month": "2026-01", "amount": "10.00"}],
            points=[{"month": "2026-02", **dict.fromkeys(
                ("mean", "lo80", "hi80", "lo95", "hi95"), "10.00")}])
    return {"client_id": client.pk}


INSIGHT_SAMPLES: dict[str, Callable] = dict.fromkeys(
    ["insight:client_forecast", "insight:client_forecast_refresh", "portal_insight:forecast"],
    _client_with_forecast)

# Firm BI export: a real report of firm A (the page and ROI take no parameters).
INSIGHT_SAMPLES["insight:bi_export"] = lambda world: {"section": "revenue-by-month"}
