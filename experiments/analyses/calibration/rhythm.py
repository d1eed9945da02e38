"""The twin's weekly rhythm, fitted so its simulated DAU follows the data, and the log's quiet spells.

**Why a fit.** The calendar multiplies everyone's *odds* of being active by the weekday's factor
(:mod:`sim.calendar`). Copying the observed weekday profile of DAU into those factors damps the
rhythm: a habitual member's chance saturates, and Monday's social pull comes from Sunday's few active
friends. A workplace-like group with weekends at 10% of its weekdays was simulated at 40-50%.

**The fit** (``calibrate.weekly=fitted``, the default). Starting from the observed profile, the
search's best ``sets`` parameter sets are run over the training days, each on the calibration's
seeds; the simulated weekday profile ``s_w`` (mean DAU of weekday ``w`` over days outside dated
events, divided by the mean over weekdays) is compared with the observed ``o_w``, and each factor is
multiplied by ``o_w / s_w``. A weekday's DAU changes by about ``(1 - p)`` times the change of its
log-odds (``p`` the mean chance of an active-eligible person), so the step never overshoots and
the error shrinks geometrically; to first order the mean DAU is unchanged, so the level the search
found still holds. ``iterations`` updates are followed by one check; the factors with the smaller
profile error -- the observed copy or the fitted -- are kept, and both errors are reported.

**Quiet spells.** Three or more consecutive training days with (almost) no activity after the
community is underway, in a community whose median DAU is at least 5 -- a holiday the export shows, an outage -- are dated events of the twin with
an activity multiplier of ``QUIET_ACTIVITY`` (nearly nobody active), unless a known event of
``calibrate.calendar`` already covers them. Future holidays are not in any log: give them in
``calibrate.calendar``.
"""

from __future__ import annotations

import math

import numpy as np

QUIET_ACTIVITY = 0.001  # odds multiplier of a quiet spell: -6.9 log-odds, ~1% of a normal day's DAU
QUIET_SHARE = 0.02  # a quiet day has DAU <= 2% of the training days' median DAU
QUIET_MIN_DAYS = 3
QUIET_MIN_MEDIAN = 5  # below a median DAU of 5, days without activity happen by chance (Poisson(5): 0.7%)
FACTOR_RANGE = (1e-3, 1e3)


def quiet_spells(dau: np.ndarray, min_days: int = QUIET_MIN_DAYS, share: float = QUIET_SHARE) -> list[tuple[int, int]]:
    """(first, last) indices of runs of at least ``min_days`` days with DAU at most ``share`` of the
    median, once the community is underway (after its first day above that); none where the median
    DAU is below ``QUIET_MIN_MEDIAN`` (silent days are then ordinary)."""
    dau = np.asarray(dau, float)
    if dau.size == 0 or np.median(dau) < QUIET_MIN_MEDIAN:
        return []
    threshold = share * float(np.median(dau))
    quiet = dau <= threshold
    underway = np.flatnonzero(~quiet)
    if underway.size == 0:
        return []
    spells, start = [], None
    for t in range(int(underway[0]), dau.size + 1):
        if t < dau.size and quiet[t]:
            start = t if start is None else start
            continue
        if start is not None and t - start >= min_days:
            spells.append((start, t - 1))
        start = None
    return spells


def event_days(days: int, events: list[dict]) -> np.ndarray:
    """Mask of model days 1..days covered by any dated event."""
    model_day = np.arange(1, days + 1)
    covered = np.zeros(days, bool)
    for e in events:
        covered |= (model_day >= e["start"]) & (model_day <= e["end"])
    return covered


def profile(dau: np.ndarray, first_weekday: int, keep: np.ndarray) -> np.ndarray:
    """Mean DAU of each weekday (Monday first) over the kept days, divided by their mean; NaN where a
    weekday has no kept day or the mean is not positive."""
    dau = np.asarray(dau, float)
    weekday = (first_weekday + np.arange(dau.size)) % 7
    means = np.array([dau[keep & (weekday == w)].mean() if np.any(keep & (weekday == w)) else np.nan
                      for w in range(7)])
    level = np.nanmean(means) if np.isfinite(means).any() else np.nan
    if not (np.isfinite(level) and level > 0):
        return np.full(7, np.nan)
    return means / level


def profile_error(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Root mean square difference of two weekday profiles (shares of the mean DAU)."""
    ok = np.isfinite(simulated) & np.isfinite(observed)
    return float(np.sqrt(np.mean((simulated[ok] - observed[ok]) ** 2))) if ok.any() else math.nan


def fit_rhythm(fit, priors, found, seeds: list[int], observed_dau: np.ndarray, iterations: int = 3,
               sets: int = 4) -> dict:
    """Fit the twin's ``calendar.weekly`` (in place) so that the simulated weekday profile of DAU over
    the training days matches the observed one; returns what was done (module docstring)."""
    calendar = fit.twin.config["calendar"]
    days = fit.train_days
    keep = ~event_days(days, calendar.get("events", []))
    first = int(calendar.get("start_weekday", 0))
    observed = profile(observed_dau[:days], first, keep)
    start = np.asarray(calendar["weekly"], float)
    order = np.argsort(np.where(np.isfinite(found.distance), found.distance, np.inf))
    best = found.z[order[:sets]]
    weekly, tried = start.copy(), []
    for step in range(iterations + 1):
        calendar["weekly"] = [round(float(w), 4) for w in weekly]
        jobs = [fit.job(priors, z, s, f"rhythm{step + 1}", days, daily=True) for z in best for s in seeds]
        measured = fit.run(jobs, f"weekly rhythm, {'check' if step == iterations else f'step {step + 1}'}: "
                                 f"{len(jobs)} runs")
        simulated = profile(np.mean([m["daily_dau"][:days] for m in measured], axis=0), first, keep)
        tried.append((np.array(calendar["weekly"]), simulated, profile_error(simulated, observed)))
        if step < iterations:
            ratio = np.where(np.isfinite(observed) & np.isfinite(simulated) & (simulated > 0),
                             np.maximum(observed, 1e-3) / np.maximum(simulated, 1e-3), 1.0)
            weekly = np.clip(weekly * ratio, *FACTOR_RANGE)
    kept = min(range(len(tried)), key=lambda i: tried[i][2] if math.isfinite(tried[i][2]) else math.inf)
    calendar["weekly"] = [float(w) for w in tried[kept][0]]
    return {"observed": _plain(observed), "copied": _plain(start), "weekly": calendar["weekly"],
            "simulated_copied": _plain(tried[0][1]), "simulated": _plain(tried[kept][1]),
            "error_copied": tried[0][2], "error": tried[kept][2], "steps": iterations,
            "runs": (iterations + 1) * len(best) * len(seeds)}


def _plain(values) -> list:
    return [None if not math.isfinite(float(v)) else round(float(v), 4) for v in values]
