"""A plan as a week-by-week schedule: ``schedule.csv`` (``week, strategy, action, cost``).

From the runs of one plan (the optimiser's recommended plan on its confirmation seeds), one row per
week of the run and strategy of the plan:

* ``action``: ``run (<its levers>)`` in a week the strategy spent money or recorded a result
  (``strategy_results.parquet``), ``nothing to act on`` in a week it did neither in any run;
* ``cost``: the week's mean spend on that strategy over the runs, plus the growth of what it owes
  (a ``<strategy>.liability`` result: points earned and not yet redeemed), so that the weeks add
  up to the plan's cost as the optimiser counts it (spend plus points still owed at the end).

Weeks are days 1-7, 8-14, ... of the run; with a calibrated twin, the days after its log.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["week", "strategy", "action", "cost"]


def weekly(run_dirs: list[Path], strategy: str) -> pd.DataFrame:
    """Per week: the mean spend plus liability growth over the runs, and whether it acted in any."""
    frames = []
    for folder in run_dirs:
        spend = pd.read_parquet(folder / "spend.parquet")
        results = pd.read_parquet(folder / "strategy_results.parquet")
        mine = [c for c in results.columns if c.startswith(f"{strategy}.")]
        day = spend.day.to_numpy()
        money = spend[strategy].to_numpy(float) if strategy in spend else np.zeros(len(day))
        owed = results.set_index("day").reindex(day)[f"{strategy}.liability"].fillna(0).to_numpy(float) \
            if f"{strategy}.liability" in results else np.zeros(len(day))
        acted = results.set_index("day").reindex(day)[mine].fillna(0).ne(0).any(axis=1).to_numpy() if mine \
            else np.zeros(len(day), bool)
        frames.append(pd.DataFrame({"week": (day - 1) // 7 + 1, "cost": money + np.diff(owed, prepend=0.0),
                                    "acted": acted | (money > 0)}))
    data = pd.concat([f.assign(run=i) for i, f in enumerate(frames)])
    per_run = data.groupby(["run", "week"]).agg(cost=("cost", "sum"), acted=("acted", "any")).reset_index()
    return per_run.groupby("week").agg(cost=("cost", "mean"), acted=("acted", "any")).reset_index()


def schedule(run_dirs: list[Path], strategies: list[str], settings: dict[str, str]) -> pd.DataFrame:
    """``schedule.csv`` of the plan whose runs are in ``run_dirs``; ``settings``: per strategy, its
    levers in words (``posts_per_week=7``)."""
    rows = []
    for name in strategies:
        for week in weekly(run_dirs, name).itertuples(index=False):
            action = f"run ({settings.get(name, '')})" if week.acted else "nothing to act on"
            rows.append({"week": int(week.week), "strategy": name, "action": action.replace(" ()", ""),
                         "cost": round(float(week.cost), 2)})
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["week", "strategy"], kind="stable", ignore_index=True)
