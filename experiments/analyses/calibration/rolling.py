"""Rolling-origin backtests inside the training window: how wrong the twin is at each horizon.

The band the calibration shows must hold on days the twin was not fitted to, where its error may
be larger than on the days it was (a drift in the level, people it never met). So the twin is
made again as it stood at several *origins* inside the training window -- every ``STEP`` days
back from the cut-off, at most ``MAX_ORIGINS``, none with fewer than ``max(MIN_HISTORY, train / 3)``
days before it -- and forecasts the training days after each, as the calibrated twin forecasts
the days after the cut-off (each run simulates from the first day on):

* its parameters are the sets the posterior would have accepted had the data ended at the origin
  (search.accepted_before: the posterior's rounds re-judged on the weeks before it);
* its people and ties are those seen before the origin, with the newcomers projected from there
  when the calibration projects them (twin.twins_before, newcomers.py).

Every baseline forecasts the same days from the same origin. Pooled over the origins, their errors
decide the stacking (a baseline whose RMSE beats the twin's is mixed in at the weight that
minimises it) and the conformal widening: each day scores how far the observed value lies outside
its origin's band, combined with that baseline by that weight, in ``log(1 + DAU)`` (negative
inside; Romano, Patterson & Candès 2019), and the forecast's band moves out -- or in, these days
being out of sample -- by the scores' ``ceil(0.8 (n + 1)) / n`` quantile ``q``, every horizon
weighing the same (the days a week ahead, which every origin reaches, would otherwise outweigh
those seven weeks ahead, which two reach).

No coverage guarantee comes with it: the origins' days overlap (a day is scored from up to eight
origins) and follow each other, so the scores are not exchangeable with the forecast's days, and
the stacking weight is chosen on the same days; an origin's band comes from a few runs
(``calibrate.budget``: 4-16) of sets drawn uniformly from those accepted, not from the forecast's
80 runs resampled by weight. The held-out coverage is the check.

One ``q`` for every horizon, though ``backtest.json`` gives the scores and the twin's RMSE per
block of ``BLOCK`` horizons (``band.rolling.blocks``): on a training window of a hundred days the
blocks a week ahead pool every origin while those seven weeks ahead hold the earliest two, so their
difference is as much *which* days they cover as how far ahead (on CollegeMsg the largest errors
were a week ahead, where the origins just before its quiet week, days 65-71, put it). A widening by
horizon was measured and not kept (docs/calibration.md).

What still leaks: the parameter sets were proposed in the boxes the whole window's rounds marked
out (the second round's, denser, around the first round's sets accepted on the whole window; the
re-selection draws them uniformly, without the rounds' mixture weights), and the calendar's weekly
rhythm and quiet spells were read from the whole training window. (The graph is the origin's own:
the people seen and the ties formed before it.) With fewer than ``MIN_ORIGINS`` origins (a short
training window) the backtest falls back to the last training days (backtest.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from commsim.experiments.analyses.calibration.baselines import Forecast, forecast_all

STEP = 7
MAX_ORIGINS = 8
MIN_ORIGINS = 2
MIN_HISTORY = 28  # days of data before the earliest origin
BLOCK = 7
COVERAGE = 0.8


def origins(train_days: int) -> list[int]:
    """The rolling origins (training days since the first; the latest first), or [] when fewer
    than ``MIN_ORIGINS`` fit."""
    first = max(MIN_HISTORY, train_days // 3)
    out = [train_days - STEP * k for k in range(1, MAX_ORIGINS + 1) if train_days - STEP * k >= first]
    return out if len(out) >= MIN_ORIGINS else []


def conformal(scores: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The CQR quantile of ``scores``: the k-th smallest, k = ceil(0.8 (n + 1)) (the largest when n is
    too small for that); with ``weights``, the smallest score whose weighted share of the scores
    reaches k / n. Scores that are not finite (a baseline without a band) are left out."""
    scores = np.asarray(scores, float)
    weights = np.ones_like(scores) if weights is None else np.asarray(weights, float)
    finite = np.isfinite(scores)
    scores, weights = scores[finite], weights[finite]
    n = len(scores)
    if n == 0:
        return 0.0
    order = np.argsort(scores, kind="stable")
    share = np.cumsum(weights[order]) / weights.sum()
    k = min(math.ceil(COVERAGE * (n + 1)), n)
    return float(scores[order][min(int(np.searchsorted(share, k / n - 1e-12)), n - 1)])


def scores(observed: np.ndarray, band: Forecast) -> np.ndarray:
    """How far each observed day lies outside ``band``, in log(1 + DAU) (negative inside)."""
    y = np.log1p(observed)
    return np.maximum(np.log1p(band.lo) - y, y - np.log1p(band.hi))


