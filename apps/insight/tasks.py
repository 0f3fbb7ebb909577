"""Insight tasks: thin, take ids, safe to run twice (a run is claimed once)."""

from __future__ import annotations

from advisoros.celery import app


@app.task(name="insight.forecast_run_execute")
def forecast_run_execute_task(*, run_id: int) -> str:
    from apps.insight.services import forecast_run_execute

    return forecast_run_execute(run_id=run_id).status


@app.task(name="insight.forecasts_refresh")
def forecasts_refresh() -> str:
    """Beat (through the per-firm dispatcher): every client's changed series."""
    from apps.insight.services import forecasts_refresh_firm

    return forecasts_refresh_firm().status


@app.task(name="insight.bi_refresh")
def bi_refresh_task() -> dict | None:
    """Beat (through the per-firm dispatcher): the firm BI views."""
    from apps.insight.bi_refresh import bi_refresh

    return bi_refresh()
