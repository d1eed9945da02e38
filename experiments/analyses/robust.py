"""Decisions that hold under what we don't know: parameter draws and the decision table.

A robust comparison (``uncertainty=prior|posterior``, experiments/compare.py) runs every plan for
each of ``uncertainty.draws`` parameter sets, each on the same replicate seeds, so that for draw
``d`` and seed ``s`` each plan's paired difference from the baseline is known. From those:

* a plan's **effect in draw d** is its mean paired gain over the seeds (gain: the headline KPI's
  change in the good direction, so a fall in churn is a gain);
* ``p_better``: the share of draws in which the effect is above zero -- the chance the plan beats
  doing nothing, over the parameters' uncertainty (each draw's mean carries its seed noise too);
* ``p_best``: the share of draws in which the plan has the largest effect of all (the baseline's
  effect is 0; ties shared), so ``p_best`` sums to 1 over the scenarios, baseline included;
* ``gain``: the mean effect over the draws; ``gain_lo80`` / ``gain_hi80``: the 10th and 90th
  percentiles of the draws' effects (an 80% interval carrying parameter and seed uncertainty);
* ``cost``: the plan's mean spend plus points still owed; ``cost_per_unit``: cost / gain (a gain
  at or below zero has none);
* ``flip_parameter`` / ``flip_value``: of the drawn parameters, the one whose value moves the
  plan's effect most (largest absolute Spearman correlation over the draws, and significant at
  5% after a Bonferroni correction for the number of parameters tried -- with many parameters
  and few draws, chance correlations are large), and the value at which a straight line through
  the effects against it (on a log scale for a log-scaled range) crosses zero, when that lies
  inside the parameter's range: on one side of it the plan gains, on the other it loses.
  ``flip_parameter`` is empty when no parameter stands out; ``flip_value`` when it does not
  cross zero within its range.

A plan's gain is **clear** only when ``p_better >= 0.95`` (:data:`CLEAR`) over at least 20 draws
(:data:`MIN_DRAWS_FOR_CLEAR`: 16 positive draws out of 16 still leave a one-sided 95% lower bound
of 0.83 on the true share; 20 of 20, 0.86 -- the rule is a convention, stated as such).

Draws: a Latin hypercube over the parameters' plausible ranges (sim/space.py ``Range``: a log
scale for ranges spanning a factor of 20 or more), seeded by ``uncertainty.seed``: the prior.
With ``uncertainty.match`` (default 2) a prior draw is kept only when the community it describes
resembles the configured one -- its baseline's mean DAU of the last 30 days within that factor of
the undrawn baseline's -- a history-matching step (Vernon, Goldstein & Bower 2010): ranges drawn
one by one also describe communities that die out or explode, which say nothing about this one.
Candidates come from hypercubes of ``MATCH_CANDIDATES`` x draws (at most ``MATCH_BLOCKS`` of them),
tried in order, each screened by one baseline run (the first seed).
With a calibrated twin, draw ``d`` also takes posterior draw ``d`` of the fitted parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from commsim.sim.space import Range

CLEAR = 0.95  # p_better at or above this: the plan's gain is clear ...
MIN_DRAWS_FOR_CLEAR = 20  # ... over at least this many draws (with fewer, even all-positive draws are weak evidence)
DECISION_COLUMNS = ["scenario", "p_better", "p_best", "gain", "gain_lo80", "gain_hi80", "cost", "cost_per_unit",
                    "flip_parameter", "flip_value"]
MIN_DRAWS_FOR_FLIP = 4


def uncertainty_kind(settings, config) -> str:
    """``uncertainty.kind`` resolved: ``auto`` is ``posterior`` on a twin, ``prior`` otherwise; a
    posterior without a twin is refused."""
    from commsim.sim.errors import ConfigError

    kind = settings.uncertainty.kind
    if kind == "auto":
        return "posterior" if config.calibration else "prior"
    if kind == "posterior" and not config.calibration:
        raise ConfigError(["uncertainty=posterior: a posterior needs a calibrated twin (calibration=<dir>); "
                           "without one use uncertainty=prior (or none)"])
    return kind


def drawn_ranges(unc, strategies, fitted=frozenset(), explicit=frozenset()) -> list[Range]:
    """The ranges drawn: ``uncertainty.parameters`` and (``strategy_responses``) the response
    parameters of ``strategies``, less the keys a twin fitted (its posterior draws carry those) and
    the ``explicit`` keys a command line set."""
    from commsim.sim import space

    infos = space.parameters()
    keys = space.expand(list(unc.parameters), infos)
    if unc.strategy_responses:
        keys += [i.key for name in strategies for i in space.responses(name)]
    return [space.search_range(infos[k]) for k in dict.fromkeys(keys) if k not in fitted and k not in explicit]


def draw(ranges: list[Range], n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets (rows; ``draw`` 0..n-1 and one column per key) from a seeded Latin
    hypercube over ``ranges``."""
    from scipy.stats import qmc

    table = pd.DataFrame({"draw": np.arange(n)})
    if not ranges:
        return table
    unit = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    for j, r in enumerate(ranges):
        u = unit[:, j]
        values = (np.exp(np.log(r.low) + u * (np.log(r.high) - np.log(r.low))) if r.log
                  else r.low + u * (r.high - r.low))
        table[r.key] = np.rint(values).astype(int) if r.integer else values
    return table