@dataclass
class Backtest:
    """One origin's forecast of the training days after it, up to the forecast's horizon."""
    origin: int
    observed: np.ndarray
    twin: Forecast  # the band of the twin's runs as it stood at the origin
    baselines: dict  # name -> Forecast, each made from the days before the origin


def backtests(obs: np.ndarray, runs_at: dict[int, np.ndarray], train_days: int, horizon: int) -> list[Backtest]:
    """Every origin's forecast (``runs_at``: origin -> the twin's runs over the training days, rows =
    runs) and every baseline's from the same origin, of the days up to ``horizon`` after it; []
    when fewer than ``MIN_ORIGINS`` origins have runs."""
    out = []
    for origin, runs in sorted(runs_at.items(), reverse=True):
        if runs is None or len(runs) < 2 or not 0 < origin < train_days:
            continue
        end = min(train_days, origin + horizon)
        out.append(Backtest(origin, obs[origin:end], Forecast.of_runs(runs[:, origin:end]),
                            forecast_all(obs[:origin], end - origin)))
    return out if len(out) >= MIN_ORIGINS else []


def stack_weight(observed, twin_mean, base_mean) -> float:
    """The twin's weight (a grid of 0.05) in ``w * twin + (1 - w) * baseline`` that minimises the RMSE."""
    grid = np.linspace(0, 1, 21)
    losses = [np.mean((w * twin_mean + (1 - w) * base_mean - observed) ** 2) for w in grid]
    return float(grid[int(np.argmin(losses))])


def choose_stacking(observed, twin_mean, baselines: dict) -> tuple[float, dict, str | None, float]:
    """The twin's RMSE on ``observed``, each baseline's (``baselines``: name -> its forecast's mean; NaN
    where it could not forecast), the best baseline where it beats the twin (else None) and the
    twin's weight."""
    rmse = lambda forecast: float(np.sqrt(np.mean((forecast - observed) ** 2)))  # noqa: E731
    twin = rmse(twin_mean)
    each = {name: rmse(mean) for name, mean in baselines.items()}
    finite = {k: v for k, v in each.items() if math.isfinite(v)}
    best = min(finite, key=finite.get) if finite else None
    if best is None or finite[best] >= twin:
        return twin, each, None, 1.0
    return twin, each, best, stack_weight(observed, twin_mean, baselines[best])


def stacking(tests: list[Backtest]) -> tuple[dict, str | None, float]:
    """:func:`choose_stacking` over every origin's days: the RMSEs, the baseline and the twin's weight."""
    joined = lambda get: np.concatenate([get(t) for t in tests])  # noqa: E731
    twin, each, best, weight = choose_stacking(joined(lambda t: t.observed), joined(lambda t: t.twin.mean),
                                               {name: joined(lambda t, n=name: t.baselines[n].mean)
                                                for name in tests[0].baselines})
    return {"twin_rmse": twin, "baselines": each}, best, weight


def widening(tests: list[Backtest], combine, weight: float, baseline: str | None) -> tuple[dict, float]:
    """The conformal ``q`` of the forecast's band from the origins' days, each origin's band combined
    as the forecast's (``combine(twin, base, weight)``), every horizon weighing the same (a day ``h``
    ahead weighs one over the number of origins that reach ``h``); and per block of horizons what
    was measured."""
    reach = np.bincount(np.concatenate([np.arange(len(t.observed)) for t in tests]))
    by_block: dict[int, list[np.ndarray]] = {}
    twin_sq: dict[int, list[np.ndarray]] = {}
    pooled, weights = [], []
    for t in tests:
        s = scores(t.observed, combine(t.twin, t.baselines[baseline] if baseline else None, weight))
        pooled.append(s)
        weights.append(1.0 / reach[:len(s)])
        block = np.arange(len(s)) // BLOCK
        for b in np.unique(block):
            by_block.setdefault(int(b), []).append(s[block == b])
            twin_sq.setdefault(int(b), []).append((t.twin.mean[block == b] - t.observed[block == b]) ** 2)
    furthest = int(len(reach))
    blocks = []
    for b in sorted(by_block):
        within = np.concatenate(by_block[b])
        blocks.append({"from_day": b * BLOCK + 1, "to_day": min((b + 1) * BLOCK, furthest),
                       "origins": len(by_block[b]), "scores": int(within.size), "q": conformal(within),
                       "covered": float(np.mean(within <= 0)),
                       "twin_rmse": float(np.sqrt(np.mean(np.concatenate(twin_sq[b]))))})
    everything = np.concatenate(pooled)
    info = {"origins": [t.origin for t in tests], "scores": int(everything.size), "blocks": blocks,
            "measured_to_day": furthest}
    return info, conformal(everything, np.concatenate(weights))
