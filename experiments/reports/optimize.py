"""The report of a budget search: ``report.md`` and ``figures/pareto.png``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commsim.experiments.reports.comparison import per_unit_scale
from commsim.experiments.reports.kit import Formatter, Report
from commsim.sim.params import PRICE_CURRENCY
from commsim.experiments.reports.twin import health_lines
from commsim.experiments.runner.outputs import atomic_write
from commsim.sim.metrics import KPIS


def figure(trials: pd.DataFrame, front: pd.DataFrame, recommended, budget: float, kpi: str, path: Path,
           language: str = "en", draws: int = 0) -> None:
    """Cost against effect of every plan tried, labelled in ``language`` where a font can draw it (else English)."""
    import matplotlib

    matplotlib.use("Agg")
    from commsim.experiments.runner.figures import figure_language

    drawn, rc = figure_language(language)
    with matplotlib.rc_context(rc):
        _figure(trials, front, recommended, budget, kpi, path, Formatter(drawn).t, draws)


def _figure(trials: pd.DataFrame, front: pd.DataFrame, recommended, budget: float, kpi: str, path: Path, t,
            draws: int = 0) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter(trials["cost"], trials["difference"], s=14, color="#c9ccd1", label=t("every plan tried"))
    err = [front["difference"] - front["difference_low"], front["difference_high"] - front["difference"]]
    ax.errorbar(front["cost"], front["difference"], yerr=err, fmt="o-", color="#1d3557", ms=5, capsize=3,
                label=t("the front (10th-90th percentile over the draws)") if draws else
                t("the front (95% paired interval)"))
    if recommended is not None:
        ax.scatter([recommended["cost"]], [recommended["difference"]], s=160, marker="*", color="#e76f51", zorder=4,
                   label=t("recommended"))
    ax.axvline(budget, color="#d62828", ls="--", lw=1, label=t("budget {budget}", budget=f"{budget:,.0f}"))
    ax.axhline(0, color="#333", lw=0.8)
    label = t(KPIS[kpi].label) if kpi in KPIS else kpi
    ax.set_xlabel(t("cost: mean spend plus points still owed at the end"))
    ax.set_ylabel(t("{label}: difference from the baseline", label=label))
    ax.set_title(t("Cost and effect of the plans searched"), fontsize=11)
    ax.legend(fontsize=9, frameon=False, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def write(out_dir: Path, o, config, trials: pd.DataFrame, front: pd.DataFrame, recommended, confirmed,
          replicates: int, command: str = "", currency: str = PRICE_CURRENCY, language: str = "en",
          decision=None) -> Path:
    """``command``: the recommended plan's overrides, quoted for a shell; ``currency``: report.currency.
    A plan's description (experiments/optimize.py: ``describe``) names strategies and their Hydra keys
    and stays as it is, except the baseline's."""
    figure(trials, front, recommended, o.budget, o.kpi, out_dir / "figures" / "pareto.png", language, o.draws)
    fmt = Formatter(language, currency)
    t = fmt.t
    label = t(KPIS[o.kpi].label) if o.kpi in KPIS else o.kpi
    lowered = label.lower() if language == "en" else label
    doc = Report(t("What to do with {budget}", budget=fmt.money(o.budget)), currency=currency, language=language,
                 translated=True)
    lines = health_lines(config.calibration, fmt) + fmt.currency_lines()
    lines.append(t("{n} plans searched ({sampler}, strategies: {strategies}), each on the same {replicates} seeds as "
                   "the baseline; outcome: **{label}** (`{kpi}`), as the paired difference from the baseline plan; "
                   "{days} days, network `{network}`. Every plan ran under a budget of {budget}, so none spent more. "
                   "Cost is what a plan spent plus the points it still owes at the end (their money value): points "
                   "are paid when redeemed, so a points plan's spend alone understates it.", n=len(trials),
                   sampler=o.sampler, strategies=t(", ").join(o.strategies), replicates=replicates, label=label,
                   kpi=o.kpi, days=config.days, network=config.network.kind, budget=fmt.money(o.budget)))
    lines.append("")
    idle = trials[trials["idle"].fillna("") != ""] if "idle" in trials else trials.iloc[:0]
    if len(idle):
        names = sorted({n for text in idle["idle"] for n in str(text).split()})
        lines += [t("{n} of the plans searched had a strategy that did nothing in every run ({names}: no one to "
                    "pick, or no budget left for it): they are kept off the front and never recommended "
                    "(`trials.csv`, column `idle`).", n=len(idle), names=t(", ").join(f"`{n}`" for n in names)), ""]
    if recommended is None:
        lines.append(t("**No plan beats the baseline reliably**: no plan searched has a 95% interval above zero. "
                       "More replicates (`optimize.replicates`) or trials may find one; so far, spending does not "
                       "clearly pay on this KPI.") if not o.draws else
                     t("**No plan beats the baseline reliably**: no plan searched gains in nine draws of ten (its "
                       "10th percentile over the draws above zero). More trials may find one; so far, spending does "
                       "not clearly pay on this KPI over what is not known."))
    else:
        if "overrides" in front and recommended.get("overrides") not in set(front["overrides"]):
            lines.append(t("No point of the front beats the baseline reliably; the plan below, off the front (a "
                           "cheaper plan had a larger but less certain gain), does."))
        lines.append(t("**Recommended: {plan}.** On the search's seeds it cost {cost} and changed {label} by "
                       "{difference} [{low}, {high}].", plan=_plan(recommended["plan"], t),
                       cost=fmt.money(recommended['cost']), label=lowered,
                       difference=f"{recommended['difference']:+.3g}", low=f"{recommended['difference_low']:+.3g}",
                       high=f"{recommended['difference_high']:+.3g}"))
        lines.append(t("Re-run on {replicates} fresh seeds (not those it was picked on): cost {cost}, difference "
                       "**{difference}** [{low}, {high}] (95% paired interval{unproven}).",
                       replicates=confirmed["replicates"], cost=fmt.money(confirmed['cost']),
                       difference=f"{confirmed['difference']:+.3g}", low=f"{confirmed['difference_low']:+.3g}",
                       high=f"{confirmed['difference_high']:+.3g}",
                       unproven=t("; the interval now includes zero: treat the gain as unproven")
                       if confirmed["difference_low"] <= 0 else ""))
        if decision is not None:
            from commsim.experiments.analyses.robust import MIN_DRAWS_FOR_CLEAR, clear

            row = decision.set_index("scenario").loc["recommended"]
            n = decision.attrs.get("draws", 0)
            what = (t("the twin's posterior draws (the prior for the rest)") if decision.attrs.get("kind") == "posterior"
                    else t("the uncertain behaviour and response parameters drawn from their plausible ranges"))
            verdict = (t("**clear**") if clear(row, n) else
                       t("**not clear** (fewer than {n} draws)", n=MIN_DRAWS_FOR_CLEAR) if n < MIN_DRAWS_FOR_CLEAR
                       else t("**not clear**"))
            flips = row.flip_parameter and row.flip_value == row.flip_value
            lines.append(t("Under what we don't know ({n} draws of {what}, on fresh seeds; `decision.csv`): it "
                           "beats doing nothing in {share} of the draws -- {verdict} -- with an expected change of "
                           "{gain} [{low}, {high}] (80% interval over the draws){flip}.", n=n, what=what,
                           share=f"{row.p_better:.0%}", verdict=verdict, gain=f"{row.gain:+.3g}",
                           low=f"{row.gain_lo80:+.3g}", high=f"{row.gain_hi80:+.3g}",
                           flip=t("; it would flip where `{parameter}` crosses {value}", parameter=row.flip_parameter,
                                  value=f"{row.flip_value:.3g}") if flips else ""))
        lines.append("")
        lines.append(t("Run it: `{command}`", command=f"commsim run {command}"))
    doc.markdown_block("\n".join(lines))
    doc.figure("figures/pareto.png", t("the front"), note=False)
    doc.section(t("The front"))
    doc.paragraph(t("Plans that no other plan beats on both cost and effect, cheapest first:"))
    rows = []
    scale = per_unit_scale(o.kpi) if o.kpi in KPIS else 1.0
    share = scale != 1.0  # a share's cost is per percentage point (its whole unit is 100 of them)
    diff = (lambda x: fmt.points(x)) if share else (lambda x: f"{x:+.3g}")
    for row in front.itertuples():
        per_unit = fmt.money(row.cost / row.difference * scale) if row.difference > 0 and row.cost > 0 else "-"
        rows.append([fmt.money(row.cost), diff(row.difference),
                     f"[{diff(row.difference_low)}, {diff(row.difference_high)}]", per_unit, _plan(row.plan, t)])
    doc.table([t(h) for h in ("cost", "difference", "10th-90th percentile over the draws" if o.draws else
                              "95% interval on the seeds it was picked on (optimistic)",
                              "cost per extra percentage point" if share else "cost per extra unit", "plan")], rows)
    doc.paragraph(t("`pareto.csv` has the front with each plan as Hydra overrides, `trials.csv` every plan tried. "
                    "Intervals are for seed noise only, at the model's default (or calibrated) parameters.")
                  if not o.draws else
                  t("`pareto.csv` has the front with each plan as Hydra overrides, `trials.csv` every plan tried "
                    "(`draws_better`: the share of draws in which it beats doing nothing). The search ran every plan "
                    "on {draws} draws of the uncertain parameters: a plan's difference is the {objective} of its "
                    "draws' effects and its interval the 10th to 90th percentiles of them (not a 95% interval); "
                    "the re-run on fresh seeds is at the default (or calibrated) parameters.", draws=o.draws,
                    objective=t(_objective(o.objective))))
    return doc.write(out_dir)


def _objective(name: str) -> str:
    """optimize.objective in words (a msgid of the catalogue)."""
    return {"mean": "mean", "q25": "25th percentile", "q10": "10th percentile"}[name]


def _plan(words: str, t) -> str:
    """A plan in words: strategy names and Hydra keys stay; the baseline's description is translated."""
    return t(words) if words == "no strategy (the baseline)" else words
