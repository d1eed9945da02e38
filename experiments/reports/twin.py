"""How far a calibrated twin can be trusted, in the words every report built on it leads with.

A calibration's warnings travel: the effective sample size of its posterior, how much of the
held-out days its 80% band covered, its error on the training days, and whether it beat every
naive forecast are repeated at the top of every comparison, sensitivity analysis and optimisation
run with ``calibration=<dir>`` -- not only in the calibration's own report.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

ESS_WARN = 200  # fewer effective draws: intervals rest on a handful of parameter sets
COVERAGE_WARN = 0.6  # an 80% band covering less of the held-out days is too narrow
CONTINUITY_WARN = 1.5  # simulated / observed DAU around the start of a what-if beyond this factor (either way)


def fmt(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def pct(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.0%}"


def forecast_table(bt: dict) -> list[str]:
    """The held-out days' scores: the forecast shown, the raw twin and every baseline (markdown)."""
    from commsim.experiments.analyses.calibration.baselines import NAMES

    rows = [("**forecast shown**", bt["model"]), ("the twin alone (posterior runs)", bt.get("twin", bt["model"]))]
    rows += [(NAMES.get(k, k), e) for k, e in bt["baselines"].items()]
    lines = ["| forecast | RMSE | MAPE | 80% band covers | band width |", "|---|---|---|---|---|"]
    for label, e in rows:
        lines.append(f"| {label} | {fmt(e['rmse'])} | {pct(e['mape'])} | {pct(e.get('coverage80'))} | "
                     f"{fmt(e.get('band_width'))} |")
    return lines


def health_lines(calibration) -> list[str]:
    """Markdown lines on the twin in folder ``calibration`` (empty when there is none)."""
    if not calibration:
        return []
    from commsim.sim import calibrated

    folder = Path(calibration)
    spec = calibrated.load(folder)
    fit = spec.get("fit", {})
    ess = fit.get("effective_sample_size")
    backtest = folder / "backtest.json"
    bt = json.loads(backtest.read_text()) if backtest.is_file() else {}
    model = bt.get("model", {})
    coverage = model.get("coverage80")
    train = bt.get("train_fit", {}).get("rmse")
    beats = bt.get("beats_every_baseline")
    facts = [f"effective sample size {ess:.0f}" if isinstance(ess, (int, float)) else "effective sample size unknown",
             (f"its 80% band covered {coverage:.0%} of {bt.get('forecast_days', '?')} held-out days"
              if isinstance(coverage, (int, float)) and math.isfinite(coverage) else "no held-out days were checked"),
             f"training-fit RMSE {train:.3g} people a day" if isinstance(train, (int, float)) else "",
             {True: "its forecast beat every baseline", False: "its forecast did **not** beat every "
              "baseline", None: ""}[beats]]
    warnings = []
    if isinstance(ess, (int, float)) and ess < ESS_WARN:
        warnings.append(f"the posterior rests on few effective draws ({ess:.0f} < {ESS_WARN}): intervals that "
                        f"carry parameter uncertainty are rougher than they look")
    if isinstance(coverage, (int, float)) and coverage < COVERAGE_WARN:
        warnings.append(f"its bands were too narrow on held-out days ({coverage:.0%} covered by an 80% band)")
    if beats is False:
        warnings.append("a baseline forecast did at least as well: trust relative effects more than levels")
    if bt.get("twin", {}).get("degenerate"):
        warnings.append("its posterior is degenerate (the twin's own band has no width on most held-out days)")
    stacked = bt.get("band", {}).get("stacked_with")
    if stacked:
        facts.append(f"its forecast is stacked with a baseline ({stacked}, weight "
                     f"{1 - bt['band']['twin_weight']:.0%})")
    cont = (spec.get("today") or {}).get("continuity") or {}
    ratio = cont.get("ratio")
    if ratio is not None:
        facts.append(f"started from the end of its log it gives a mean DAU of {cont['simulated_dau']:.3g} in its "
                     f"first {cont['days']} days against {cont['observed_dau']:.3g} in the log's last {cont['days']}")
        if not 1 / CONTINUITY_WARN <= ratio <= CONTINUITY_WARN:
            warnings.append(f"it does not continue its log smoothly ({ratio:.2f}x the last observed level in its "
                            f"first {cont['days']} days): levels after the start are off by about that much; "
                            f"compare plans with each other, not with the log")
    head = f"**The twin** (`{folder}`): " + "; ".join(f for f in facts if f) + "."
    lines = [head + "  "]
    if warnings:
        lines.append("**Warning**: " + "; ".join(warnings) + ". Details: the calibration's report.")
    if "baselines" in bt:
        lines += ["", "Its forecast of the held-out days against the baselines:", "", *forecast_table(bt)]
    return lines + [""]