MATCH_KPI = "mean_dau_last30"  # what a kept draw's community must resemble (uncertainty.match)
MATCH_CANDIDATES = 10  # candidate draws per draw asked, in each hypercube of candidates...
MATCH_BLOCKS = 3  # ...of at most this many, taken in order: where a tenth of them match, the draws still fill


def matches(values: pd.Series, reference: float, factor: float) -> pd.Series:
    """Per draw: whether its baseline's ``values`` (mean DAU of the last 30 days) lie within ``factor`` of
    ``reference`` (the configured community's), on a ratio scale."""
    return (values >= reference / factor) & (values <= reference * factor)


def candidate_draws(ranges: list[Range], draws: int, seed: int) -> pd.DataFrame:
    """History matching's candidates, in the order they are tried: MATCH_BLOCKS Latin hypercubes of
    ``MATCH_CANDIDATES x draws`` each (seeds ``seed``, ``seed + 1``, ...), numbered on. The first block
    alone is what a single hypercube gave; the later ones are run only where it kept too few."""
    n = draws * MATCH_CANDIDATES
    blocks = [draw(ranges, n, seed + b).assign(draw=lambda t, b=b: t.draw + b * n) for b in range(MATCH_BLOCKS)]
    return pd.concat(blocks, ignore_index=True)


def history_match(candidates: pd.DataFrame, need: int, reference: float, factor: float,
                  baseline_dau) -> tuple[list[int], pd.DataFrame]:
    """The first ``need`` candidate draws (in order) whose baseline community resembles this one: their
    mean DAU of the last 30 days within ``factor`` of ``reference``. ``baseline_dau(batch)`` runs the
    baseline of a batch of candidate rows and returns its mean DAU per draw; batches are sized by the share
    matched so far. Returns the kept draws and every candidate tried (draw, its DAU, ``matched``: it resembles
    this community, ``kept``: one of the first ``need`` that do -- a batch can match more than are needed)."""
    kept: list[int] = []
    tried = []
    start = 0
    while len(kept) < need and start < len(candidates):
        left = need - len(kept)
        share = max(len(kept) / len(tried), 0.1) if tried else 2 / 3  # the share matched so far, at least 10%
        batch = candidates.iloc[start:start + max(2, math.ceil(1.2 * left / share))]
        start += len(batch)
        dau = baseline_dau(batch)
        ok = matches(dau, reference, factor)
        tried += [{"draw": int(d), MATCH_KPI: float(dau[d]), "matched": bool(ok[d])} for d in batch.draw]
        kept += [int(d) for d in batch.draw if ok[d]]
    kept = kept[:need]
    table = pd.DataFrame(tried, columns=["draw", MATCH_KPI, "matched"])
    return kept, table.assign(kept=table.draw.isin(kept))


def effects(runs: pd.DataFrame, baseline: str, kpi: str, direction: int) -> pd.DataFrame:
    """Per scenario and draw: the mean paired gain over seeds (rows: draw; columns: scenario,
    the baseline's column all zeros). ``runs``: one row per scenario x draw x seed with ``kpi``."""
    wide = runs.pivot_table(index=["draw", "seed"], columns="scenario", values=kpi, aggfunc="first", dropna=False)
    wide = wide.reindex(columns=list(dict.fromkeys([baseline, *runs.scenario])))  # all-NaN scenarios kept
    gain = wide.sub(wide[baseline], axis=0) * (direction or 1)
    return gain.groupby(level="draw").mean()


