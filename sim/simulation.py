"""``simulate(cfg)``: build a model, run it for ``cfg.days`` days, return the results."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from commsim.sim.activity_log import ActivityLog
from commsim.sim.metrics import retention_curve, summarise
from commsim.sim.model import CommunityModel
from commsim.sim.progress import Progress


@dataclass
class SimResult:
    """What one run produced: the daily time series, the flat summary, and more."""

    timeseries: pd.DataFrame
    summary: dict
    retention: pd.DataFrame | None  # None with simulate(tables=False)
    spend: pd.DataFrame  # day + money per strategy per day
    strategy_results: pd.DataFrame  # day + each strategy's declared daily results (<strategy>.<result>)
    config: object = field(repr=False)
    model: CommunityModel | None = field(default=None, repr=False)
    activity_log: ActivityLog | None = field(default=None, repr=False)  # with activity_log=True
    stage_times: pd.DataFrame | None = field(default=None, repr=False)  # wall-clock seconds per stage (profiling)
    idle_strategies: list = field(default_factory=list)  # strategies of the plan that did nothing (idle())
    # timeseries' columns as NumPy arrays (the same numbers): what the run's files are written from
    columns: dict | None = field(default=None, repr=False)


def simulate(cfg=None, *, graph=None, keep_model: bool = False, progress: str = "auto",
             activity_log: bool | str = False, tables: bool = True, validated: bool = False) -> SimResult:
    """Run one scenario.

    ``cfg`` is a Hydra DictConfig, a :class:`sim.config.Config`, or a nested
    dict of overrides of the defaults, e.g. ``simulate({"days": 90, "seed": 2,
    "network": {"kind": "watts_strogatz", "n": 5000}})``. Invalid values raise
    :class:`sim.errors.ConfigError` before any work is done. ``progress``:
    ``auto`` prints progress lines for runs longer than a couple of seconds,
    ``always`` or ``never``. ``activity_log=True`` also returns who was active on which day
    (:class:`sim.activity_log.ActivityLog`, measured by :mod:`sim.observed`) with their
    interactions; ``activity_log="days"`` without the interactions (cheaper). ``tables=False``
    skips the retention curve (``retention`` is then None): for the thousands of runs a
    calibration reads only for their measure (2 ms of a 90 ms CollegeMsg run). ``validated=True``:
    ``cfg`` is a :class:`sim.config.Config` that ``validate`` has just returned, and is not checked again.
    """
    model = CommunityModel(cfg, graph=graph, activity_log=activity_log, validated=validated)
    days = model.cfg.days
    bar = Progress(days, progress, unit="day")
    for _ in range(days):
        model.step()
        bar.update(model.day, f"members {model.today['members']:>10,} | DAU {model.today['dau']:>9,}")
    bar.close(f"members {model.today['members']:>10,} | DAU {model.today['dau']:>9,}")
    columns = model.timeseries_columns()
    ts = model.timeseries(columns)
    names = [s.name for s in model.strategies]
    spend = pd.DataFrame(model.spend_by_strategy, columns=names, dtype=float)
    spend.insert(0, "day", ts["day"].to_numpy())
    results = pd.DataFrame(model.strategy_rows)
    if results.empty:
        results = pd.DataFrame({"day": ts["day"].to_numpy()})
    idle = idle_strategies(names, spend, results)
    recruiting = [n for n in names if n in RECRUITING]
    used_up = audience_used_up(ts) if recruiting else None
    if used_up is not None:
        logging.getLogger("commsim").warning(
            "no one was left to recruit from day %d on (no prospects, and no one still to arrive): %s could bring in "
            "no more members; a bigger audience (network.n) lets them -- a twin's prospects are "
            "only the people its log names who never took part", used_up, " and ".join(recruiting))
    if idle:
        logging.getLogger("commsim").warning(
            "strategy %s did nothing in this run: no money spent and no result recorded on any day (no one "
            "to pick -- no members, no dormant members, no KOL candidates -- or no budget)", ", ".join(idle))
    return SimResult(
        timeseries=ts,
        summary=summarise(ts, model.population, model.initial_members, model.params.actions.discount_rate,
                          columns),
        retention=retention_curve(model.population, days) if tables else None,
        spend=spend,
        strategy_results=results,
        config=model.cfg,
        model=model if keep_model else None,
        activity_log=model.activity_log() if activity_log else None,
        stage_times=model.stage_times(),
        idle_strategies=idle,
        columns=columns,
    )


RECRUITING = ("acquisition", "referral")  # strategies that bring in members from the audience


def audience_used_up(ts: pd.DataFrame) -> int | None:
    """The first day with no prospect left and no one still to arrive, if any (a recruiting plan's ceiling)."""
    if not {"prospects", "outside"} <= set(ts.columns) or ts.empty:
        return None
    empty = (ts["prospects"].to_numpy() == 0) & (ts["outside"].to_numpy() == 0)
    return int(ts["day"].to_numpy()[empty.argmax()]) if empty.any() else None


def idle_strategies(names: list[str], spend: pd.DataFrame, results: pd.DataFrame) -> list[str]:
    """The strategies that did nothing: no money spent on any day and every result they record
    (``<strategy>.<result>`` columns) zero on every day."""
    idle = []
    for name in names:
        spent = float(spend[name].abs().sum()) if name in spend else 0.0
        cols = [c for c in results.columns if c.startswith(f"{name}.")]
        recorded = bool(cols) and bool((results[cols].fillna(0).to_numpy() != 0).any())
        if spent == 0 and not recorded:
            idle.append(name)
    return idle
