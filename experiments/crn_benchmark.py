"""How much do common random numbers (CRN) sharpen a comparison?

Runs a baseline and a plan over R replicates twice: *paired* (the plan uses
the same seeds as the baseline: same graph, same people, same draws -- CRN)
and *independent* (the plan uses seeds offset by 10 000). Prints, per KPI,
the variance of the per-replicate difference plan - baseline in each design
and their ratio: how many times fewer replicates a paired comparison needs for
the same precision.

    python -m experiments.crn_benchmark                    # default comparison size
    python -m experiments.crn_benchmark --plan content --n 10000 --days 180 --replicates 10
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

KPIS = ["mean_dau_last30", "final_members", "total_joined", "total_churned"]


def variance_ratio(plan: str, n: int, days: int, replicates: int, kpis=KPIS) -> dict[str, dict[str, float]]:
    from commsim.sim.simulation import simulate

    def run(strategies, seed):
        return simulate({"days": days, "seed": seed, "network": {"kind": "barabasi_albert", "n": n},
                         "plan": {"name": plan, "strategies": strategies}}, progress="never").summary

    base = [run([], s) for s in range(replicates)]
    paired = [run([plan], s) for s in range(replicates)]
    independent = [run([plan], 10_000 + s) for s in range(replicates)]
    out = {}
    for kpi in kpis:
        b = np.array([r[kpi] for r in base], float)
        d_paired = np.array([r[kpi] for r in paired], float) - b
        d_indep = np.array([r[kpi] for r in independent], float) - b
        var_p, var_i = float(np.var(d_paired, ddof=1)), float(np.var(d_indep, ddof=1))
        out[kpi] = {"var_paired": var_p, "var_independent": var_i,
                    "ratio": var_i / var_p if var_p > 0 else float("inf")}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plan", default="content",
                    help="strategy name (not a plan file) compared with the baseline, e.g. content, kol")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--json", help="also write the result here")
    args = ap.parse_args(argv)
    if args.replicates < 2:
        ap.error("--replicates must be at least 2 to estimate a variance")
    result = variance_ratio(args.plan, args.n, args.days, args.replicates)
    print(f"CRN variance reduction: baseline vs {args.plan}, {args.n} people, {args.days} days, "
          f"{args.replicates} replicates")
    print(f"{'KPI':<18}{'var(diff) paired':>18}{'var(diff) indep.':>18}{'ratio':>10}")
    for kpi, r in result.items():
        print(f"{kpi:<18}{r['var_paired']:>18.4g}{r['var_independent']:>18.4g}{r['ratio']:>10.1f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
