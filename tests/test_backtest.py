"""The backtest's baselines and the forecast band it calibrates on the twin's own error
(experiments/analyses/calibration/baselines.py and backtest.py), on series of known structure."""

import math

import numpy as np
import pytest

from commsim.experiments.analyses.calibration import backtest as B
from commsim.experiments.analyses.calibration import baselines as BL


def workplace(days: int, rng=None, noise: float = 0.0) -> np.ndarray:
    """About 200 people on weekdays and 20 at weekends (day 0 a Monday)."""
    base = np.where(np.arange(days) % 7 < 5, 200.0, 20.0)
    return base if rng is None else np.maximum(base + rng.normal(0, noise, days), 0)


def test_seasonal_baselines_repeat_a_noise_free_week_exactly_and_flat_ones_do_not():
    y = workplace(84)
    forecasts = BL.forecast_all(y[:56], 28)
    for name in ("seasonal_naive", "weekday_mean4"):
        assert np.allclose(forecasts[name].mean, y[56:]), name
    assert B.errors(y[56:], forecasts["last30"].mean)["rmse"] > 50
    assert B.errors(y[56:], forecasts["ets"].mean)["rmse"] < 20, "ETS with a weekly season follows it too"
    assert set(forecasts) == set(BL.NAMES)


def test_baseline_bands_cover_about_80_percent_of_steady_noise():
    rng = np.random.default_rng(3)
    cover = {name: [] for name in ("last30", "seasonal_naive", "weekday_mean4", "ets", "theta")}
    for _ in range(20):
        y = 100 + rng.normal(0, 10, 120)
        for name in cover:
            f = BL.FORECASTERS[name](y[:90], 30)
            cover[name].append(np.mean((y[90:] >= f.lo) & (y[90:] <= f.hi)))
    shares = {name: float(np.mean(v)) for name, v in cover.items()}
    for name in ("last30", "weekday_mean4", "ets"):
        assert 0.7 <= shares[name] <= 0.9, shares
    # seasonal naive's band grows with each week ahead and Theta's like a random walk's: wider than
    # 80% on steady noise, never narrower
    assert shares["seasonal_naive"] >= 0.8 and shares["theta"] >= 0.8, shares


def test_a_forecaster_that_cannot_fit_is_listed_with_its_reason(monkeypatch):
    def broken(train, horizon):
        raise RuntimeError("no convergence")

    monkeypatch.setitem(BL.FORECASTERS, "ets", broken)
    forecasts = BL.forecast_all(workplace(56), 14)
    assert np.isnan(forecasts["ets"].mean).all() and "no convergence" in forecasts["ets"].note
    assert np.isfinite(forecasts["seasonal_naive"].mean).all()


def test_a_degenerate_twin_gets_a_band_from_its_measured_error_and_is_named():
    rng = np.random.default_rng(0)
    observed = 100 + rng.normal(0, 10, 200)
    runs = np.full((40, 200), 100.0)  # every run the same: a band with no width
    table, bt = B.backtest(observed, runs, 140)
    assert bt["twin"]["degenerate"] and bt["twin"]["coverage80"] < 0.1
    assert 0.65 <= bt["model"]["coverage80"] <= 0.95, bt["model"]
    assert bt["band"]["conformal_q"] > 0
    held = table.day >= 140
    assert (table.dau_lo80[held] < table.twin_lo80[held]).all()


def test_a_band_wider_than_it_needs_on_the_fitted_days_is_never_narrowed():
    rng = np.random.default_rng(2)
    observed = 100 + rng.normal(0, 5, 200)
    # a twin right on the data (so nothing is stacked) with a posterior far wider than the data's noise
    runs = observed + np.linspace(-60, 60, 41)[:, None]
    table, bt = B.backtest(observed, runs, 140)
    assert bt["band"]["stacked_with"] is None
    assert bt["band"]["conformal_q"] == 0.0, "in-sample days never narrow the band"
    held = table.day >= 140
    assert np.allclose(table.dau_lo80[held], table.twin_lo80[held])
    assert np.allclose(table.dau_hi80[held], table.twin_hi80[held])


