"""Vectorised forecasting methods for many monthly series of one length at once (numpy),
each with its honest rolling-origin backtest computed in the same pass.

Why: statsforecast fits series one at a time; its AutoETS (a search over up to 30 ETS
forms, each optimised numerically) costs about 0.1 s per series per fit here, so 10,000
series with a backtest took the better part of an hour (docs/benchmarks.md). These
methods run every series and every candidate parameter set as one array operation per
month instead.

- `seasonal_naive`: the same month last year.
- `holt_winters`: additive Holt-Winters (ETS(A,N,A) and ETS(A,Ad,A), error-correction
  form), smoothing parameters chosen per series from a fixed grid by AIC on the one-step
  errors up to the forecast origin. With fixed parameters the states at month t depend
  only on months before t, so one pass over the whole series gives, for every origin at
  once, the states to forecast from and the errors to choose the parameters on: each
  backtest window re-chooses its parameters on its own past, as a refit would, without
  fitting again.
- `theta`: the standard Theta method (Hyndman & Billah 2003: simple exponential smoothing
  plus half the linear-trend slope) on the seasonally adjusted series (classical
  multiplicative decomposition, additive when a series has zero or negative months; only
  when the lag-12 autocorrelation is significant, as statsforecast's Theta does), with
  the SES weight chosen per origin from a grid by in-sample error.

Intervals are normal with the analytic variance of each method (Hyndman et al. 2008,
class 1 for ETS(A,Ad,A); SES's for Theta; sqrt of the number of years ahead for seasonal
naive).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEASON = 12

_ALPHAS = (0.05, 0.15, 0.3, 0.5, 0.7, 0.9)
_TRENDS = ((0.0, 1.0), *((b, phi) for b in (0.05, 0.15, 0.4) for phi in (0.8, 0.9, 0.98, 1.0)))
_GAMMAS = (0.0, 0.1, 0.3, 0.6)  # share of (1 - alpha)
_THETA_ALPHAS = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))


@dataclass
class Fit:
    """For each origin (index into `origins`): point forecasts (series x steps) and the
    standard deviation of each step (series x steps)."""

    mean: list[np.ndarray]
    sd: list[np.ndarray]


def seasonal_naive(y: np.ndarray, origins: list[int], horizons: list[int]) -> Fit:
    means, sds = [], []
    for origin, h in zip(origins, horizons, strict=True):
        steps = np.arange(h)
        last_year = y[:, origin - SEASON:origin]
        means.append(last_year[:, steps % SEASON])
        resid = y[:, SEASON:origin] - y[:, :origin - SEASON]
        sigma = np.sqrt(np.mean(resid**2, axis=1)) if origin > SEASON else np.zeros(len(y))
        sds.append(sigma[:, None] * np.sqrt(steps // SEASON + 1)[None, :])
    return Fit(means, sds)


def _initial_states(y: np.ndarray, first_origin: int):
    level = y[:, :SEASON].mean(axis=1)
    if first_origin >= 2 * SEASON:
        trend = (y[:, SEASON:2 * SEASON].mean(axis=1) - level) / SEASON
    else:
        trend = np.zeros(len(y))  # a second year would reach past an origin
    season = y[:, :SEASON] - level[:, None]
    if first_origin >= 2 * SEASON:
        # Seasonal shape from every month before the first origin, less the centred 2x12
        # moving average (classical decomposition): one year alone is mostly noise.
        part = y[:, :first_origin]
        kernel = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
        trend_cycle = np.stack([np.convolve(row, kernel, mode="valid") for row in part])
        offset = SEASON // 2
        detrended = part[:, offset:offset + trend_cycle.shape[1]] - trend_cycle
        slots = (np.arange(detrended.shape[1]) + offset) % SEASON
        season = np.stack([detrended[:, slots == slot].mean(axis=1)
                           for slot in range(SEASON)], axis=1)
        season -= season.mean(axis=1, keepdims=True)
    return level, trend, season


def holt_winters(y: np.ndarray, origins: list[int], horizons: list[int]) -> Fit:
    n_series, n = y.shape
    level0, trend0, season0 = _initial_states(y, min(origins))
    best_aic = [np.full(n_series, np.inf) for _ in origins]
    best_mean = [np.zeros((n_series, h)) for h in horizons]
    best_sd = [np.zeros((n_series, h)) for h in horizons]
    at = {origin: i for i, origin in enumerate(origins)}
    for alpha in _ALPHAS:
        for b_share, phi in _TRENDS:
            beta = alpha * b_share
            has_trend = b_share > 0
            for g_share in _GAMMAS:
                gamma = (1 - alpha) * g_share
                k = 1 + (g_share > 0) + 2 * has_trend
                level, season = level0.copy(), season0.copy()
                trend = trend0.copy() if has_trend else np.zeros(n_series)
                sse = np.zeros(n_series)
                for t in range(n + 1):
                    if t in at:
                        i, count = at[t], max(t - SEASON, 1)
                        aic = count * np.log(np.maximum(sse / count, 1e-12)) + 2 * k
                        better = aic < best_aic[i]
                        if better.any():
                            mean, sd = _hw_forecast(level, trend, season, t, horizons[i],
                                                    alpha, beta, gamma, phi, sse / count)
                            best_aic[i] = np.where(better, aic, best_aic[i])
                            best_mean[i][better] = mean[better]
                            best_sd[i][better] = sd[better]
                    if t == n:
                        break
                    slot = t % SEASON
                    damped = phi * trend
                    error = y[:, t] - (level + damped + season[:, slot])
                    if t >= SEASON:
                        sse += error**2
                    level = level + damped + alpha * error
                    trend = damped + beta * error
                    season[:, slot] += gamma * error
    return Fit(best_mean, best_sd)


def _hw_forecast(level, trend, season, origin, h, alpha, beta, gamma, phi, sigma2):
    steps = np.arange(1, h + 1)
    phi_sums = np.cumsum(phi ** steps)
    slots = (origin + steps - 1) % SEASON
    mean = level[:, None] + phi_sums[None, :] * trend[:, None] + season[:, slots]
    c = alpha + beta * phi_sums[:-1] + gamma * (steps[:-1] % SEASON == 0)
    factor = np.sqrt(1 + np.concatenate([[0.0], np.cumsum(c**2)]))
    return mean, np.sqrt(sigma2)[:, None] * factor[None, :]


def _seasonal_indices(y: np.ndarray, origin: int):
    """Classical decomposition on the first `origin` months: (indices per month slot,
    multiplicative?) for the series whose lag-12 autocorrelation is significant; the
    others get neutral indices."""
    n_series = len(y)
    part = y[:, :origin]
    centred = part - part.mean(axis=1, keepdims=True)
    denom = np.sum(centred**2, axis=1)
    acf = np.array([np.sum(centred[:, lag:] * centred[:, :-lag], axis=1)
                    for lag in range(1, SEASON + 1)]) / np.where(denom > 0, denom, 1)
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(acf[:-1] ** 2, axis=0)) / origin)
    seasonal = (np.abs(acf[-1]) > limit) & (origin >= 2 * SEASON)
    multiplicative = np.all(part > 0, axis=1)
    # 2x12 centred moving average (the trend-cycle), then the mean ratio/difference per slot
    kernel = np.r_[0.5, np.ones(SEASON - 1), 0.5] / SEASON
    trend = np.stack([np.convolve(row, kernel, mode="valid") for row in part]) \
        if origin > SEASON else np.ones((n_series, 0))
    offset = SEASON // 2
    span = part[:, offset:offset + trend.shape[1]]
    safe_trend = np.where(trend == 0, 1, trend)
    detrended = np.where(multiplicative[:, None], span / safe_trend, span - trend)
    slots = (np.arange(trend.shape[1]) + offset) % SEASON
    indices = np.zeros((n_series, SEASON))
    for slot in range(SEASON):
        cols = detrended[:, slots == slot]
        indices[:, slot] = cols.mean(axis=1) if cols.shape[1] else 0
    with np.errstate(divide="ignore", invalid="ignore"):  # the other branch's rows
        indices = np.where(multiplicative[:, None],
                           indices / indices.mean(axis=1, keepdims=True),
                           indices - indices.mean(axis=1, keepdims=True))
    neutral = np.where(multiplicative[:, None], 1.0, 0.0)
    indices = np.where(seasonal[:, None], indices, neutral)
    return indices, multiplicative


def theta(y: np.ndarray, origins: list[int], horizons: list[int]) -> Fit:
    means, sds = [], []
    for origin, h in zip(origins, horizons, strict=True):
        indices, multiplicative = _seasonal_indices(y, origin)
        part = y[:, :origin]
        slots = np.arange(origin) % SEASON
        adjusted = np.where(multiplicative[:, None], part / np.where(
            indices[:, slots] == 0, 1, indices[:, slots]), part - indices[:, slots])
        t = np.arange(origin)
        slope = ((adjusted - adjusted.mean(axis=1, keepdims=True)) * (t - t.mean())).sum(
            axis=1) / np.sum((t - t.mean()) ** 2)
        best_sse = np.full(len(y), np.inf)
        best_level = np.zeros(len(y))
        best_alpha = np.zeros(len(y))
        for alpha in _THETA_ALPHAS:
            level = adjusted[:, 0].copy()
            sse = np.zeros(len(y))
            for i in range(1, origin):
                error = adjusted[:, i] - level
                sse += error**2
                level = level + alpha * error
            better = sse < best_sse
            best_sse = np.where(better, sse, best_sse)
            best_level = np.where(better, level, best_level)
            best_alpha = np.where(better, alpha, best_alpha)
        steps = np.arange(1, h + 1)
        # Hyndman & Billah: SES forecast + b/2 * (h - 1 + 1/alpha - (1 - alpha)^n / alpha)
        drift = slope[:, None] / 2 * (steps[None, :] - 1 + 1 / best_alpha[:, None]
                                      - (1 - best_alpha[:, None]) ** origin
                                      / best_alpha[:, None])
        future = indices[:, (origin + steps - 1) % SEASON]
        flat = best_level[:, None] + drift
        mean = np.where(multiplicative[:, None], flat * future, flat + future)
        sigma = np.sqrt(best_sse / max(origin - 1, 1))
        spread = np.sqrt(1 + (steps - 1) * best_alpha[:, None] ** 2)
        scale = np.where(multiplicative[:, None], future, 1.0)
        means.append(mean)
        sds.append(sigma[:, None] * spread * np.abs(scale))
    return Fit(means, sds)


def average(a: Fit, b: Fit) -> Fit:
    """The average of two methods' forecasts (averaging different methods is reliably at
    least as good as the average method: the M3/M4 competitions); the spread is the
    average of theirs."""
    return Fit([(x + z) / 2 for x, z in zip(a.mean, b.mean, strict=True)],
               [(x + z) / 2 for x, z in zip(a.sd, b.sd, strict=True)])


METHODS = {"SeasonalNaive": seasonal_naive, "HoltWinters": holt_winters, "Theta": theta}
