"""The backtest: the forecast's bands, its errors on the held-out days, and the baselines it must beat.

**The twin's raw forecast.** The calibration simulates the whole window (training and forecast
days) for parameter sets drawn from the posterior by weight, each with its own seeds; each day's
median and 80% band (10th and 90th percentiles over all those runs) come from those runs.

**The forecast it shows** corrects that band by the twin's own measured error, out of sample, on
**rolling origins** (rolling.py): the twin made again as it stood at up to eight origins a week
apart inside the training window (the parameter sets the data up to each accept, only the people
seen by then) forecasts the training days after each, up to the forecast's horizon, and so does
every baseline (baselines.py) from the same origin:

1. *Stacking.* When a baseline's RMSE over those days beats the twin's, the median becomes
   ``w * twin + (1 - w) * baseline`` with the weight ``w`` (a grid of 0.05) that minimises it; the
   weight and the baseline are reported. A forecast is never silently replaced.
2. *Band shape.* In ``log(1 + DAU)``, the band's offsets from the median are the twin's
   posterior spread, mixed with the baseline's own band offsets by the same weight.
3. *Conformal widening* (conformalised quantile regression, Romano, Patterson & Candès 2019):
   every one of those days scores how far the observed value lies outside that origin's band, made
   the same way (negative inside), and the band moves out -- or in -- by the ``ceil(0.8 (n + 1)) /
   n`` quantile of the scores pooled over the origins.

With fewer than two origins (a short training window) the same three steps run on an *inner
backtest*: the last ``H`` training days (``H`` = the forecast horizon, at least 14 where a third of
the training days allows, at most that third), forecast by every baseline from the days before
them and by the twin's runs over the same days. The twin was fitted to those days, so there the
band never narrows while the twin has a share of the forecast (narrowing on them cut a generated
community's coverage from 97% to 54%), while a forecast stacked at weight 0 -- the baseline's, made
without the inner days -- may narrow. ``band.method`` in ``backtest.json`` says which was used. A
raw band with no width on most days (its edges at the median) is flagged ``degenerate``: a handful
of parameter sets carry the posterior.

On the held-out days the backtest reports RMSE, MAPE, the share of observed days inside the 80%
band (``coverage80``) and the band's mean width, for the forecast shown (``model``), the raw
twin (``twin``) and every baseline (``baselines``); ``beats_every_baseline`` compares the shown
forecast's RMSE with all of them, ``twin_beats_every_baseline`` the raw twin's.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from commsim.experiments.analyses.calibration import rolling
from commsim.experiments.analyses.calibration.baselines import Forecast, forecast_all

COVERAGE = 0.8
MIN_INNER_DAYS = 14
DEGENERATE_WIDTH = 0.01  # a band narrower than 1% of its median (at least 0.01 people) has no width
DEGENERATE_SHARE = 0.5  # ... on at least half of the held-out days: a degenerate posterior


def errors(observed: np.ndarray, forecast: np.ndarray) -> dict:
    observed, forecast = np.asarray(observed, float), np.asarray(forecast, float)
    if observed.size == 0 or not np.isfinite(forecast).all():
        return {"rmse": math.nan, "mape": math.nan}
    positive = observed > 0
    return {"rmse": float(np.sqrt(np.mean((forecast - observed) ** 2))),
            "mape": float(np.mean(np.abs(forecast[positive] - observed[positive]) / observed[positive]))
            if positive.any() else math.nan}


def scored(observed: np.ndarray, f: Forecast) -> dict:
    """RMSE, MAPE, 80% coverage and mean band width of forecast ``f`` (band fields NaN without a band)."""
    out = errors(observed, f.mean)
    if f.lo is None or not np.isfinite(f.mean).all():
        return {**out, "coverage80": math.nan, "band_width": math.nan}
    return {**out, "coverage80": float(np.mean((observed >= f.lo) & (observed <= f.hi))),
            "band_width": float(np.mean(f.hi - f.lo))}


def bands(twin: Forecast) -> pd.DataFrame:
    """The columns of ``forecast.csv`` for a band (Forecast.of_runs)."""
    return pd.DataFrame({"dau_median": twin.mean, "dau_lo80": twin.lo, "dau_hi80": twin.hi})


def inner_days(train_days: int, horizon: int) -> int:
    return int(min(max(horizon, MIN_INNER_DAYS), train_days // 3))


def degenerate(twin: Forecast) -> bool:
    width = twin.hi - twin.lo
    return bool(np.mean(width <= np.maximum(DEGENERATE_WIDTH * twin.mean, 0.01)) >= DEGENERATE_SHARE)


def combine(twin: Forecast, base: Forecast | None, weight: float, q: float = 0.0) -> Forecast:
    """The stacked median and its band (see the module's steps 1-3), ``q`` added in log(1 + DAU)."""
    if base is None or weight >= 1:
        base, weight = twin, 1.0
    mean = weight * twin.mean + (1 - weight) * base.mean
    center, lt = np.log1p(mean), np.log1p(twin.mean)
    lo_off = weight * (np.log1p(twin.lo) - lt)
    hi_off = weight * (np.log1p(twin.hi) - lt)
    if base.lo is not None and weight < 1:
        lb = np.log1p(base.mean)
        lo_off = lo_off + (1 - weight) * (np.log1p(base.lo) - lb)
        hi_off = hi_off + (1 - weight) * (np.log1p(base.hi) - lb)
    lo = np.expm1(np.minimum(center + lo_off - q, center))
    hi = np.expm1(np.maximum(center + hi_off + q, center))
    return Forecast(mean, np.maximum(lo, 0.0), hi)


def conformal_q(observed, band: Forecast) -> float:
    """The CQR widening in log(1 + DAU): the ceil(0.8 (n + 1)) / n quantile of the inner days' scores."""
    return rolling.conformal(rolling.scores(observed, band))


def calibrate_band(obs: np.ndarray, twin_all: Forecast, train_days: int, horizon: int, outer: dict,
                   runs_at: dict | None = None) -> tuple[dict, Forecast, Forecast]:
    """Stacking weight, baseline and conformal ``q`` from the rolling origins (``runs_at``: their runs,
    rolling.py) or, without them, from the inner backtest, and the shown and raw forecasts of the
    ``horizon`` days after training (``twin_all``: the band of the forecast's runs over every day;
    ``outer``: the baselines' forecasts of those days)."""
    cut = lambda f, a, b: Forecast(f.mean[a:b], f.lo[a:b], f.hi[a:b])  # noqa: E731
    n_in = inner_days(train_days, horizon)
    origin = train_days - n_in
    y_in = obs[origin:train_days]
    twin_in, twin_out = cut(twin_all, origin, train_days), cut(twin_all, train_days, train_days + horizon)
    inner_forecasts = forecast_all(obs[:origin], n_in)
    twin_rmse, _, best, weight = rolling.choose_stacking(
        y_in, twin_in.mean, {name: f.mean for name, f in inner_forecasts.items()})
    info = {"inner_days": n_in, "inner_origin": origin, "inner_twin_rmse": twin_rmse,
            "inner_baselines": {name: scored(y_in, f) for name, f in inner_forecasts.items()}}
    tests = rolling.backtests(obs, runs_at, train_days, horizon) if runs_at else []
    if tests:  # out of sample: stacked on the origins' days, and the band may narrow as well as widen
        found, best, weight = rolling.stacking(tests)
        info.update(method="rolling_origins", stacked_with=best, twin_weight=weight)
        info["rolling"], q = rolling.widening(tests, combine, weight, best)
        info["rolling"].update(found)
    else:
        info.update(stacked_with=best, twin_weight=weight)
        base_in = inner_forecasts[best] if weight < 1 else None
        # widen only where the twin has a share: it was fitted to the inner days, so a band that held
        # more than 80% of them says nothing about the held-out days (narrowing on them cut a generated
        # community's coverage from 97% to 54%: experiments/forecast_bench.py). A forecast that is all
        # baseline (weight 0) was made from the inner origin without those days: its band may narrow too.
        q = conformal_q(y_in, combine(twin_in, base_in, weight))
        if weight > 0:
            q = max(0.0, q)
        info["method"] = "last_training_days"
    info["conformal_q"] = q
    base_out = outer[best] if weight < 1 else None
    return info, combine(twin_out, base_out, weight, q), twin_out


def backtest(observed: np.ndarray, runs: np.ndarray, train_days: int,
             runs_at: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """``forecast.csv`` (every day of the window) and ``backtest.json`` from the observed daily DAU
    (data days 0..), the forecast runs (rows = runs, columns = the same days) and the rolling
    origins' runs over the training days (``runs_at``: origin -> runs; rolling.py)."""
    total = runs.shape[1]
    twin_all = Forecast.of_runs(runs)
    raw = bands(twin_all)
    table = raw.copy()
    table.insert(0, "day", np.arange(total))
    obs = np.full(total, np.nan)
    obs[: min(total, len(observed))] = observed[:total]
    table.insert(1, "observed_dau", obs)
    for col in ("median", "lo80", "hi80"):
        table[f"twin_{col}"] = raw[f"dau_{col}"]
    horizon = total - train_days
    result = {"train_days": int(train_days), "forecast_days": int(horizon), "runs": int(runs.shape[0])}
    if horizon <= 0 or np.isnan(obs[train_days:]).all():
        result["note"] = "no held-out days: nothing to backtest"
        return table, result
    held = slice(train_days, total)
    o = obs[held]
    outer = forecast_all(obs[:train_days], horizon)
    info, shown, twin = calibrate_band(obs, twin_all, train_days, horizon, outer, runs_at)
    table.loc[train_days:, "dau_median"] = shown.mean
    table.loc[train_days:, "dau_lo80"] = shown.lo
    table.loc[train_days:, "dau_hi80"] = shown.hi
    result["model"] = scored(o, shown)
    result["twin"] = {**scored(o, twin), "degenerate": degenerate(twin)}
    result["band"] = info
    result["train_fit"] = errors(obs[:train_days], twin_all.mean[:train_days])
    result["baselines"] = {name: {**scored(o, f), **({"note": f.note} if f.note else {}), **f.extra}
                           for name, f in outer.items()}
    best = min((v["rmse"] for v in result["baselines"].values() if math.isfinite(v["rmse"])), default=math.nan)
    result["beats_every_baseline"] = bool(result["model"]["rmse"] < best)
    result["twin_beats_every_baseline"] = bool(result["twin"]["rmse"] < best)
    return table, result
