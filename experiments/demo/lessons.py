"""The numbers behind docs/classroom.md: each lesson's slider, moved, over many seeds.

    python -m experiments.demo.lessons               # 10 seeds, 180 days (about a minute)
    python -m experiments.demo.lessons --seeds 20 --days 365

A single classroom run is one draw; these are means over paired seeds (the same
seeds for every setting), with the same DemoModel the page builds.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from commsim.experiments.demo.model import DemoModel

# lesson -> (what is compared, the fixed levers, the settings of the moved lever)
LESSONS = {
    "fatigue": ("posts per week", {}, [{"posts_per_week": k} for k in (0, 3, 7, 10, 14, 28)]),
    "fatigue (BA 200)": ("posts per week", {"network": "barabasi_albert"},
                         [{"posts_per_week": k} for k in (0, 3, 7, 10, 14, 28)]),
    "contagious churn": ("churn contagion", {"network": "barabasi_albert", "people": 300},
                         [{"contagion": c} for c in (1.0, 1.8, 3.0)]),
    "KOL reach": ("KOLs", {"network": "barabasi_albert", "people": 300},
                  [{"kols": 0}, {"kols": 5, "kol_method": "random"}, {"kols": 5, "kol_method": "degree"}]),
    "referral growth": ("referral reward", {"network": "barabasi_albert", "people": 300},
                        [{"referral_reward": r} for r in (0, 5, 10, 20)]),
}
COLUMNS = ("members", "mean DAU", "joined", "churned", "churned friends of churned", "reached/share")


def run(levers: dict, days: int) -> dict:
    model = DemoModel(**levers)
    while model.running and model.day < days:
        model.step()
    ts = model.timeseries()
    churned = model.population.churn_day > 0  # ever lapsed, whether or not they came back
    g = model.graph
    # share of churned people's friends who churned too (contagion clusters churn)
    pairs = churned[g.rows()]
    friends_churned = churned[g.indices[pairs]].mean() if pairs.any() else np.nan
    shares = ts["shares"].sum()
    return {
        "members": ts["members"].iloc[-1],
        "mean DAU": ts["dau"].mean(),
        "joined": ts["joined"].sum(),
        "churned": ts["churned"].sum(),
        "churned friends of churned": friends_churned,
        "reached/share": ts["reached"].sum() / shares if shares else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.demo.lessons", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="paired seeds per setting (default 10)")
    parser.add_argument("--days", type=int, default=180, help="days per run, at most 365 (default 180)")
    parser.add_argument("--only", nargs="*", choices=sorted(LESSONS), help="lessons to run (default all)")
    args = parser.parse_args(argv)
    if args.seeds < 1 or not 1 <= args.days <= 365:
        parser.error("--seeds must be >= 1 and --days in 1..365")
    start = time.perf_counter()
    for lesson in args.only or LESSONS:
        what, fixed, settings = LESSONS[lesson]
        print(f"\n== {lesson}: {what} ({', '.join(f'{k}={v}' for k, v in fixed.items()) or 'karate club'}; "
              f"mean over seeds 0-{args.seeds - 1}, day {args.days})")
        print("setting | " + " | ".join(COLUMNS))
        for setting in settings:
            rows = [run({**fixed, **setting, "seed": seed}, args.days) for seed in range(args.seeds)]
            means = {col: np.nanmean([r[col] for r in rows]) for col in COLUMNS}
            label = ", ".join(f"{k}={v}" for k, v in setting.items())
            print(f"{label} | " + " | ".join(f"{means[c]:.2f}" if c.startswith(("churned friends", "reached"))
                                               else f"{means[c]:.1f}" for c in COLUMNS), flush=True)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
