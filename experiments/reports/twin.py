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
# the share of the log's last four weeks' active days by people first seen in them (neither active nor
# named by anyone before) above which the twin, who holds only the people its log names, is warned to
# fall short by about that much where new people keep appearing so (assumed: a tenth of the level; the
# CollegeMsg log 6% before its 100-day cut-off)
NEWCOMER_WARN = 0.10
CONTINUITY_WARN = 1.5  # simulated / observed DAU around the start of a what-if beyond this factor (either way)


def fmt(x, na: str = "n/a") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return na
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def pct(x, na: str = "n/a") -> str:
    return na if x is None or not math.isfinite(x) else f"{x:.0%}"


def baseline_name(key: str, formatter=None) -> str:
    """A naive forecast's name in words (experiments/analyses/calibration/baselines.py), in the report's language."""
    from commsim.experiments.analyses.calibration.baselines import NAMES
    from commsim.experiments.reports.kit import Formatter

    return (formatter or Formatter()).t(NAMES[key]) if key in NAMES else key


def _named(key: str, t) -> str:
    """:func:`baseline_name` for code that holds a report's ``t`` rather than its formatter."""
    from commsim.experiments.analyses.calibration.baselines import NAMES

    return t(NAMES[key]) if key in NAMES else key


def forecast_table(bt: dict, formatter=None) -> list[str]:
    """The held-out days' scores: the forecast shown, the raw twin and every baseline (markdown)."""
    from commsim.experiments.reports.kit import Formatter

    f = formatter or Formatter()
    t, na = f.t, f.na
    rows = [(t("**forecast shown**"), bt["model"]), (t("the twin alone (posterior runs)"), bt.get("twin", bt["model"]))]
    rows += [(baseline_name(k, f), e) for k, e in bt["baselines"].items()]
    lines = ["| " + " | ".join(t(h) for h in ("forecast", "RMSE", "MAPE", "80% band covers", "band width")) + " |",
             "|---|---|---|---|---|"]
    for label, e in rows:
        lines.append(f"| {label} | {fmt(e['rmse'], na)} | {pct(e['mape'], na)} | {pct(e.get('coverage80'), na)} | "
                     f"{fmt(e.get('band_width'), na)} |")
    return lines


def health_lines(calibration, formatter=None) -> list[str]:
    """Markdown lines on the twin in folder ``calibration`` (empty when there is none), in the language of
    ``formatter`` (a :class:`~commsim.experiments.reports.kit.Formatter`; English without one)."""
    if not calibration:
        return []
    from commsim.experiments.reports.kit import Formatter

    t = (formatter or Formatter()).t
    folder = Path(calibration)
    facts, warnings, bt = health(folder, t)
    head = t("**The twin** (`{folder}`): {facts}.", folder=folder, facts=t("; ").join(f for f in facts if f))
    lines = [head + "  "]
    if warnings:
        lines.append(t("**Warning**: {warnings}. Details: the calibration's report.", warnings=t("; ").join(warnings)))
    if "baselines" in bt:
        lines += ["", t("Its forecast of the held-out days against the baselines:"), "",
                  *forecast_table(bt, formatter)]
    return lines + [""]


def health_warnings(calibration) -> list[str]:
    """The warnings of :func:`health_lines`, in English plain text (a single run's log says them)."""
    return [w.replace("**", "") for w in health(Path(calibration), lambda text, **kw: text.format(**kw))[1]] \
        if calibration else []