def test_a_forecast_that_is_all_baseline_has_its_band_narrowed_to_its_measured_error(monkeypatch):
    """Stacked at weight 0 the forecast is a baseline's, made from the inner origin without the inner
    days: out of sample there, so conformal calibration may narrow its band as well as widen it."""
    def wide(y, h):  # the right level, a band of +-60 where the noise has sd 10
        m = np.full(h, float(np.mean(y[-28:])))
        return BL.Forecast(m, m - 60, m + 60)

    monkeypatch.setattr(BL, "FORECASTERS", {"wide": wide})
    rng = np.random.default_rng(0)
    observed = 100 + rng.normal(0, 10, 200)
    runs = np.full((40, 200), 150.0) + rng.normal(0, 3, (40, 200))  # a twin stuck at the wrong level
    _, bt = B.backtest(observed, runs, 140)
    assert bt["band"]["stacked_with"] == "wide" and bt["band"]["twin_weight"] == 0.0
    assert bt["band"]["conformal_q"] < 0
    assert bt["baselines"]["wide"]["coverage80"] == 1.0 and bt["baselines"]["wide"]["band_width"] == 120
    assert bt["model"]["band_width"] < 0.5 * 120 and 0.65 <= bt["model"]["coverage80"] <= 0.95, bt["model"]


def test_a_twin_without_the_weekly_rhythm_is_stacked_with_a_seasonal_baseline_and_says_so():
    rng = np.random.default_rng(1)
    observed = workplace(140, rng, noise=8)
    runs = np.tile(np.full(140, observed.mean()), (30, 1)) + rng.normal(0, 5, (30, 140))
    _, bt = B.backtest(observed, runs, 98)
    band = bt["band"]
    assert band["stacked_with"] in {"seasonal_naive", "weekday_mean4", "ets", "arima", "theta"}
    assert band["twin_weight"] < 0.5
    assert bt["model"]["rmse"] < 0.5 * bt["twin"]["rmse"]
    assert not bt["twin_beats_every_baseline"]


def test_a_twin_that_beats_the_baselines_is_shown_unstacked():
    rng = np.random.default_rng(2)
    trend = 50 + 100 * np.sin(np.arange(150) / 25.0) ** 2  # a rise and fall no baseline extrapolates
    observed = trend + rng.normal(0, 3, 150)
    runs = trend + rng.normal(0, 3, (40, 150))
    _, bt = B.backtest(observed, runs, 100)
    assert bt["band"]["stacked_with"] is None and bt["band"]["twin_weight"] == 1.0
    assert bt["beats_every_baseline"] and bt["twin_beats_every_baseline"]
    assert math.isclose(bt["model"]["rmse"], bt["twin"]["rmse"])
    assert 0.6 <= bt["model"]["coverage80"] <= 1.0


@pytest.mark.parametrize("days", [28, 29, 35])
def test_short_training_windows_still_score_every_baseline(days):
    y = workplace(days + 14, np.random.default_rng(days), noise=5)
    runs = np.tile(y, (10, 1))
    _, bt = B.backtest(y, runs, days)
    assert all(math.isfinite(bt["baselines"][k]["rmse"]) for k in ("last7", "seasonal_naive", "weekday_mean4"))
    assert bt["band"]["inner_days"] == days // 3, "a third of the training days when that is under 14"
    assert math.isfinite(bt["model"]["coverage80"])


def _random_walk_case(seed: int, rolling: bool):
    """A community whose level wanders (a random walk plus day-to-day noise) and a twin that knows
    the data up to its origin and carries the last week's level on: fitted days it reproduces
    exactly, and its error grows with the distance from them."""
    rng = np.random.default_rng(seed)
    train, horizon = 105, 35
    observed = np.maximum(200 + np.cumsum(rng.normal(0, 4, train + horizon)) + rng.normal(0, 3, train + horizon), 0)

    def twin_from(origin, days):
        runs = np.tile(observed[:days], (20, 1))
        runs[:, origin:] = observed[origin - 7:origin].mean() + rng.normal(0, 3, (20, days - origin))
        return runs

    runs_at = {o: twin_from(o, train) for o in B.rolling.origins(train)} if rolling else None
    return B.backtest(observed, twin_from(train, train + horizon), train, runs_at)[1]


