"""The forecasts a twin must beat: naive ones and standard statistical forecasters.

Each forecaster sees the training days' DAU only (``train``, one value a day, day 0 first) and
returns the next ``horizon`` days as a :class:`Forecast`: a point forecast and, where it has one,
an 80% band. The seasonal ones use a weekly period (day ``t`` and ``t + 7`` are the same
weekday, as in every log the calibration reads).

Naive (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.2
and 5.5 for the bands):

* ``last7`` / ``last30``: the mean of the last 7 / 30 training days carried forward; band
  mean +- 1.28 s sqrt(1 + 1/n), s the standard deviation of those days;
* ``exp_decay``: ``DAU(t) = exp(a + b t)`` fitted by least squares to log DAU over the second half
  of the training days (days with DAU 0 left out); band from the fit's residual spread in logs;
* ``seasonal_naive``: the last training week repeated; band +- 1.28 s sqrt(k + 1) for a day in
  week k + 1 of the forecast, s the spread of the week-on-week differences;
* ``weekday_mean4``: each weekday's mean over the last 4 training weeks; band +- 1.28 s
  sqrt(1 + 1/4), s the spread of the last 4 weeks around their weekday means.

Statistical (statsmodels; each fitted by maximum likelihood, bands from the fitted model; each with
one BLAS thread, which makes their small Kalman filters about 3x faster: experiments/runner/threads.py):

* ``ets``: additive error, damped additive trend, additive weekly season (ETS(A,Ad,A));
* ``arima``: the seasonal ARIMA with the lowest AIC among (p,1,q)(1,0,1)_7, p, q in {0, 1};
* ``theta``: the Theta method (Assimakopoulos & Nikolopoulos 2000) with a multiplicative weekly
  deseasonalisation test, as statsmodels' ``ThetaModel``.

A forecaster that cannot fit (too few days, no convergence) returns NaN and says why in ``note``:
it is listed, never silently dropped. Forecasts below zero are clipped to zero (DAU counts people).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from commsim.experiments.runner.threads import blas_single_threaded

Z80 = 1.2815515655446004  # the normal's 90th percentile: a central 80% band is mean +- Z80 sd
PERIOD = 7
NAMES = {"last7": "the last week's mean carried forward",
         "last30": "the last 30 days' mean carried forward",
         "exp_decay": "an exponential decay fitted to the second half of the training days",
         "seasonal_naive": "the last training week repeated",
         "weekday_mean4": "each weekday's mean over the last 4 weeks",
         "ets": "ETS (damped trend, weekly season)",
         "arima": "seasonal ARIMA (lowest AIC)",
         "theta": "Theta method (weekly season)"}


@dataclass
class Forecast:
    mean: np.ndarray
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def of_runs(cls, runs: np.ndarray) -> "Forecast":
        """Per day: the median and the 10th / 90th percentiles over simulated runs (rows = runs)."""
        return cls(np.median(runs, axis=0), np.quantile(runs, 0.1, axis=0), np.quantile(runs, 0.9, axis=0))

    def clipped(self) -> "Forecast":
        clip = (lambda a: None if a is None else np.maximum(np.asarray(a, float), 0.0))
        return Forecast(clip(self.mean), clip(self.lo), clip(self.hi), self.note, self.extra)


def _flat(value: float, sd: float, horizon: int, factor: float) -> Forecast:
    mean = np.full(horizon, value)
    return Forecast(mean, mean - Z80 * sd * factor, mean + Z80 * sd * factor)


def last_mean(train: np.ndarray, horizon: int, n: int) -> Forecast:
    window = train[-n:]
    sd = float(window.std(ddof=1)) if len(window) > 1 else 0.0
    return _flat(float(window.mean()), sd, horizon, math.sqrt(1 + 1 / len(window)))


def exp_decay(train: np.ndarray, horizon: int) -> Forecast:
    half = np.arange(len(train) // 2, len(train))
    y = train[half]
    keep = y > 0
    if keep.sum() < 3:
        return Forecast(np.full(horizon, math.nan), note="fewer than 3 days with activity in the second half")
    b, a = np.polyfit(half[keep], np.log(y[keep]), 1)
    resid = np.log(y[keep]) - (a + b * half[keep])
    sd = float(resid.std(ddof=2)) if keep.sum() > 2 else 0.0
    log_mean = a + b * np.arange(len(train), len(train) + horizon)
    return Forecast(np.exp(log_mean), np.exp(log_mean - Z80 * sd), np.exp(log_mean + Z80 * sd))


def seasonal_naive(train: np.ndarray, horizon: int) -> Forecast:
    last = train[-PERIOD:]
    h = np.arange(horizon)
    mean = last[h % PERIOD]
    diffs = train[PERIOD:] - train[:-PERIOD]
    sd = float(np.sqrt(np.mean(diffs ** 2))) if diffs.size else 0.0
    spread = Z80 * sd * np.sqrt(h // PERIOD + 1)
    return Forecast(mean, mean - spread, mean + spread)


def weekday_mean(train: np.ndarray, horizon: int, weeks: int = 4) -> Forecast:
    n = min(weeks, len(train) // PERIOD)
    block = train[len(train) - n * PERIOD:].reshape(n, PERIOD)  # rows: weeks; columns: weekday slots
    means = block.mean(axis=0)
    sd = float(np.sqrt(np.sum((block - means) ** 2) / max(1, block.size - PERIOD)))
    # the block starts n whole weeks before the first forecast day: forecast day h is column h mod 7
    mean = means[np.arange(horizon) % PERIOD]
    spread = Z80 * sd * math.sqrt(1 + 1 / n)
    return Forecast(mean, mean - spread, mean + spread)


def _frame_forecast(frame, mean_col: str, lo_col: str, hi_col: str) -> Forecast:
    return Forecast(np.asarray(frame[mean_col], float), np.asarray(frame[lo_col], float),
                    np.asarray(frame[hi_col], float))


@blas_single_threaded
def ets(train: np.ndarray, horizon: int) -> Forecast:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    fit = ETSModel(pd.Series(train), error="add", trend="add", damped_trend=True, seasonal="add",
                   seasonal_periods=PERIOD).fit(disp=False)
    frame = fit.get_prediction(start=len(train), end=len(train) + horizon - 1).summary_frame(alpha=0.2)
    return _frame_forecast(frame, "mean", "pi_lower", "pi_upper")


@blas_single_threaded
def arima(train: np.ndarray, horizon: int) -> Forecast:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    best, order = None, None
    for p in (0, 1):
        for q in (0, 1):
            fit = SARIMAX(train, order=(p, 1, q), seasonal_order=(1, 0, 1, PERIOD)).fit(disp=False)
            if best is None or fit.aic < best.aic:
                best, order = fit, (p, 1, q)
    frame = best.get_forecast(horizon).summary_frame(alpha=0.2)
    out = _frame_forecast(frame, "mean", "mean_ci_lower", "mean_ci_upper")
    out.extra = {"order": list(order), "seasonal_order": [1, 0, 1, PERIOD]}
    return out


@blas_single_threaded
def theta(train: np.ndarray, horizon: int) -> Forecast:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    # a multiplicative deseasonalisation needs positive values; a log with zero days uses additive
    method = "multiplicative" if (train > 0).all() else "additive"
    fit = ThetaModel(train, period=PERIOD, method=method).fit()
    mean = np.asarray(fit.forecast(horizon), float)
    band = fit.prediction_intervals(horizon, alpha=0.2)
    return Forecast(mean, np.asarray(band["lower"], float), np.asarray(band["upper"], float))


FORECASTERS = {"last7": lambda y, h: last_mean(y, h, 7), "last30": lambda y, h: last_mean(y, h, 30),
               "exp_decay": exp_decay, "seasonal_naive": seasonal_naive, "weekday_mean4": weekday_mean,
               "ets": ets, "arima": arima, "theta": theta}


def forecast_all(train, horizon: int) -> dict[str, Forecast]:
    """Every baseline's forecast of the ``horizon`` days after ``train``."""
    train = np.asarray(train, float)
    out = {}
    for name, forecaster in FORECASTERS.items():
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = forecaster(train, horizon)
            if not np.isfinite(result.mean).all():
                raise ValueError(result.note or "the fit gave no finite forecast")
        except Exception as error:  # noqa: BLE001 -- a third-party fit failing on odd data: listed, not fatal
            result = Forecast(np.full(horizon, math.nan), note=f"could not fit: {error}")
        out[name] = result.clipped()
    return out
