"""Where should a twin's what-ifs start? The replay of its log against the state read from it, at the cut-off.

    python -m experiments.start_bench results/forecast_bench/runs1000_seed0/*/    # finished calibrations

For each finished calibration, both starts forecast its held-out days from the training cut-off,
with the fitted parameters (posterior medians) and the same seeds, the newcomers as the calibration's
forecast used them and the calendar's dated events after the cut-off:

* **replay** (``calibrate.start=replay``): the twin simulated from its first day through the cut-off
  -- the runs its forecast makes;
* **state** (``calibrate.start=state``): the state read from the log up to the cut-off
  (``twin.build_today`` on the training days), simulated from the day after it.

It prints, per calibration, the RMSE of each start's median against the held-out DAU and the mean DAU of
the first 14 days, and writes them to ``start_bench.json`` beside the calibrations
(docs/calibration.md, section 5, has the table and the command that made it).
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import numpy as np

SEEDS = 8
FIRST = 14  # days: the start's level against the observed


def _median_dau(cfg: dict, days: int, seeds: int) -> np.ndarray:
    from commsim.sim.simulation import simulate

    return np.median([simulate({**copy.deepcopy(cfg), "days": days, "seed": s}, progress="never",
                               tables=False).timeseries.dau.to_numpy(float) for s in range(seeds)], axis=0)


def compare(folder: Path, seeds: int = SEEDS) -> dict:
    """Both starts of the finished calibration in ``folder``, scored on its held-out days."""
    import pandas as pd
    import yaml

    from commsim.experiments.analyses.calibration.twin import build_today, with_newcomers
    from commsim.sim.calibrated import resolve_paths, starting_config
    from commsim.sim.log_io import read_log

    folder = Path(folder)
    spec = yaml.safe_load((folder / "calibrated.yaml").read_text())
    bt = json.loads((folder / "backtest.json").read_text())
    train, horizon = int(bt["train_days"]), int(bt["forecast_days"])
    if horizon < 1:
        raise ValueError(f"{folder}: no held-out days to score the starts on")
    used = bool((bt.get("newcomers") or {}).get("used"))
    data = spec["data"]
    log, _ = read_log(data["file"], **{k: data[k] for k in ("timezone", "day_start") if k in data})
    held = pd.read_parquet(folder / "observed.parquet").dau.to_numpy(float)[train:train + horizon]
    # replay: the training twin (with the forecast's newcomers when it used them) through the cut-off
    replay_cfg = resolve_paths(copy.deepcopy(spec["config"]), folder)
    if used:
        graph, arrivals = spec["fit"]["newcomers"]["files"]
        replay_cfg["network"]["path"], replay_cfg["population"]["arrivals_file"] = str(folder / graph), str(folder / arrivals)
    replay = _median_dau(replay_cfg, train + horizon, seeds)[train:]
    # state: the log's state at the cut-off, in a folder of its own
    work = folder / "start_bench"
    (work / "twin").mkdir(parents=True, exist_ok=True)
    cut = log.window(log.first_day, log.first_day + train - 1)
    today = build_today(cut, work, spec["today"]["config"]["calendar"], 60, horizon if used else 0, "state")
    today = with_newcomers(today) if used else today
    state_spec = {**copy.deepcopy(spec), "today": {**spec["today"], "config": today["config"]}}
    state_cfg = resolve_paths(starting_config(state_spec), work)
    # the dated events the twin knows after the cut-off apply to both starts
    state_cfg["calendar"]["events"] = [{**e, "start": max(1, e["start"] - train), "end": e["end"] - train}
                                       for e in (spec["config"].get("calendar") or {}).get("events") or []
                                       if e["end"] > train]
    state = _median_dau(state_cfg, horizon, seeds)

    def rmse(median):
        return round(float(np.sqrt(np.mean((median - held) ** 2))), 2)

    return {"calibration": folder.name, "held_out_days": horizon, "held_out_mean": round(float(held.mean()), 2),
            "newcomers": used, "seeds": seeds, "replay_rmse": rmse(replay), "state_rmse": rmse(state),
            "first_days": FIRST, "replay_first": round(float(replay[:FIRST].mean()), 2),
            "state_first": round(float(state[:FIRST].mean()), 2), "observed_first": round(float(held[:FIRST].mean()), 2),
            "state_members": today["members"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("calibrations", nargs="+", type=Path, help="finished calibration folders")
    ap.add_argument("--seeds", type=int, default=SEEDS)
    args = ap.parse_args(argv)
    rows = []
    print("| calibration | held-out mean | replay RMSE | state RMSE | first 14 days: replay / state / observed |")
    print("|---|---|---|---|---|")
    for folder in args.calibrations:
        r = compare(folder, args.seeds)
        rows.append(r)
        print(f"| {r['calibration']} | {r['held_out_mean']:.1f} | {r['replay_rmse']:.1f} | {r['state_rmse']:.1f} | "
              f"{r['replay_first']:.1f} / {r['state_first']:.1f} / {r['observed_first']:.1f} |", flush=True)
    out = args.calibrations[0].resolve().parent / "start_bench.json"
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
