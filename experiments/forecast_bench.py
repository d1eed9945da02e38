"""The forecast bench: how well does the twin forecast communities of different kinds?

    python -m experiments.forecast_bench                      # CollegeMsg + six generated communities
    python -m experiments.forecast_bench --runs 6000 --only collegemsg workplace --out results/forecast_bench
    python -m experiments.forecast_bench --seed 0 1 2                # each community on three seeds

Each community is calibrated on its first days (``calibrate.train_days``) and forecasts the rest;
its ``backtest.json`` gives the twin's and every baseline's errors on the held-out days. CollegeMsg
is the shipped real log (train 100 days, forecast 94, with its term calendar); the others are
generated with a known structure and without the model (experiments/analyses/synthetic_logs.py:
a workplace rhythm with a holiday week, growing, declining, bursty, tiny, large), read in calendar
days, trained on 105 days and forecast on the rest (35). Printed per community and written to ``bench.csv``:

* ``rmse_ratio``: the forecast's RMSE over the best baseline's (goal: at most 1.2);
* ``coverage80``: the share of held-out days inside the 80% band (goal: 65-90%);
* ``width_ratio``: the mean band width over the observed mean DAU (goal: at most 1.5);

and ``bench.png`` draws the three against their goals. One calibration seed says little: on the
workplace community the RMSE ratio was 0.99, 1.75 and 3.45 on seeds 0, 1 and 2 of one version
(docs/calibration.md). ``--seed 0 1 2`` calibrates each community with each seed (``bench.csv``
has a row per community and seed); the printed table, ``summary.csv`` and the figure then give
each community's median over the seeds, the range, and on how many seeds all three goals were
met. A community that cannot be calibrated is a row with its ``error`` (the command then exits 1),
never dropped. ``--set KEY=VALUE ...`` passes calibration settings to every community
(``--set calibrate.weights.recent=1 calibrate.margin=1``; not the bench's own: the log, its days,
``calibrate.runs`` and ``calibrate.seed``). Calibrations land in
``<out>/runs<R>_seed<S>[_<hash of the settings>]/<community>/`` and are reused: run the command
again and a finished community is read, not refitted (delete its folder to refit); one fitted with
other targets' weights or another box margin than the command's is named in a warning.
"""

from __future__ import annotations

import argparse
import hashlib
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


def overrides_for(name: str, folder: Path, runs: int, seed: int, extra: list[str] = ()) -> list[str]:
    """The calibration's command-line words for community ``name`` (a generated log is written beside
    ``folder``, once), ending with the ``extra`` settings."""
    common = [f"calibrate.runs={runs}", f"calibrate.seed={seed}", "progress=never", *extra]
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


