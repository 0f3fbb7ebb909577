"""Monthly forecasting, with no Django in it: series in, forecasts with intervals and their
backtest error out.

Series of 12 months or more: statsforecast's AutoETS and Theta (AutoARIMA when configured), and the
seasonal-naive baseline, are each backtested by rolling origin (up to three windows of
three months); each series keeps the model with the lowest backtest MASE. A series whose
chosen model does not beat seasonal naive is marked low confidence (then seasonal naive
itself is what it shows). statsforecast fits every series of a batch in one vectorised,
numba-compiled pass over `n_jobs` processes, which is what makes 10,000 series fit in the
budget (docs/benchmarks.md).

Shorter series fall back to naive, mean and drift, computed here in numpy (one-step
rolling backtest, intervals from the one-step residual spread), and say so: a season
cannot be estimated from less than one season.

MASE is scaled by the in-sample seasonal-naive error of the training part (lag 1 when the
training part is shorter than a season); MAPE skips months whose actual is zero.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

SEASON = 12
MIN_SEASONAL_MONTHS = 12
BACKTEST_HORIZON = 3
MAX_BACKTEST_WINDOWS = 3
LEVELS = (80, 95)
_Z = {80: 1.2815515655446004, 95: 1.959963984540054}
BASELINE = "SeasonalNaive"
# statsforecast's models, fitted one series at a time (AutoETS about 0.1 s a fit here).
STATSFORECAST_MODELS = ("AutoETS", "AutoARIMA", "Theta")
# Vectorised over all series of one length at once (apps/insight/vector.py), with the
# backtest in the same pass: 10,000 series in well under the 2-minute budget.
VECTOR_MODELS = ("HoltWinters", "VectorTheta", "Combination")
FULL_MODELS = (*STATSFORECAST_MODELS, *VECTOR_MODELS)
# The default is the vectorised pair: as accurate as AutoETS + Theta on the evaluation
# sets (docs/benchmarks.md) at a small fraction of the time; INSIGHT_FORECAST_MODELS can
# name statsforecast's models instead (AutoARIMA costs about ten times AutoETS).
DEFAULT_MODELS = VECTOR_MODELS

METHOD_LABELS = {
    "AutoETS": "Exponential smoothing (AutoETS)",
    "HoltWinters": "Exponential smoothing (Holt-Winters, additive)",
    "VectorTheta": "Theta",
    "Combination": "Average of Holt-Winters and Theta",
    "AutoARIMA": "ARIMA (AutoARIMA)",
    "Theta": "Theta",
    "SeasonalNaive": "Seasonal naive (same month last year)",
    "Naive": "Naive (last month carried forward)",
    "Mean": "Mean of the history",
    "Drift": "Drift (last month plus the average change)",
}


@dataclass
class SeriesForecast:
    method: str
    short_history: bool
    mean: list[float]
    lo80: list[float]
    hi80: list[float]
    lo95: list[float]
    hi95: list[float]
    mase: float | None = None
    mape: float | None = None
    baseline: str = BASELINE
    baseline_mase: float | None = None
    low_confidence: bool = False
    notes: list[str] = field(default_factory=list)


def _mase_scale(train: np.ndarray) -> float:
    lag = SEASON if len(train) > SEASON else 1
    if len(train) <= lag:
        return 0.0
    return float(np.mean(np.abs(train[lag:] - train[:-lag])))


def _errors(actual: np.ndarray, predicted: np.ndarray, scale: float) -> tuple[float, float | None]:
    """(MASE, MAPE in percent). A flat training part (scale 0) falls back to the mean
    absolute level, and a wholly zero series to 1, so a perfect forecast still scores 0."""
    abs_err = np.abs(actual - predicted)
    if scale <= 0:
        scale = float(np.mean(np.abs(actual))) or 1.0
    mase = float(np.mean(abs_err)) / scale
    nonzero = actual != 0
    mape = float(np.mean(abs_err[nonzero] / np.abs(actual[nonzero])) * 100) if nonzero.any() \
        else None
    return mase, mape


# --- short histories: naive, mean, drift --------------------------------------------------

def _simple_point(method: str, y: np.ndarray, h: int) -> np.ndarray:
    steps = np.arange(1, h + 1)
    if method == "Mean":
        return np.full(h, y.mean())
    if method == "Drift" and len(y) > 1:
        return y[-1] + steps * (y[-1] - y[0]) / (len(y) - 1)
    return np.full(h, y[-1])


def _simple_spread(method: str, y: np.ndarray, h: int) -> np.ndarray:
    """Standard error per step (Hyndman & Athanasopoulos, table 5.2)."""
    n = len(y)
    steps = np.arange(1, h + 1)
    if n < 2:
        return np.zeros(h)
    if method == "Mean":
        sigma = float(np.std(y, ddof=1))
        return np.full(h, sigma * math.sqrt(1 + 1 / n))
    residuals = np.diff(y)
    if method == "Drift":
        residuals = residuals - residuals.mean()
        sigma = float(np.sqrt(np.sum(residuals**2) / max(n - 2, 1)))
        return sigma * np.sqrt(steps * (1 + steps / max(n - 1, 1)))
    sigma = float(np.sqrt(np.mean(residuals**2)))
    return sigma * np.sqrt(steps)


def forecast_short(y: Sequence[float], horizon: int) -> SeriesForecast:
    values = np.asarray(y, dtype=float)
    n = len(values)
    notes = [f"Only {n} month{'s' if n != 1 else ''} of history: simple methods (naive, mean, "
             "drift) instead of seasonal models, which need at least 12."]
    scores: dict[str, tuple[float, float | None]] = {}
    if n >= 4:
        # One-step rolling origin from month 3 on; the baseline is naive (a season is not
        # known yet, so seasonal naive cannot be computed).
        scale = _mase_scale(values[:3])
        for method in ("Naive", "Mean", "Drift"):
            predicted = np.array([_simple_point(method, values[:t], 1)[0] for t in range(3, n)])
            scores[method] = _errors(values[3:], predicted, scale)
        method = min(scores, key=lambda m: scores[m][0])
    else:
        method = "Naive"
        notes.append("Too short to backtest.")
    point = _simple_point(method, values, horizon)
    spread = _simple_spread(method, values, horizon)
    if n < 2:
        notes.append("One month only: a flat projection without a range.")
    result = SeriesForecast(
        method=method, short_history=True, mean=point.tolist(),
        lo80=(point - _Z[80] * spread).tolist(), hi80=(point + _Z[80] * spread).tolist(),
        lo95=(point - _Z[95] * spread).tolist(), hi95=(point + _Z[95] * spread).tolist(),
        baseline="Naive", notes=notes)
    if scores:
        result.mase, result.mape = scores[method]
        result.baseline_mase = scores["Naive"][0]
        result.low_confidence = method == "Naive" or result.mase >= result.baseline_mase
    else:
        result.low_confidence = True
    return result


# --- long histories: statsforecast --------------------------------------------------------

def _models(names: Sequence[str]) -> list:
    from statsforecast.models import AutoARIMA, AutoETS, SeasonalNaive, Theta

    makers = {"AutoETS": lambda: AutoETS(season_length=SEASON),
              "AutoARIMA": lambda: AutoARIMA(season_length=SEASON),
              "Theta": lambda: Theta(season_length=SEASON),
              BASELINE: lambda: SeasonalNaive(season_length=SEASON)}
    return [makers[name]() for name in (*names, BASELINE)]


def _frame(series: Mapping[str, np.ndarray]):
    import pandas as pd

    ids, ds, ys = [], [], []
    for key, values in series.items():
        ids.extend([key] * len(values))
        ds.extend(range(1, len(values) + 1))
        ys.extend(values)
    return pd.DataFrame({"unique_id": ids, "ds": np.asarray(ds, dtype=np.int64),
                         "y": np.asarray(ys, dtype=float)})


def _stats_forecast(names: Sequence[str], n_jobs: int):
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    return StatsForecast(models=_models(names), freq=1, n_jobs=n_jobs,
                         fallback_model=Naive())


def _backtest_scores(series: Mapping[str, np.ndarray], names: Sequence[str], windows: int,
                     n_jobs: int) -> dict[str, dict[str, tuple[float, float | None]]]:
    """Per series, per model: (MASE, MAPE) over `windows` rolling origins."""
    sf = _stats_forecast(names, n_jobs)
    cv = sf.cross_validation(df=_frame(series), h=BACKTEST_HORIZON, n_windows=windows,
                             step_size=BACKTEST_HORIZON)
    columns = [*names, BASELINE]
    scores: dict[str, dict[str, tuple[float, float | None]]] = {}
    for key, rows in cv.groupby("unique_id", sort=False):
        values = series[key]
        scale = _mase_scale(values[: len(values) - windows * BACKTEST_HORIZON])
        actual = rows["y"].to_numpy(dtype=float)
        scores[key] = {name: _errors(actual, rows[name].to_numpy(dtype=float), scale)
                       for name in columns}
    return scores


def _windows_for(n: int) -> int:
    """Backtest windows whose training part still holds one whole season."""
    return max(0, min(MAX_BACKTEST_WINDOWS, (n - SEASON) // BACKTEST_HORIZON))


def forecast_long(series: Mapping[str, Sequence[float]], horizon: int, *,
                  models: Sequence[str] = DEFAULT_MODELS, n_jobs: int = 1
                  ) -> dict[str, SeriesForecast]:
    arrays = {key: np.asarray(values, dtype=float) for key, values in series.items()}
    scores: dict[str, dict[str, tuple[float, float | None]]] = {}
    by_windows: dict[int, dict[str, np.ndarray]] = {}
    for key, values in arrays.items():
        by_windows.setdefault(_windows_for(len(values)), {})[key] = values
    for windows, group in by_windows.items():
        if windows:
            scores.update(_backtest_scores(group, models, windows, n_jobs))
    chosen: dict[str, str] = {}
    for key in arrays:
        if key in scores:
            # The baseline first: a model must beat it, a tie keeps the baseline.
            chosen[key] = min((BASELINE, *models), key=lambda m: scores[key][m][0])
        else:
            chosen[key] = BASELINE
    sf = _stats_forecast(models, n_jobs)
    frame = sf.forecast(df=_frame(arrays), h=horizon, level=list(LEVELS))
    results: dict[str, SeriesForecast] = {}
    for key, rows in frame.groupby("unique_id", sort=False):
        method = chosen[key]

        def column(suffix: str, rows=rows, method=method) -> list[float]:
            return rows[f"{method}{suffix}"].to_numpy(dtype=float).tolist()

        result = SeriesForecast(method=method, short_history=False, mean=column(""),
                                lo80=column("-lo-80"), hi80=column("-hi-80"),
                                lo95=column("-lo-95"), hi95=column("-hi-95"))
        if key in scores:
            result.mase, result.mape = scores[key][method]
            result.baseline_mase = scores[key][BASELINE][0]
        _judge_confidence(result, backtested=key in scores)
        results[key] = result
    return results


def _judge_confidence(result: SeriesForecast, *, backtested: bool) -> None:
    """Mark a seasonal forecast low confidence, with the note that says why: its backtest
    chose the seasonal-naive baseline, or the series was too short to backtest at all.
    Both forecasting paths (statsforecast and vectorised) judge the same way."""
    if not backtested:
        result.low_confidence = True
        result.notes.append("Fewer than 15 months: too short to backtest a seasonal "
                            "model; seasonal naive is shown.")
        return
    result.low_confidence = result.method == BASELINE
    if result.low_confidence:
        result.notes.append("No model beat seasonal naive in the backtest: "
                            "seasonal naive is shown.")


def _vector_errors(actual: np.ndarray, predicted: np.ndarray, scale: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """`_errors` for many series at once (rows): MASE and MAPE (NaN: no non-zero month)."""
    abs_err = np.abs(actual - predicted)
    fallback = np.mean(np.abs(actual), axis=1)
    scale = np.where(scale > 0, scale, np.where(fallback > 0, fallback, 1.0))
    mase = abs_err.mean(axis=1) / scale
    nonzero = actual != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(nonzero, abs_err / np.where(nonzero, np.abs(actual), 1), 0)
        mape = ratios.sum(axis=1) / nonzero.sum(axis=1) * 100
    return mase, mape


def _vector_scale(train: np.ndarray) -> np.ndarray:
    lag = SEASON if train.shape[1] > SEASON else 1
    if train.shape[1] <= lag:
        return np.zeros(len(train))
    return np.mean(np.abs(train[:, lag:] - train[:, :-lag]), axis=1)


def forecast_vector(series: Mapping[str, Sequence[float]], horizon: int, *,
                    models: Sequence[str] = DEFAULT_MODELS) -> dict[str, SeriesForecast]:
    """The same choice as `forecast_long` (lowest backtest MASE, the baseline on ties),
    with the vectorised methods: series are grouped by length, each group is one pass."""
    from apps.insight import vector

    names = {"HoltWinters": "HoltWinters", "VectorTheta": "Theta", BASELINE: "SeasonalNaive"}
    by_length: dict[int, list[str]] = {}
    for key, values in series.items():
        by_length.setdefault(len(values), []).append(key)
    results: dict[str, SeriesForecast] = {}
    for n, keys in by_length.items():
        y = np.asarray([series[k] for k in keys], dtype=float)
        windows = _windows_for(n)
        origins = [n - w * BACKTEST_HORIZON for w in range(windows, 0, -1)] + [n]
        horizons = [BACKTEST_HORIZON] * windows + [horizon]
        fits: dict[str, vector.Fit] = {}
        for m in (BASELINE, *models):
            if m == "Combination":  # the average of the two fits, reused, not refitted
                parts = [fits.get(p) or vector.METHODS[names[p]](y, origins, horizons)
                         for p in ("HoltWinters", "VectorTheta")]
                fits[m] = vector.average(*parts)
            else:
                fits[m] = vector.METHODS[names[m]](y, origins, horizons)
        scores = {}
        if windows:
            actual = y[:, origins[0]:]
            scale = _vector_scale(y[:, :origins[0]])
            for m, fit in fits.items():
                scores[m] = _vector_errors(actual, np.hstack(fit.mean[:-1]), scale)
            mase = np.stack([scores[m][0] for m in (BASELINE, *models)])
            # NaN (a degenerate fit) never wins; argmin keeps the first (baseline) on ties.
            chosen = np.argmin(np.where(np.isfinite(mase), mase, np.inf), axis=0)
        else:
            chosen = np.zeros(len(keys), dtype=int)
        candidates = (BASELINE, *models)
        for row, key in enumerate(keys):
            method = candidates[chosen[row]]
            mean = fits[method].mean[-1][row]
            sd = fits[method].sd[-1][row]
            result = SeriesForecast(
                method=method, short_history=False, mean=mean.tolist(),
                lo80=(mean - _Z[80] * sd).tolist(), hi80=(mean + _Z[80] * sd).tolist(),
                lo95=(mean - _Z[95] * sd).tolist(), hi95=(mean + _Z[95] * sd).tolist())
            if windows:
                mape = float(scores[method][1][row])
                result.mase = float(scores[method][0][row])
                result.mape = mape if math.isfinite(mape) else None
                result.baseline_mase = float(scores[BASELINE][0][row])
            _judge_confidence(result, backtested=bool(windows))
            results[key] = result
    return results


def forecast_many(series: Mapping[str, Sequence[float]], horizon: int, *,
                  models: Sequence[str] = DEFAULT_MODELS, n_jobs: int | None = None
                  ) -> dict[str, SeriesForecast]:
    """Forecast every series `horizon` months ahead. Empty series are left out."""
    if not 1 <= horizon <= 24:
        raise ValueError("The horizon must be between 1 and 24 months.")
    unknown = set(models) - set(FULL_MODELS)
    if unknown or (set(models) & set(VECTOR_MODELS) and set(models) - set(VECTOR_MODELS)):
        raise ValueError("Choose models from one engine: "
                         f"{', '.join(VECTOR_MODELS)} or {', '.join(STATSFORECAST_MODELS)}.")
    n_jobs = n_jobs or min(2, os.cpu_count() or 1)
    long = {k: v for k, v in series.items() if len(v) >= MIN_SEASONAL_MONTHS}
    results = {k: forecast_short(v, horizon) for k, v in series.items()
               if 0 < len(v) < MIN_SEASONAL_MONTHS}
    if long and set(models) <= set(VECTOR_MODELS):
        results.update(forecast_vector(long, horizon, models=models))
    elif long:
        results.update(forecast_long(long, horizon, models=models, n_jobs=n_jobs))
    return results
