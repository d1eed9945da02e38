"""``simulate(cfg)``: build a model, run it for ``cfg.days`` days, return the results."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.metrics import retention_curve, summarise
from sim.model import CommunityModel
from sim.progress import Progress


@dataclass
class SimResult:
    """What one run produced: the daily time series, the flat summary, and more."""

    timeseries: pd.DataFrame
    summary: dict
    retention: pd.DataFrame
    spend: pd.DataFrame
    config: object = field(repr=False)
    model: CommunityModel | None = field(default=None, repr=False)


def simulate(cfg=None, *, graph=None, keep_model: bool = False, progress: str | None = None) -> SimResult:
    """Run one scenario.

    ``cfg`` is a Hydra DictConfig, a :class:`sim.config.Config`, or a nested
    dict of overrides of the defaults, e.g. ``simulate({"days": 90, "seed": 2,
    "network": {"kind": "watts_strogatz", "n": 5000}})``. Invalid values raise
    :class:`sim.config.ConfigError` before any work is done.
    """
    model = CommunityModel(cfg, graph=graph)
    days = model.cfg.days
    bar = Progress(days, progress or model.cfg.progress)
    for _ in range(days):
        model.step()
        bar.update(model.day, model.today["members"], model.today["dau"])
    bar.close(model.day, model.today["members"], model.today["dau"])
    ts = model.timeseries()
    names = [s.name for s in model.strategies]
    spend = pd.DataFrame(model.spend_by_strategy, columns=names, dtype=float)
    spend.insert(0, "day", ts["day"].to_numpy())
    summary = summarise(ts, model.population, model.initial_members)
    result = SimResult(
        timeseries=ts,
        summary=summary,
        retention=retention_curve(model.population, days),
        spend=spend,
        config=model.cfg,
        model=model if keep_model else None,
    )
    return result
