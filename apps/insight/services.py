"""Writes: forecast runs and the forecasts they store.

A run gathers every series (selectors.series_all), skips those whose fingerprint matches
the stored forecast (same months, same amounts, same horizon), fits the rest in chunks
through the engine, and reports progress after each chunk (done/total on the run row).
A chunk that fails is retried series by series, so one bad series never holds up the
others; it is counted as failed and its old forecast stays.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from advisoros.tasks import delay_on_commit
from apps.insight import engine, selectors
from apps.insight.models import Forecast, ForecastRun, RoiAssumptions
from apps.insight.selectors import Series

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
CHUNK = 500
MIN_HORIZON, MAX_HORIZON = 3, 12


def _money(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP))


def _models() -> Sequence[str]:
    return getattr(settings, "INSIGHT_FORECAST_MODELS", engine.DEFAULT_MODELS)


def _month_text(month) -> str:
    return month.strftime("%Y-%m")


def _forecast_save(*, series: Series, result: engine.SeriesForecast, horizon: int) -> None:
    last = series.months[-1]
    future = []
    month = selectors._next_month(last)
    for step in range(horizon):
        future.append({"month": _month_text(month), "mean": _money(result.mean[step]),
                       "lo80": _money(result.lo80[step]), "hi80": _money(result.hi80[step]),
                       "lo95": _money(result.lo95[step]), "hi95": _money(result.hi95[step])})
        month = selectors._next_month(month)
    Forecast.objects.update_or_create(
        client_id=series.key.client_id, flow=series.key.flow, currency=series.key.currency,
        defaults={
            "fingerprint": series.fingerprint(horizon), "horizon": horizon,
            "method": result.method, "short_history": result.short_history,
            "low_confidence": result.low_confidence, "mase": result.mase,
            "mape": result.mape, "baseline": result.baseline,
            "baseline_mase": result.baseline_mase, "notes": result.notes,
            "history": [{"month": _month_text(m), "amount": str(a.quantize(CENT))}
                        for m, a in zip(series.months, series.amounts, strict=True)],
            "points": future})


def forecasts_fit(*, series: list[Series], horizon: int, models: Sequence[str] | None = None
                  ) -> tuple[int, int]:
    """Fit and store `series`; returns (stored, failed)."""
    inputs = {s.key.text: [float(a) for a in s.amounts] for s in series}
    try:
        results = engine.forecast_many(inputs, horizon, models=models or _models())
    except Exception:
        if len(series) == 1:
            logger.exception("forecast failed for %s", series[0].key.text)
            return 0, 1
        stored = failed = 0
        for one in series:
            s, f = forecasts_fit(series=[one], horizon=horizon, models=models)
            stored, failed = stored + s, failed + f
        return stored, failed
    with transaction.atomic():
        for one in series:
            _forecast_save(series=one, result=results[one.key.text], horizon=horizon)
    return len(series), 0


def _check_horizon(horizon: int) -> None:
    if not MIN_HORIZON <= horizon <= MAX_HORIZON:
        raise ValueError(f"The horizon must be {MIN_HORIZON} to {MAX_HORIZON} months.")


def forecast_run_start(*, client_id: int | None = None, horizon: int = 6) -> ForecastRun:
    """Queue a refresh (of one client, or every client and the firm); an open run is
    joined rather than doubled. The task is sent after commit."""
    from apps.insight.tasks import forecast_run_execute_task

    _check_horizon(horizon)
    open_run = ForecastRun.objects.filter(status__in=[ForecastRun.Status.QUEUED,
                                                      ForecastRun.Status.RUNNING]).first()
    if open_run is not None:
        return open_run
    try:
        with transaction.atomic():
            run = ForecastRun.objects.create(client_id=client_id, horizon=horizon)
    except IntegrityError:  # another request queued one a moment ago
        return ForecastRun.objects.filter(status__in=[ForecastRun.Status.QUEUED,
                                                      ForecastRun.Status.RUNNING]).first()
    delay_on_commit(forecast_run_execute_task, run_id=run.pk)
    return run


def forecast_run_execute(*, run_id: int) -> ForecastRun:
    """Claim a queued run and do it. A second delivery finds it claimed and does nothing."""
    claimed = ForecastRun.objects.filter(pk=run_id, status=ForecastRun.Status.QUEUED).update(
        status=ForecastRun.Status.RUNNING, started_at=timezone.now())
    run = ForecastRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        all_series = selectors.series_all(client_id=run.client_id,
                                          include_firm=run.client_id is None)
        stored = selectors.fingerprints(client_id=run.client_id)
        changed = [s for s in all_series if stored.get(
            (s.key.client_id, s.key.flow, s.key.currency)) != s.fingerprint(run.horizon)]
        run.total = len(all_series)
        run.skipped = run.done = len(all_series) - len(changed)
        run.save(update_fields=["total", "skipped", "done"])
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start:start + CHUNK]
            _, failed = forecasts_fit(series=chunk, horizon=run.horizon)
            run.done += len(chunk)
            run.failed += failed
            run.save(update_fields=["done", "failed"])
        run.status = ForecastRun.Status.DONE
    except Exception as error:  # the run says why; the stored forecasts stay as they were
        logger.exception("forecast run %s failed", run_id)
        run.status = ForecastRun.Status.FAILED
        run.error = str(error)[:500]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def forecasts_refresh_firm(*, horizon: int = 6) -> ForecastRun:
    """Beat (through the per-firm dispatcher): refresh every client's changed series now,
    in this worker, as one run with progress."""
    _check_horizon(horizon)
    run = ForecastRun.objects.filter(status__in=[ForecastRun.Status.QUEUED,
                                                 ForecastRun.Status.RUNNING]).first()
    if run is None:
        try:
            run = ForecastRun.objects.create(horizon=horizon)
        except IntegrityError:
            return ForecastRun.objects.filter(status__in=[ForecastRun.Status.QUEUED,
                                                          ForecastRun.Status.RUNNING]).first()
    return forecast_run_execute(run_id=run.pk)


@transaction.atomic
def roi_assumptions_save(*, values: dict, actor_id: int | None) -> RoiAssumptions:
    """Store the firm's ROI assumptions (already validated by RoiAssumptionsForm)."""
    row, _ = RoiAssumptions.objects.select_for_update().get_or_create(pk=1)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_id = actor_id
    row.save()
    return row