def _flip(effect: pd.Series, draws: pd.DataFrame, ranges: dict[str, Range]) -> tuple[str, float]:
    """The drawn parameter most associated with a plan's gain per draw (Spearman, Bonferroni-significant)
    and where a line through the gains against it crosses zero -- only when some draws gained and some
    lost, and inside the drawn values: a fitted line through gains that never change sign can cross
    zero anyway (a skewed effect), and a crossing no draw reached is an extrapolation."""
    from scipy.stats import spearmanr

    best, best_rho, best_p = "", 0.0, 1.0
    for key in ranges:
        x = draws.set_index("draw").loc[effect.index, key].to_numpy(float)
        if np.ptp(x) == 0 or np.ptp(effect.to_numpy()) == 0:
            continue
        test = spearmanr(x, effect.to_numpy())
        if math.isfinite(test.statistic) and abs(test.statistic) > abs(best_rho):
            best, best_rho, best_p = key, test.statistic, test.pvalue
    if not best or best_p * len(ranges) > 0.05:
        return "", math.nan
    y = effect.to_numpy(float)
    if not (y.min() < 0 < y.max()):  # no draw lost (or none gained): nothing was seen to flip
        return best, math.nan
    r = ranges[best]
    x = draws.set_index("draw").loc[effect.index, best].to_numpy(float)
    t = np.log(x) if r.log else x
    slope, intercept = np.polyfit(t, y, 1)
    if slope == 0:
        return best, math.nan
    root = -intercept / slope
    value = float(np.exp(root)) if r.log else float(root)
    return best, (value if x.min() <= value <= x.max() else math.nan)  # a crossing inside the drawn values only


def decision_table(runs: pd.DataFrame, draws: pd.DataFrame, ranges: list[Range], baseline: str, kpi: str,
                   direction: int, scenarios: list[str], idle: dict | None = None,
                   keys: dict | None = None) -> pd.DataFrame:
    """``decision.csv`` (:data:`DECISION_COLUMNS`, one row per scenario, baseline first). ``runs``:
    one row per scenario x draw x seed with the headline ``kpi`` and ``cost``; ``idle``: scenarios
    that did nothing (never best, never better); ``keys``: per scenario, the drawn keys its runs
    read (a flip is looked for among those only; default: all)."""
    idle = idle or {}
    eff = effects(runs, baseline, kpi, direction)
    eff = eff[[s for s in scenarios if s in eff.columns]]
    for name in idle:
        if name in eff:
            eff[name] = 0.0  # a plan that did nothing gains nothing, whatever its noise says
    values = eff.to_numpy(float)
    top = np.max(np.where(np.isfinite(values), values, -np.inf), axis=1, keepdims=True)  # a draw of all NaN: none
    winners = np.isclose(values, top, rtol=0, atol=1e-12) & np.isfinite(values)
    for j, name in enumerate(eff.columns):  # idle plans and the baseline tie at 0: the baseline wins those
        if name in idle:
            winners[:, j] = False
    share = winners / np.maximum(winners.sum(axis=1, keepdims=True), 1)
    cost = runs.groupby("scenario").cost.mean()
    by_key = {r.key: r for r in ranges}
    rows = []
    for j, name in enumerate(eff.columns):
        e = eff[name].dropna()
        gain = float(e.mean()) if len(e) else math.nan
        row = {"scenario": name, "p_best": float(share[:, j].mean()), "gain": gain,
               "gain_lo80": float(e.quantile(0.1)) if len(e) else math.nan,
               "gain_hi80": float(e.quantile(0.9)) if len(e) else math.nan,
               "cost": float(cost.get(name, math.nan))}
        if name == baseline:
            row.update(p_better=math.nan, cost_per_unit=math.nan, flip_parameter="", flip_value=math.nan)
        else:
            row["p_better"] = 0.0 if name in idle else float((e > 0).mean()) if len(e) else math.nan
            extra = row["cost"] - float(cost.get(baseline, 0.0))
            row["cost_per_unit"] = extra / gain if gain > 0 and extra > 0 else math.nan
            mine = {k: r for k, r in by_key.items() if keys is None or k in keys.get(name, by_key)}
            flip = _flip(e, draws, mine) if len(e) >= MIN_DRAWS_FOR_FLIP and name not in idle else ("", math.nan)
            row["flip_parameter"], row["flip_value"] = flip
        rows.append(row)
    table = pd.DataFrame(rows, columns=DECISION_COLUMNS)
    return table


def clear(row, draws: int) -> bool:
    return bool(draws >= MIN_DRAWS_FOR_CLEAR and math.isfinite(row.p_better) and row.p_better >= CLEAR)
