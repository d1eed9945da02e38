"""Newcomers after the cut-off: the people a twin's forecast gains who were not seen yet.

A twin built from its training window knows everyone seen before the cut-off, but a community goes
on gaining people after it (the forecast bench's growing community gains a third of its people in
its 35 held-out days). Without newcomers the twin's DAU stops growing at the cut-off. So the twin
adds *projected newcomers*, placeholder people who arrive after the cut-off:

* **rate** -- a Poisson log-linear trend fitted (by maximum likelihood) to the daily count of
  people first seen over the last ``WINDOW`` days before the cut-off (not the log's first
  ``BURN_IN`` days, where everyone already there is first seen). The rate fitted on the last
  day goes on; a decline goes on declining (``rate x exp(slope x days ahead)``), a rise is held at
  that rate. Assumed: the log-linear trend is the standard model of a count's trend, but holding a
  rise (rather than extrapolating it) is our choice, so that a launch wave is not projected to
  grow without end.
* **wiring** -- each newcomer copies someone first seen in the last ``TEMPLATE_DAYS`` days before
  the cut-off, drawn uniformly: how they first appeared (as a member or as a prospect) and their
  ties at the cut-off.
* **cap** -- at most as many newcomers as people seen before the cut-off in every ``CAP_DAYS`` days
  ahead (a forecast's graph at most doubles; a year-long what-if's grows at most five-fold), so
  that a burst of first appearances at the end of a log is not held for a year.

Arrivals are whole people on their day: the cumulative rate rounded down, no random number drawn.
The rolling-origin backtests (rolling.py) rebuild the twin at each origin the same way, and with
``calibrate.newcomers=auto`` run it with and without them (:func:`choose`); the band is measured on
the way the forecast uses.
"""

from __future__ import annotations

import numpy as np

WINDOW = 56  # days of first appearances the trend is fitted to
BURN_IN = 28  # the log's first days, left out of it: people there before the log began are first seen in them
TEMPLATE_DAYS = 28  # newcomers are wired like people first seen in these last days before the cut-off
MAX_SLOPE = 0.5  # per day: a fit on counts that all fall on the window's first days stops here
CAP_DAYS = 91  # at most as many newcomers as people seen per this many days ahead (cap(); assumed)
# what-ifs from the end of the log gain newcomers for this many days when the forecast has them (assumed:
# a year covers the comparisons people run; the trend behind them is checked only over the forecast's days)
WHATIF_DAYS = 365
# auto judges the newcomers only when they are at least this share of the people seen (assumed: fewer move
# the forecast by less than its noise, and judging them halves the rolling origins' runs of each way)
MATERIAL = 0.02


def trend(counts) -> tuple[float, float]:
    """(rate on the last day, slope per day) of a Poisson log-linear fit to ``counts``, the people
    first seen on each day, oldest first (its last ``WINDOW`` days). For a given slope the rate has
    a closed form (the counts' sum over the sum of ``exp(slope x day)``), so the likelihood is
    maximised over the slope alone, bounded by ``MAX_SLOPE`` either way (it is concave in it)."""
    from scipy.optimize import minimize_scalar

    y = np.asarray(counts, float)[-WINDOW:]
    if y.size == 0 or y.sum() == 0:
        return 0.0, 0.0
    if y.size < 7:  # too few days for a slope
        return float(y.mean()), 0.0
    x = np.arange(y.size) - (y.size - 1.0)  # 0 on the last day

    def log_rate(slope):  # log of the rate on the last day that is best for this slope
        return np.log(y.sum()) - np.logaddexp.reduce(slope * x)

    def minus_loglik(slope):
        return -(y.sum() * log_rate(slope) + slope * (y * x).sum())

    best = minimize_scalar(minus_loglik, bounds=(-MAX_SLOPE, MAX_SLOPE), method="bounded",
                           options={"xatol": 1e-8})
    return float(np.exp(log_rate(best.x))), float(best.x)


