"""The forecasting engine on series whose truth is known."""

import numpy as np
import pytest

from apps.insight import engine


def _seasonal(rng, months: int, *, level=1000.0, trend=10.0, amplitude=200.0, noise=50.0):
    t = np.arange(months)
    return level + trend * t + amplitude * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise,
                                                                                   months)


def test_intervals_contain_the_truth_at_about_the_stated_rate():
    # Given 40 seasonal series with trend and Gaussian noise, 6 months held out each
    rng = np.random.default_rng(7)
    history, truth = {}, {}
    for i in range(40):
        values = _seasonal(rng, 48 + 6)
        history[f"s{i}"], truth[f"s{i}"] = values[:48].tolist(), values[48:]
    # When forecast 6 months ahead
    results = engine.forecast_many(history, 6, n_jobs=1)
    # Then about 80 % and 95 % of the held-out months fall inside the bands
    inside80 = inside95 = total = 0
    for key, actual in truth.items():
        r = results[key]
        inside80 += np.sum((actual >= r.lo80) & (actual <= r.hi80))
        inside95 += np.sum((actual >= r.lo95) & (actual <= r.hi95))
        total += len(actual)
    assert 0.65 <= inside80 / total <= 0.95
    assert 0.85 <= inside95 / total <= 1.0
    # and a seasonal model beats seasonal naive on most of them, with its error kept
    confident = [r for r in results.values() if not r.low_confidence]
    assert len(confident) >= 30
    assert all(r.mase is not None and r.mase < r.baseline_mase for r in confident)
    assert all(r.method in engine.DEFAULT_MODELS for r in confident)


def test_short_histories_fall_back_to_simple_methods_and_say_so():
    results = engine.forecast_many({"six": [100, 120, 110, 130, 125, 140], "one": [50]}, 3)

    six, one = results["six"], results["one"]
    assert six.short_history and six.method in {"Naive", "Mean", "Drift"}
    assert six.baseline == "Naive" and six.mase is not None
    assert "Only 6 months of history" in six.notes[0]
    assert all(lo <= m <= hi for lo, m, hi in zip(six.lo95, six.mean, six.hi95, strict=True))
    assert one.method == "Naive" and one.mean == [50.0] * 3 and one.low_confidence
    assert one.lo95 == one.hi95 == [50.0] * 3


def test_zero_and_negative_flows():
    rng = np.random.default_rng(3)
    results = engine.forecast_many({
        "zeros": [0.0] * 30,
        "negative": (-_seasonal(rng, 36)).tolist(),
        "mixed": _seasonal(rng, 36, level=0.0, trend=0.0, amplitude=500.0).tolist(),
    }, 6, n_jobs=1)

    zeros = results["zeros"]
    assert zeros.mean == [0.0] * 6 and zeros.mape is None and zeros.low_confidence
    negative = results["negative"]
    assert all(np.isfinite(negative.mean)) and max(negative.mean) < 0
    mixed = results["mixed"]
    assert min(mixed.lo95) < 0 < max(mixed.hi95)
    for r in results.values():
        assert all(lo <= hi for lo, hi in zip(r.lo95, r.hi95, strict=True))


def test_a_bad_horizon_is_refused():
    with pytest.raises(ValueError, match="horizon"):
        engine.forecast_many({"a": [1.0] * 20}, 0)


def test_the_backtest_never_sees_the_months_after_its_origin():
    from apps.insight import vector

    rng = np.random.default_rng(11)
    y = np.stack([_seasonal(rng, 36) for _ in range(5)])
    origins, horizons = [27, 30, 33, 36], [3, 3, 3, 6]
    changed = y.copy()
    changed[:, 30:] *= 3  # everything after the second origin
    for name, method in vector.METHODS.items():
        before, after = method(y, origins, horizons), method(changed, origins, horizons)
        for i in (0, 1):  # forecasts made at months 27 and 30 did not move
            np.testing.assert_allclose(before.mean[i], after.mean[i])
            np.testing.assert_allclose(before.sd[i], after.sd[i])
        if name != "SeasonalNaive":  # (which repeats months 24-29 for the last origin)
            assert not np.allclose(before.mean[3], after.mean[3])


def test_series_forecast_together_or_alone_get_the_same_forecast():
    rng = np.random.default_rng(12)
    series = {f"s{i}": _seasonal(rng, 30 + 6 * (i % 2)).tolist() for i in range(4)}

    together = engine.forecast_many(series, 6)
    for key, values in series.items():
        alone = engine.forecast_many({key: values}, 6)[key]
        assert alone.method == together[key].method
        np.testing.assert_allclose(alone.mean, together[key].mean)
        np.testing.assert_allclose(alone.hi95, together[key].hi95)


def test_models_from_two_engines_are_refused():
    with pytest.raises(ValueError, match="one engine"):
        engine.forecast_many({"a": [1.0] * 20}, 3, models=("AutoETS", "HoltWinters"))


@pytest.mark.parametrize("models", [engine.VECTOR_MODELS, ("AutoETS", "Theta")],
                         ids=["vectorised", "statsforecast"])
def test_both_engines_explain_low_confidence_the_same_way(models):
    # Given a series too short to backtest and one where no model beats the baseline
    rng = np.random.default_rng(11)
    series = {"thirteen": _seasonal(rng, 13).tolist(), "zeros": [0.0] * 30}
    # When either engine forecasts them
    results = engine.forecast_many(series, 3, models=models, n_jobs=1)
    # Then both are low confidence, show seasonal naive, and say why in the same words
    thirteen, zeros = results["thirteen"], results["zeros"]
    assert (thirteen.method, thirteen.low_confidence, thirteen.mase) == (
        engine.BASELINE, True, None)
    assert thirteen.notes == ["Fewer than 15 months: too short to backtest a seasonal "
                              "model; seasonal naive is shown."]
    assert (zeros.method, zeros.low_confidence, zeros.mase) == (engine.BASELINE, True, 0.0)
    assert zeros.notes == ["No model beat seasonal naive in the backtest: seasonal naive "
                           "is shown."]
