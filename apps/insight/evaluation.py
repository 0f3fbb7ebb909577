"""Accuracy of the forecasting engine on data it never saw: public monthly series that ship
inside statsmodels, and generated client histories whose seasonality, trend, breaks and
noise are known. Nothing here was tuned on these sets (the engine has no tuned knobs
beyond the model list); each is reported once, as measured.

Each "case" is a training history and the months that followed it. Scores, per case,
over the held-out months: MASE of the engine's chosen forecast and of seasonal naive
(both scaled by the training part's in-sample seasonal-naive error), and whether the held-
out months fell inside the 80 % and 95 % bands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from apps.insight import engine

HISTORY = 60
HORIZON = 12


@dataclass
class DatasetScore:
    name: str
    cases: int
    mase: float
    baseline_mase: float
    wins: float
    low_confidence: float
    coverage80: float
    coverage95: float


def _windows(values: np.ndarray, history: int, horizon: int, step: int) -> Iterator[tuple]:
    for end in range(history, len(values) - horizon + 1, step):
        yield values[end - history:end], values[end:end + horizon]


def public_cases() -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """statsmodels' monthly El Nino sea temperatures (1950-2010) and Mauna Loa CO2 (weekly,
    averaged by month): 5-year histories, 12 months ahead, one origin a year."""
    import statsmodels.api as sm

    elnino = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR").to_numpy().ravel()
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    return {
        "statsmodels elnino (monthly)": list(_windows(elnino, HISTORY, HORIZON, 12)),
        "statsmodels co2 (monthly means)": list(_windows(co2.to_numpy(), HISTORY, HORIZON, 24)),
    }


def synthetic_cases(count: int = 100, seed: int = 20) -> dict[str, list[tuple]]:
    """Client-like histories: 36 months of history, 6 ahead."""
    rng = np.random.default_rng(seed)
    months, ahead = 36, 6
    t = np.arange(months + ahead)
    kinds: dict[str, list[tuple]] = {}

    def add(name: str, values: np.ndarray) -> None:
        kinds.setdefault(name, []).append((values[:months], values[months:]))

    for _ in range(count):
        level = rng.uniform(2_000, 50_000)
        season = np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        noise = rng.normal(0, 1, len(t))
        add("seasonal + trend + 5 % noise",
            level * (1 + 0.01 * t / 12 * rng.uniform(-2, 6) + 0.3 * season + 0.05 * noise))
        shift = np.where(t >= rng.integers(18, 33), rng.uniform(0.5, 1.6), 1.0)
        add("seasonal with a level break", level * shift * (1 + 0.3 * season + 0.05 * noise))
        add("noisy, weakly seasonal (25 % noise)", level * (1 + 0.1 * season + 0.25 * noise))
        paid = rng.random(len(t)) < 0.4
        add("intermittent (60 % months without money)", np.where(paid, level * (
            1 + 0.2 * noise), 0.0))
        add("net cash flow crossing zero", level * (0.3 * season + 0.1 * noise + 0.05))
    return kinds


def score(name: str, cases: list[tuple], *, models=engine.DEFAULT_MODELS, n_jobs: int = 2
          ) -> DatasetScore:
    horizon = len(cases[0][1])
    results = engine.forecast_many({str(i): train for i, (train, _) in enumerate(cases)},
                                   horizon, models=models, n_jobs=n_jobs)
    mase, base, wins, low, in80, in95 = [], [], 0, 0, 0, 0
    for i, (train, actual) in enumerate(cases):
        r = results[str(i)]
        scale = engine._mase_scale(np.asarray(train))
        scale = scale if scale > 0 else float(np.mean(np.abs(train))) or 1.0
        snaive = np.asarray(train)[-engine.SEASON:][np.arange(horizon) % engine.SEASON]
        m = float(np.mean(np.abs(actual - np.asarray(r.mean)))) / scale
        b = float(np.mean(np.abs(actual - snaive))) / scale
        mase.append(m)
        base.append(b)
        wins += m < b
        low += r.low_confidence
        in80 += int(np.sum((actual >= r.lo80) & (actual <= r.hi80)))
        in95 += int(np.sum((actual >= r.lo95) & (actual <= r.hi95)))
    points = len(cases) * horizon
    return DatasetScore(name=name, cases=len(cases), mase=float(np.mean(mase)),
                        baseline_mase=float(np.mean(base)), wins=wins / len(cases),
                        low_confidence=low / len(cases), coverage80=in80 / points,
                        coverage95=in95 / points)
