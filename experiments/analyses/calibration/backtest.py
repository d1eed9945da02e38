"""The backtest: the forecast's bands, its errors on the held-out days, and the naive baselines.

The forecast simulates the whole window (training and forecast days) for parameter sets drawn
from the posterior by weight, each with its own seeds; each day's median and 80% band (10th and
90th percentiles over all those runs) come from those runs. On the forecast days (held out of the
fit) it reports RMSE and MAPE of the median against the observed DAU, and ``coverage80``, the
share of observed days inside the 80% band. A forecast is only worth having if it beats these
naive forecasts, computed from the training days alone:

* ``last7``: the mean DAU of the last 7 training days, carried forward;
* ``last30``: the mean of the last 30 training days, carried forward;
* ``exp_decay``: ``DAU(t) = exp(a + b t)`` fitted by least squares to log DAU over the second half
  of the training window (days with DAU 0 left out), extrapolated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def errors(observed: np.ndarray, forecast: np.ndarray) -> dict:
    observed, forecast = np.asarray(observed, float), np.asarray(forecast, float)
    if observed.size == 0:
        return {"rmse": math.nan, "mape": math.nan}
    positive = observed > 0
    return {"rmse": float(np.sqrt(np.mean((forecast - observed) ** 2))),
            "mape": float(np.mean(np.abs(forecast[positive] - observed[positive]) / observed[positive]))
            if positive.any() else math.nan}


def naive_forecasts(train: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    train = np.asarray(train, float)
    out = {"last7": np.full(horizon, train[-7:].mean()), "last30": np.full(horizon, train[-30:].mean())}
    half = np.arange(len(train) // 2, len(train))
    y = train[half]
    keep = y > 0
    if keep.sum() >= 3:
        b, a = np.polyfit(half[keep], np.log(y[keep]), 1)
        out["exp_decay"] = np.exp(a + b * np.arange(len(train), len(train) + horizon))
    else:
        out["exp_decay"] = np.full(horizon, math.nan)
    return out


def bands(runs: np.ndarray) -> pd.DataFrame:
    """Per day: median and the 10th / 90th percentiles over runs (rows = runs)."""
    return pd.DataFrame({"dau_median": np.median(runs, axis=0), "dau_lo80": np.quantile(runs, 0.1, axis=0),
                         "dau_hi80": np.quantile(runs, 0.9, axis=0)})


def backtest(observed: np.ndarray, runs: np.ndarray, train_days: int) -> tuple[pd.DataFrame, dict]:
    """``forecast.csv`` (every day of the window) and ``backtest.json`` from the observed daily DAU
    (data days 0..) and the forecast runs (rows = runs, columns = the same days)."""
    total = runs.shape[1]
    table = bands(runs)
    table.insert(0, "day", np.arange(total))
    obs = np.full(total, np.nan)
    obs[: min(total, len(observed))] = observed[:total]
    table.insert(1, "observed_dau", obs)
    horizon = total - train_days
    result = {"train_days": int(train_days), "forecast_days": int(horizon), "runs": int(runs.shape[0])}
    if horizon <= 0 or np.isnan(obs[train_days:]).all():
        result["note"] = "no held-out days: nothing to backtest"
        return table, result
    held = slice(train_days, total)
    o = obs[held]
    result["model"] = {**errors(o, table.dau_median.to_numpy()[held]),
                       "coverage80": float(np.mean((o >= table.dau_lo80.to_numpy()[held])
                                                   & (o <= table.dau_hi80.to_numpy()[held])))}
    result["train_fit"] = errors(obs[:train_days], table.dau_median.to_numpy()[:train_days])
    result["baselines"] = {name: errors(o, f) for name, f in naive_forecasts(obs[:train_days], horizon).items()}
    best = min((v["rmse"] for v in result["baselines"].values() if v["rmse"] == v["rmse"]), default=math.nan)
    result["beats_every_baseline"] = bool(result["model"]["rmse"] < best)
    return table, result