def figure(table: pd.DataFrame, path: Path, each: pd.DataFrame | None = None) -> None:
    """Bars of ``table``'s three goal columns against their goals; with ``each`` (one row per
    community and seed) the bars are medians and every seed's value is a dot."""
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
        if each is not None:
            where = {name: i for i, name in enumerate(table.community)}
            ax.plot(each.community.map(where), each[col], "k.", ms=4, label="each seed")
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


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per community over its seeds: the median of each goal's column, its range (over the seeds that
    could be calibrated), and on how many seeds all three goals were met (``seeds_meeting``, of
    ``seeds``; ``seeds_failed`` could not be calibrated)."""
    out = []
    for name, rows in table.groupby("community", sort=False):
        failed = int(rows["error"].notna().sum()) if "error" in rows else 0
        row = {"community": name, "seeds": len(rows), "seeds_failed": failed,
               "seeds_meeting": int(rows.meets_goals.sum())}
        for col in GOALS:
            values = rows[col].dropna() if col in rows else pd.Series(dtype=float)
            row[col] = round(float(values.median()), 3) if len(values) else float("nan")
            row[f"{col}_min"] = round(float(values.min()), 3) if len(values) else float("nan")
            row[f"{col}_max"] = round(float(values.max()), 3) if len(values) else float("nan")
        row["median_meets_goals"] = all(row[c] == row[c] and meets(c, row[c]) for c in GOALS)  # NaN: not met
        out.append(row)
    return pd.DataFrame(out)


def meets(col: str, value: float) -> bool:
    """Whether ``value`` of bench column ``col`` meets its goal (:data:`GOALS`: a bound or a range)."""
    goal = GOALS[col]
    return bool(goal[0] <= value <= goal[1]) if isinstance(goal, tuple) else bool(value <= goal)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.forecast_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1500, help="calibrate.runs of each calibration (default 1500)")
    ap.add_argument("--seed", type=int, nargs="+", default=[0],
                    help="calibrate.seed; several (--seed 0 1 2) calibrate each community once per seed")
    ap.add_argument("--only", nargs="+", choices=communities(), help="these communities only")
    ap.add_argument("--out", type=Path, default=Path("results/forecast_bench"), help="where everything lands")
    ap.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", dest="settings",
                    help="calibration settings for every community (calibrate.weights.recent=1 calibrate.margin=1)")
    args = ap.parse_args(argv)
    problems = setting_problems(args.settings)
    if problems:
        ap.error("; ".join(problems))
    rows = []
    for seed in args.seed:
        folder = args.out / run_folder(args.runs, seed, args.settings)
        if args.settings:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "settings.txt").write_text("\n".join(sorted(args.settings)) + "\n")
        for name in args.only or communities():
            row = bench_one(name, folder / name, args.runs, seed, args.settings)
            rows.append({**row, "settings": " ".join(sorted(args.settings))})
    table = pd.DataFrame(rows)
    scored = table.dropna(subset=["rmse_ratio"]) if "rmse_ratio" in table else table.iloc[:0]
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "bench.csv", index=False)
    goals = (f"goals: RMSE ratio <= {GOALS['rmse_ratio']}, coverage {GOALS['coverage80'][0]:.0%}-"
             f"{GOALS['coverage80'][1]:.0%}, width ratio <= {GOALS['width_ratio']}")
    written = [args.out / "bench.csv"]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        if len(args.seed) == 1:
            print(table.drop(columns=["people", "seed"], errors="ignore").to_string(index=False))
            print(f"{goals}; met by {int(table.meets_goals.sum())} of {len(table)}")
            shown = scored
        else:
            every = summary(table)
            every.to_csv(args.out / "summary.csv", index=False)
            shown = every.dropna(subset=["rmse_ratio"])
            written.append(args.out / "summary.csv")
            print(shown.to_string(index=False))
            print(f"{goals}; the medians over {len(args.seed)} seeds meet them for "
                  f"{int(shown.median_meets_goals.sum()) if len(shown) else 0} of {table.community.nunique()} "
                  f"communities, single calibrations {int(table.meets_goals.sum())} of {len(table)}")
    if len(shown):
        figure(shown, args.out / "bench.png", scored if len(args.seed) > 1 else None)
        written.append(args.out / "bench.png")
    print("wrote " + ", ".join(str(p) for p in written))
    return 1 if "error" in table else 0


# the bench's own words for every community: --runs, --seed and each community's log and days
OWN = ("calibrate.runs", "calibrate.seed", "calibrate.log", "calibrate.train_days", "calibrate.forecast_days",
       "calibrate.calendar", "calibrate.day_start", "progress")


def setting_problems(settings: list[str]) -> list[str]:
    """What is wrong with ``--set``'s words (empty if nothing): each must be a calibration setting
    the bench does not set itself, and together they must compose (a misspelt key is named here,
    before anything runs)."""
    problems = []
    for word in settings:
        key, eq, _ = word.partition("=")
        if not eq or not key.startswith("calibrate."):
            problems.append(f"--set {word}: expected calibrate.KEY=VALUE")
        elif key in OWN:
            problems.append(f"--set {word}: the bench sets {key} itself (use --runs or --seed for those)")
    if settings and not problems:
        from commsim.experiments.cli import compose_checked
        from commsim.sim.errors import UserError

        try:
            compose_checked("calibrate", list(settings))
        except UserError as err:
            problems.append(f"--set: {err}")
    return problems


def run_folder(runs: int, seed: int, settings: list[str]) -> str:
    """The folder of one seed's calibrations: the same settings (in any order) reuse it, other
    settings get their own."""
    tag = hashlib.sha1(" ".join(sorted(settings)).encode()).hexdigest()[:8] if settings else ""
    return f"runs{runs}_seed{seed}" + (f"_{tag}" if tag else "")


MARGIN_BEFORE = 0.1  # the posterior's box margin of calibrations that did not record theirs


def _stale(folder: Path, settings: list[str] = ()) -> str:
    """How a finished calibration in ``folder`` differs from what this version would run with the
    bench's ``settings`` ('' if not): the targets' weights and the posterior's box margin it was
    fitted with against the expected."""
    import yaml

    from commsim.experiments.settings import CalibrateSettings, TargetWeights

    fit = (yaml.safe_load((folder / "calibrated.yaml").read_text()) or {}).get("fit", {})
    now = vars(TargetWeights())
    margin = CalibrateSettings().margin
    for word in settings:
        key, _, value = word.partition("=")
        if key.startswith("calibrate.weights."):
            now[key.rsplit(".", 1)[1]] = float(value)
        elif key == "calibrate.margin":
            margin = float(value)
    used = fit.get("weights") or {}
    why = []
    if not (all(float(used.get(k, 0.0)) == v for k, v in now.items()) and set(used) <= set(now)):
        why.append(f"with the targets' weights {used}, not this version's {now}")  # absent: weight 0
    if float(fit.get("margin", MARGIN_BEFORE)) != margin:
        why.append(f"with the box margin {fit.get('margin', MARGIN_BEFORE)}, not {margin}")
    return "; ".join(why)


def bench_one(name: str, folder: Path, runs: int, seed: int, settings: list[str] = ()) -> dict:
    """Calibrate community ``name`` into ``folder`` (unless already done) with the calibration
    ``settings`` and score it; a failure is a row with its error."""
    from commsim.experiments.calibrate import calibrate
    from commsim.experiments.cli import compose_checked

    try:
        if (folder / "DONE").is_file():
            stale = _stale(folder, settings)
            if stale:
                print(f"[commsim] forecast bench: warning: {folder} was calibrated {stale}; its numbers are "
                      f"an older version's (delete the folder to refit)", file=sys.stderr, flush=True)
        else:
            print(f"[commsim] forecast bench: calibrating {name}, seed {seed} ({runs:,} runs)", file=sys.stderr,
                  flush=True)
            words = overrides_for(name, folder, runs, seed, list(settings))
            calibrate(compose_checked("calibrate", words), folder, words)
        row = {**score(folder, name), "seed": seed}
    except Exception as e:  # one community that cannot be calibrated is a row that says why, not the end
        print(f"[commsim] forecast bench: {name}, seed {seed} failed: {e}", file=sys.stderr, flush=True)
        return {"community": name, "seed": seed, "meets_goals": False, "error": str(e).replace("\n", " ")}
    print(f"[commsim] forecast bench: {name}, seed {seed}: RMSE ratio {row['rmse_ratio']:.2f}, "
          f"coverage {row['coverage80']:.0%}, width ratio {row['width_ratio']:.2f}", file=sys.stderr, flush=True)
    return row


if __name__ == "__main__":
    sys.exit(main())