def schedule(rate: float, slope: float, days: int) -> np.ndarray:
    """Newcomers arriving on each of the ``days`` days after the cut-off (whole people): the rate,
    declining by ``exp(slope)`` a day when ``slope < 0``, summed and rounded down."""
    if days <= 0 or rate <= 0:
        return np.zeros(max(days, 0), int)
    ahead = np.arange(1, days + 1)
    total = np.floor(np.cumsum(rate * np.exp(min(slope, 0.0) * ahead)) + 1e-9)
    return np.diff(total, prepend=0.0).astype(int)


def cap(people: int, days: int) -> int:
    """The most newcomers a twin of ``people`` gains over ``days``: ``people`` for every ``CAP_DAYS``
    days, and at least ``people`` (assumed)."""
    return int(people * max(1.0, days / CAP_DAYS))


def first_seen_counts(seen: dict, first_day: int, cut: int) -> np.ndarray:
    """People first seen on each day before ``cut`` (``seen``: person -> data day), from the log's
    ``first_day`` on but for its first ``BURN_IN`` days -- a community that existed before its export
    shows everyone it had as first seen in them -- unless that leaves fewer than a week."""
    start = first_day + BURN_IN if cut - (first_day + BURN_IN) >= 7 else first_day
    days = np.array([d for d in seen.values() if start <= d < cut], int) - start
    return np.bincount(days, minlength=max(cut - start, 0))


def templates(seen: dict, cut: int) -> list:
    """The people a newcomer is wired like: those first seen in the last ``TEMPLATE_DAYS`` before
    ``cut`` (or, when nobody was, the last ones seen at all), in order of first appearance."""
    recent = sorted((p for p, d in seen.items() if cut - TEMPLATE_DAYS <= d < cut), key=lambda p: (seen[p], p))
    if recent or not seen:
        return recent
    last = max(seen.values())
    return sorted(p for p, d in seen.items() if d == last)


def material(projected: dict | None, people: int) -> bool:
    """Whether ``calibrate.newcomers=auto`` judges the newcomers: at least ``MATERIAL`` of the people seen."""
    return bool(projected) and projected["count"] > 0 and projected["count"] >= MATERIAL * people


def choose(setting: str, projected: dict | None, observed: np.ndarray, without: dict, with_: dict,
           train_days: int, horizon: int, people: int = 0) -> dict:
    """Whether the forecast adds the newcomers (``calibrate.newcomers``): ``trend`` whenever any are
    projected, ``none`` never, ``auto`` when they are :func:`material` among the ``people`` seen and
    the twin with them forecast the rolling origins' days better: a lower RMSE of its runs' median
    on the training days after each origin where any were projected (up to ``horizon`` days),
    pooled, the same parameter sets and seeds run both ways (``without``, ``with_``: origin -> runs
    over the training days, rows = runs). With no such
    origin, ``auto`` adds none. Returns what ``backtest.json`` keeps under ``newcomers``."""
    out = {"setting": setting, "used": False, "count": 0, "rate": 0.0, "slope": 0.0, "material": False,
           "origins": [], "rmse_with": None, "rmse_without": None}
    if projected is None:
        return out
    out.update(count=int(projected["count"]), rate=float(projected["rate"]), slope=float(projected["slope"]),
               material=material(projected, people))
    errors = {"with": [], "without": []}
    for origin in sorted(with_):
        if origin not in without:
            continue
        end = min(train_days, origin + horizon)
        for name, runs in (("with", with_[origin]), ("without", without[origin])):
            errors[name].append(np.median(runs[:, origin:end], axis=0) - observed[origin:end])
        out["origins"].append(int(origin))
    if out["origins"]:
        for name, err in errors.items():
            out[f"rmse_{name}"] = float(np.sqrt(np.mean(np.concatenate(err) ** 2)))
    if out["count"] > 0:
        out["used"] = setting == "trend" or (setting == "auto" and out["material"] and bool(out["origins"])
                                             and out["rmse_with"] < out["rmse_without"])
    return out