def test_rolling_origins_give_a_band_that_holds_when_the_twin_drifts_away_from_its_data(monkeypatch):
    """On days the twin was fitted to it is exact, so a band calibrated there is far too narrow for
    the days after the cut-off; forecasts from earlier origins measure the error that grows with
    the horizon, out of sample, and the band widens with it (rolling.py)."""
    # the naive baselines only: the statistical ones cost a minute over 40 backtests and 9 origins each
    monkeypatch.setattr(BL, "FORECASTERS", {k: v for k, v in BL.FORECASTERS.items()
                                            if k in ("last7", "last30", "exp_decay", "seasonal_naive")})
    inner = [_random_walk_case(seed, rolling=False) for seed in range(20)]
    rolled = [_random_walk_case(seed, rolling=True) for seed in range(20)]
    assert np.mean([bt["model"]["coverage80"] for bt in inner]) < 0.4
    assert 0.7 <= np.mean([bt["model"]["coverage80"] for bt in rolled]) <= 0.92
    band = rolled[0]["band"]
    assert band["method"] == "rolling_origins" and band["rolling"]["origins"] == B.rolling.origins(105)
    rmse = [block["twin_rmse"] for block in band["rolling"]["blocks"]]
    assert rmse[-1] > 2 * rmse[0], "the twin's error per block of horizons grows with the horizon"
    assert band["rolling"]["blocks"][0]["from_day"] == 1 and band["rolling"]["blocks"][0]["origins"] == 8


def test_rolling_origins_narrow_a_band_wider_than_the_error_out_of_sample():
    """Out of sample (unlike the last training days, which the twin was fitted to) a band that held
    far more than 80% may narrow."""
    rng = np.random.default_rng(4)
    trend = 100 + 15 * np.sin(np.arange(140) / 4.0)  # a wave no baseline extrapolates
    observed = trend + rng.normal(0, 3, 140)
    spread = np.linspace(-40, 40, 21)[:, None]  # a band of about +-32 where the noise has sd 3
    runs = trend + spread
    runs_at = {o: trend[:105] + spread for o in B.rolling.origins(105)}
    table, bt = B.backtest(observed, runs, 105, runs_at)
    assert bt["band"]["stacked_with"] is None
    assert bt["band"]["conformal_q"] < 0
    assert bt["model"]["band_width"] < 0.5 * bt["twin"]["band_width"]
    assert 0.6 <= bt["model"]["coverage80"] <= 0.97, bt["model"]


@pytest.mark.parametrize("train, expected", [(100, [93, 86, 79, 72, 65, 58, 51, 44]), (60, [53, 46, 39, 32]),
                                             (42, [35, 28]), (40, [])])
def test_rolling_origins_step_back_a_week_at_a_time_and_keep_four_weeks_of_history(train, expected):
    assert B.rolling.origins(train) == expected


def test_too_few_origins_fall_back_to_the_last_training_days():
    rng = np.random.default_rng(0)
    observed = 100 + rng.normal(0, 10, 200)
    runs = np.full((40, 200), 100.0)
    _, bt = B.backtest(observed, runs, 140, {133: np.full((5, 140), 100.0)})
    assert bt["band"]["method"] == "last_training_days"


def test_rolling_origins_stack_a_twin_at_the_wrong_level_with_the_baseline_that_forecast_their_days(monkeypatch):
    def wide(y, h):  # the right level, a band of +-60 where the noise has sd 10
        m = np.full(h, float(np.mean(y[-28:])))
        return BL.Forecast(m, m - 60, m + 60)

    def broken(y, h):  # fails from some origins: left out of the stacking, never a crash
        if len(y) < 60:
            raise RuntimeError("too short")
        return BL.Forecast(np.full(h, 100.0))

    monkeypatch.setattr(BL, "FORECASTERS", {"wide": wide, "broken": broken})
    rng = np.random.default_rng(0)
    observed = 100 + rng.normal(0, 10, 140)
    runs = np.full((40, 140), 150.0) + rng.normal(0, 3, (40, 140))  # a twin stuck at the wrong level
    runs_at = {o: runs[:, :105] for o in B.rolling.origins(105)}
    runs_at[98] = runs_at[98][:1]  # an origin with a single run is left out
    _, bt = B.backtest(observed, runs, 105, runs_at)
    band = bt["band"]
    assert band["method"] == "rolling_origins" and 98 not in band["rolling"]["origins"]
    assert band["stacked_with"] == "wide" and band["twin_weight"] == 0.0
    assert math.isnan(band["rolling"]["baselines"]["broken"]) and band["rolling"]["twin_rmse"] > 40
    assert band["conformal_q"] < 0, "the baseline's band was far wider than its error on the origins' days"
    assert 0.65 <= bt["model"]["coverage80"] <= 0.95 and bt["model"]["band_width"] < 60, bt["model"]
