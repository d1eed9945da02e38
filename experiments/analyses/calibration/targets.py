"""What a fit compares: the same observed metrics (sim/observed.py) on the data and on a run.

Over the training window (``days`` days: data days 0..days-1, model days 1..days):

* ``dau``: mean DAU of each 7-day block;
* ``ever_active``: people active at least once by the end of each 7-day block;
* ``retention``: weekly cohort retention, weeks 1..min(12, (days - 7) // 7);
* ``participation``: the share of active days held by the top 10% and the one-day share;
* ``recent``: the last ``RECENT_WEEKS`` (4) of the ``dau`` blocks again -- the level and trend a
  forecast starts from.

The distance of a run from the data is ``Σ_k w_k e_k`` with ``e_dau`` the RMSE of ``log(1 + dau)``
(a relative error, so a quiet stretch counts as much as a busy one), ``e_ever_active = RMSE(ever_active) / observed people ever active``, ``e_retention =
RMSE(retention) / mean(observed retention)``, ``e_participation`` = the mean absolute error of the
two shares, ``e_recent`` the RMSE of ``log(1 + dau)`` over the last four weekly blocks. Each is a
relative error, so the weights (``calibrate.weights``) say how much each target counts, not its units.
"""

from __future__ import annotations

import math

import numpy as np

from commsim.sim.activity_log import ActivityLog
from commsim.sim.observed import dau_and_new, participation, weekly_retention

TARGETS = ("dau", "ever_active", "retention", "participation", "recent")
RECENT_WEEKS = 4


def _blocks(values: np.ndarray, how) -> list[float]:
    n = len(values) // 7
    return [float(how(values[7 * i:7 * i + 7])) for i in range(n)]


def measure(log: ActivityLog, first: int, days: int, with_daily: bool = False) -> dict:
    """The targets of ``log`` over ``days`` days from day ``first``."""
    window = log.window(first, first + days - 1)
    dau, new_people = dau_and_new(window)  # daily()'s columns of these names
    weeks = max(0, min(12, (days - 7) // 7))
    curve = weekly_retention(window, weeks) if weeks else None
    part = participation(window)
    out = {
        "dau": _blocks(dau.astype(float), np.mean),
        "ever_active": _blocks(np.cumsum(new_people), lambda x: x[-1]),
        "retention": [float(r) for r in curve.retention] if curve is not None else [],
        "participation": [part["top10_share_of_active_days"], part["one_day_share"]],
    }
    if with_daily:
        out["daily_dau"] = dau.astype(int).tolist()
    return out


def _rmse(a, b) -> float:
    n = min(len(a), len(b))
    if n == 0:
        return math.nan
    a, b = np.asarray(a[:n], float), np.asarray(b[:n], float)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def _recent(sim_dau, obs_dau) -> float:
    """RMSE of log(1 + DAU) over the observed window's last RECENT_WEEKS weekly blocks (a run shorter
    than the data is compared block by block from the start, as ``_rmse`` does)."""
    n = min(len(sim_dau), len(obs_dau))
    k = min(RECENT_WEEKS, n)
    return _rmse(np.log1p(sim_dau[n - k:n]), np.log1p(obs_dau[n - k:n])) if k else math.nan


def errors(sim: dict, obs: dict) -> dict:
    """Each target's relative error of ``sim`` against ``obs``."""
    ever = max(float(obs["ever_active"][-1]), 1.0) if obs["ever_active"] else 1.0
    ret = max(float(np.mean(obs["retention"])), 1e-3) if obs["retention"] else 1.0
    part = [x for x in obs["participation"] if x == x]
    return {
        "dau": _rmse(np.log1p(sim["dau"]), np.log1p(obs["dau"])),
        "recent": _recent(sim["dau"], obs["dau"]),
        "ever_active": _rmse(sim["ever_active"], obs["ever_active"]) / ever,
        "retention": _rmse(sim["retention"], obs["retention"]) / ret if obs["retention"] else 0.0,
        "participation": (float(np.nanmean(np.abs(np.subtract(sim["participation"], obs["participation"]))))
                          if part else 0.0),
    }


def truncated(measured: dict, weeks: int) -> dict:
    """The targets of the first ``weeks`` weeks only: the weekly DAU and people ever active (retention
    and participation summarise the whole window, so they are left empty and count 0 in a distance)."""
    return {"dau": list(measured["dau"][:weeks]), "ever_active": list(measured["ever_active"][:weeks]),
            "retention": [], "participation": []}


def distance(sim: dict, obs: dict, weights: dict) -> float:
    e = errors(sim, obs)
    total = sum(weights.get(k, 0.0) * (e[k] if e[k] == e[k] else 10.0) for k in TARGETS)
    return float(total)