def health(folder: Path, t) -> tuple[list[str], list[str], dict]:
    """What a report says of the twin in ``folder`` (``t``: the report's translation): its facts, its
    warnings and its backtest.json."""
    from commsim.sim import calibrated

    spec = calibrated.load(folder)
    fit = spec.get("fit", {})
    ess = fit.get("effective_sample_size")
    backtest = folder / "backtest.json"
    bt = json.loads(backtest.read_text()) if backtest.is_file() else {}
    # what-ifs run the twin's own posterior runs, so its own scores are what says how far to trust them;
    # the forecast shown (stacked with a baseline, widened on the training days) is said beside them
    # (a backtest.json of before 2026-12 has only the shown forecast's)
    twin = bt.get("twin") or bt.get("model", {})
    shown = bt.get("model", {})
    coverage = twin.get("coverage80")
    shown_coverage = shown.get("coverage80") if "twin" in bt else None
    train = bt.get("train_fit", {}).get("rmse")
    beats = bt.get("twin_beats_every_baseline", bt.get("beats_every_baseline"))
    checked = isinstance(coverage, (int, float)) and math.isfinite(coverage)
    facts = [t("effective sample size {ess}", ess=f"{ess:.0f}") if isinstance(ess, (int, float))
             else t("effective sample size unknown"),
             (t("the twin's own 80% band (its posterior runs, what its what-ifs run) covered {share} of {days} "
                "held-out days", share=f"{coverage:.0%}", days=bt.get("forecast_days", "?"))
              if checked else t("no held-out days were checked")),
             (t("the forecast shown (stacked and widened on its training days) covered {share}",
                share=f"{shown_coverage:.0%}")
              if isinstance(shown_coverage, (int, float)) and math.isfinite(shown_coverage) else ""),
             t("training-fit RMSE {rmse} people a day", rmse=f"{train:.3g}") if isinstance(train, (int, float)) else "",
             {True: t("the twin alone beat every baseline"), False: t("the twin alone did **not** beat every baseline"),
              None: ""}[beats if checked else None]]
    warnings = []
    if isinstance(ess, (int, float)) and ess < ESS_WARN:
        warnings.append(t("the posterior rests on few effective draws ({ess} < {limit}): intervals that "
                          "carry parameter uncertainty are rougher than they look", ess=f"{ess:.0f}", limit=ESS_WARN))
    if not checked and bt.get("forecast_days") == 0:
        warnings.append(t("nothing checked its forecasts against days it was not fitted to "
                          "(calibrate.forecast_days=0): how far its levels can be trusted is unknown"))
    elif not checked:
        warnings.append(t("nothing checked its forecasts against days it was not fitted to (no backtest.json, "
                          "or no observed held-out days): how far its levels can be trusted is unknown"))
    elif coverage < COVERAGE_WARN:
        warnings.append(t("the twin's own bands were too narrow on held-out days ({share} covered by an 80% band): "
                          "what-if intervals are narrower than what is known", share=f"{coverage:.0%}"))
    if beats is False and checked:
        warnings.append(t("a baseline forecast did at least as well as the twin: trust relative effects more than "
                          "levels"))
    if bt.get("twin", {}).get("degenerate"):
        warnings.append(t("its posterior is degenerate (the twin's own band has no width on most held-out days)"))
    # what-ifs start from the end of the whole log: its last four weeks (older twins: the training window's)
    share = (spec.get("today") or {}).get("newcomer_share", fit.get("newcomer_share"))
    if isinstance(share, (int, float)) and math.isfinite(share):
        facts.append(t("{share} of the active days of its log's last four weeks were by people first seen in them",
                       share=f"{share:.0%}"))
        gained = (spec.get("today") or {}).get("newcomers") or {}
        if gained.get("used"):
            facts.append(t("what-ifs gain {count} newcomers projected over {days} days, as its forecast does",
                           count=f"{gained['count']:,}", days=gained["days"]))
        elif share >= NEWCOMER_WARN:
            warnings.append(t("it holds only the people its log names, so where new people keep appearing as "
                              "they did ({share} of the last four weeks' activity) its levels fall short by about "
                              "that much, more the further they look", share=f"{share:.0%}"))
    stacked = bt.get("band", {}).get("stacked_with")
    if stacked:
        facts.append(t("its forecast is stacked with a baseline ({baseline}, weight {weight})",
                       baseline=_named(stacked, t),
                       weight=f"{1 - bt['band']['twin_weight']:.0%}"))
    today = spec.get("today") or {}
    if today.get("replay"):
        facts.append(t("what-ifs start from its replay of the log's {days} days (the log's end shows {members} "
                       "members and {prospects} prospects)", days=today["replay"]["days"],
                       members=f"{today['members']:,}", prospects=f"{today['prospects']:,}"))
    elif "prospects" in today:
        facts.append(t("what-ifs start from {members} members and {prospects} prospects (people its log names who "
                       "never took part: all a recruiting plan can bring in)", members=f"{today['members']:,}",
                       prospects=f"{today['prospects']:,}"))
    cont = today.get("continuity") or {}
    ratio = cont.get("ratio")
    if ratio is not None:
        facts.append(t("started from the end of its log it gives a mean DAU of {simulated} in its first {days} days "
                       "against {observed} in the log's last {days}", simulated=f"{cont['simulated_dau']:.3g}",
                       days=cont["days"], observed=f"{cont['observed_dau']:.3g}"))
        if not 1 / CONTINUITY_WARN <= ratio <= CONTINUITY_WARN:
            warnings.append(t("it does not continue its log smoothly ({ratio}x the last observed level in its "
                              "first {days} days): levels after the start are off by about that much; "
                              "compare plans with each other, not with the log", ratio=f"{ratio:.2f}",
                              days=cont["days"]))
    return facts, warnings, bt
