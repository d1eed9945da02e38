"""The forecast bench: how well does the twin forecast communities of different kinds?

    python -m experiments.forecast_bench                      # CollegeMsg + six generated communities
    python -m experiments.forecast_bench --runs 6000 --only collegemsg workplace --out results/forecast_bench

Each community is calibrated on its first days (``calibrate.train_days``) and forecasts the rest;
its ``backtest.json`` gives the twin's and every baseline's errors on the held-out days. CollegeMsg
is the shipped real log (train 100 days, forecast 94, with its term calendar); the others are
generated with a known structure and without the model (experiments/analyses/synthetic_logs.py:
a workplace rhythm with a holiday week, growing, declining, bursty, tiny, large), read in calendar
days, trained on 105 days and forecast on the rest (35). Printed per community and written to ``bench.csv``:

* ``rmse_ratio``: the forecast's RMSE over the best baseline's (goal: at most 1.2);
* ``coverage80``: the share of held-out days inside the 80% band (goal: 65-90%);
* ``width_ratio``: the mean band width over the observed mean DAU (goal: at most 1.5);

and ``bench.png`` draws the three against their goals. A community that cannot be calibrated is
a row with its ``error`` (the command then exits 1), never dropped. Calibrations land in
``<out>/<community>/`` and are reused: run the command again and a finished community is read,
not refitted (delete its folder to refit).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
COLLEGEMSG = ROOT / "data" / "collegemsg"
GOALS = {"rmse_ratio": 1.2, "coverage80": (0.65, 0.90), "width_ratio": 1.5}


def communities() -> list[str]:
    from commsim.experiments.analyses.synthetic_logs import KINDS

    return ["collegemsg", *KINDS]


def overrides_for(name: str, folder: Path, runs: int, seed: int) -> list[str]:
    """The calibration's command-line words for community ``name`` (a generated log is written beside
    ``folder``, once)."""
    common = [f"calibrate.runs={runs}", f"calibrate.seed={seed}", "progress=never"]
    if name == "collegemsg":
        return [f"calibrate.log={COLLEGEMSG / 'CollegeMsg.txt.gz'}", "calibrate.train_days=100",
                "calibrate.forecast_days=94", f"calibrate.calendar={COLLEGEMSG / 'calendar.csv'}", *common]
    from commsim.experiments.analyses.synthetic_logs import write

    log = folder.parent / f"{name}.csv.gz"
    if not log.is_file():
        write(name, log, seed=0)
    # calendar days (the generated weeks start on Monday), the 105 first fitted, the rest (35) held out
    return [f"calibrate.log={log}", "calibrate.day_start=midnight", "calibrate.train_days=105", *common]


def score(folder: Path, name: str) -> dict:
    """One row of the bench from a finished calibration's ``backtest.json`` and ``calibrated.yaml``."""
    import yaml

    bt = json.loads((Path(folder) / "backtest.json").read_text())
    spec = yaml.safe_load((Path(folder) / "calibrated.yaml").read_text())
    fit = spec["fit"]
    observed = pd.read_parquet(Path(folder) / "observed.parquet")
    held = observed[observed.window == "forecast"].dau.to_numpy(float)
    baselines = {k: v["rmse"] for k, v in bt["baselines"].items() if v.get("rmse") is not None
                 and np.isfinite(v["rmse"])}
    if not baselines:
        raise ValueError(f"{folder}: no baseline could forecast the held-out days (backtest.json)")
    best = min(baselines, key=baselines.get)
    model = bt["model"]
    ratio = model["rmse"] / max(baselines[best], 1e-9)
    mean = float(held.mean()) if len(held) else float("nan")
    return {"community": name, "people": spec["data"]["people"], "forecast_days": len(held),
            "observed_mean": round(mean, 2), "rmse": round(model["rmse"], 2), "best_baseline": best,
            "best_baseline_rmse": round(baselines[best], 2), "rmse_ratio": round(ratio, 3),
            "coverage80": round(model["coverage80"], 3), "band_width": round(model["band_width"], 2),
            "width_ratio": round(model["band_width"] / mean, 3) if mean > 0 else float("nan"),
            "twin_coverage80": round(bt["twin"]["coverage80"], 3),
            "effective_sample_size": round(float(fit["effective_sample_size"]), 1),
            "meets_goals": bool(meets("rmse_ratio", ratio) and meets("coverage80", model["coverage80"])
                                and mean > 0 and meets("width_ratio", model["band_width"] / mean))}


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axs = plt.subplots(1, 3, figsize=(13, 3.6))
    x = np.arange(len(table))
    panels = [("rmse_ratio", "forecast RMSE / best baseline's", GOALS["rmse_ratio"]),
              ("coverage80", "share of held-out days in the 80% band", GOALS["coverage80"]),
              ("width_ratio", "band width / observed mean", GOALS["width_ratio"])]
    for ax, (col, label, goal) in zip(axs, panels):
        ax.bar(x, table[col], color=["tab:green" if meets(col, v) else "tab:red" for v in table[col]])
        if isinstance(goal, tuple):
            ax.axhspan(*goal, color="0.85", zorder=0, label="goal")
        else:
            ax.axhline(goal, color="k", ls="--", lw=1, label="goal")
        ax.set_xticks(x, table.community, rotation=35, ha="right", fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def meets(col: str, value: float) -> bool:
    """Whether ``value`` of bench column ``col`` meets its goal (:data:`GOALS`: a bound or a range)."""
    goal = GOALS[col]
    return bool(goal[0] <= value <= goal[1]) if isinstance(goal, tuple) else bool(value <= goal)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.forecast_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1500, help="calibrate.runs of each calibration (default 1500)")
    ap.add_argument("--seed", type=int, default=0, help="calibrate.seed")
    ap.add_argument("--only", nargs="+", choices=communities(), help="these communities only")
    ap.add_argument("--out", type=Path, default=Path("results/forecast_bench"), help="where everything lands")
    args = ap.parse_args(argv)
    from commsim.experiments.calibrate import calibrate
    from commsim.experiments.cli import compose_checked

    rows = []
    for name in args.only or communities():
        folder = args.out / f"runs{args.runs}_seed{args.seed}" / name
        try:
            if not (folder / "DONE").is_file():
                print(f"[commsim] forecast bench: calibrating {name} ({args.runs:,} runs)", file=sys.stderr,
                      flush=True)
                words = overrides_for(name, folder, args.runs, args.seed)
                calibrate(compose_checked("calibrate", words), folder, words)
            rows.append(score(folder, name))
        except Exception as e:  # one community that cannot be calibrated is a row that says why, not the end
            print(f"[commsim] forecast bench: {name} failed: {e}", file=sys.stderr, flush=True)
            rows.append({"community": name, "meets_goals": False, "error": str(e).replace("\n", " ")})
            continue
        print(f"[commsim] forecast bench: {name}: RMSE ratio {rows[-1]['rmse_ratio']:.2f}, "
              f"coverage {rows[-1]['coverage80']:.0%}, width ratio {rows[-1]['width_ratio']:.2f}",
              file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    scored = table.dropna(subset=["rmse_ratio"]) if "rmse_ratio" in table else table.iloc[:0]
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "bench.csv", index=False)
    if len(scored):
        figure(scored, args.out / "bench.png")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.drop(columns=["people"], errors="ignore").to_string(index=False))
    print(f"goals: RMSE ratio <= {GOALS['rmse_ratio']}, coverage {GOALS['coverage80'][0]:.0%}-"
          f"{GOALS['coverage80'][1]:.0%}, width ratio <= {GOALS['width_ratio']}; met by "
          f"{int(table.meets_goals.sum())} of {len(table)}")
    print(f"wrote {args.out / 'bench.csv'}" + (f" and {args.out / 'bench.png'}" if len(scored) else ""))
    return 1 if "error" in table else 0


if __name__ == "__main__":
    sys.exit(main())
