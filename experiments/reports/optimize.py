"""The report of a budget search: ``report.md`` and ``figures/pareto.png``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from commsim.experiments.reports.kit import Report
from commsim.experiments.reports.twin import health_lines
from commsim.experiments.runner.outputs import atomic_write
from commsim.sim.metrics import KPIS


def figure(trials: pd.DataFrame, front: pd.DataFrame, recommended, budget: float, kpi: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter(trials["cost"], trials["difference"], s=14, color="#c9ccd1", label="every plan tried")
    err = [front["difference"] - front["difference_low"], front["difference_high"] - front["difference"]]
    ax.errorbar(front["cost"], front["difference"], yerr=err, fmt="o-", color="#1d3557", ms=5, capsize=3,
                label="the front (95% paired interval)")
    if recommended is not None:
        ax.scatter([recommended["cost"]], [recommended["difference"]], s=160, marker="*", color="#e76f51", zorder=4,
                   label="recommended")
    ax.axvline(budget, color="#d62828", ls="--", lw=1, label=f"budget {budget:,.0f}")
    ax.axhline(0, color="#333", lw=0.8)
    label = KPIS[kpi].label if kpi in KPIS else kpi
    ax.set_xlabel("cost: mean spend plus points still owed at the end")
    ax.set_ylabel(f"{label}: difference from the baseline")
    ax.set_title("Cost and effect of the plans searched", fontsize=11)
    ax.legend(fontsize=9, frameon=False, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def write(out_dir: Path, o, config, trials: pd.DataFrame, front: pd.DataFrame, recommended, confirmed,
          replicates: int, command: str = "", currency: str = "currency units", language: str = "en",
          decision=None) -> Path:
    """``command``: the recommended plan's overrides, quoted for a shell; ``currency``: report.currency."""
    figure(trials, front, recommended, o.budget, o.kpi, out_dir / "figures" / "pareto.png")
    label = KPIS[o.kpi].label if o.kpi in KPIS else o.kpi
    doc = Report(f"What to do with {o.budget:,.0f}", currency=currency, language=language)
    lines = health_lines(config.calibration)
    lines.append(f"{len(trials)} plans searched ({o.sampler}, strategies: {', '.join(o.strategies)}), each on the same "
                 f"{replicates} seeds as the baseline; outcome: **{label}** (`{o.kpi}`), as the paired difference "
                 f"from the baseline plan; {config.days} days, network `{config.network.kind}`. Every plan ran "
                 f"under a budget of {o.budget:,.0f}, so none spent more. Cost is what a plan spent plus the "
                 f"points it still owes at the end (their money value): points are paid when redeemed, so a "
                 f"points plan's spend alone understates it.")
    lines.append("")
    idle = trials[trials["idle"].fillna("") != ""] if "idle" in trials else trials.iloc[:0]
    if len(idle):
        names = sorted({n for text in idle["idle"] for n in str(text).split()})
        lines += [f"{len(idle)} of the plans searched had a strategy that did nothing in every run "
                  f"({', '.join(f'`{n}`' for n in names)}: no one to pick, or no budget left for it): they are kept "
                  f"off the front and never recommended (`trials.csv`, column `idle`).", ""]
    if recommended is None:
        lines.append("**No plan beats the baseline reliably**: no point of the front has a 95% interval above zero. "
                     "More replicates (`optimize.replicates`) or trials may find one; so far, spending does not "
                     "clearly pay on this KPI.")
    else:
        lines.append(f"**Recommended: {recommended['plan']}.** On the search's seeds it cost {recommended['cost']:,.0f} "
                     f"and changed {label.lower()} by {recommended['difference']:+.3g} "
                     f"[{recommended['difference_low']:+.3g}, {recommended['difference_high']:+.3g}].")
        lines.append(f"Re-run on {confirmed['replicates']} fresh seeds (not those it was picked on): cost "
                     f"{confirmed['cost']:,.0f}, difference **{confirmed['difference']:+.3g}** "
                     f"[{confirmed['difference_low']:+.3g}, {confirmed['difference_high']:+.3g}] (95% paired interval"
                     f"{'; the interval now includes zero: treat the gain as unproven' if confirmed['difference_low'] <= 0 else ''}).")
        if decision is not None:
            from commsim.experiments.analyses.robust import MIN_DRAWS_FOR_CLEAR, clear

            row = decision.set_index("scenario").loc["recommended"]
            n = decision.attrs.get("draws", 0)
            what = ("the twin's posterior draws (the prior for the rest)" if decision.attrs.get("kind") == "posterior"
                    else "the uncertain behaviour and response parameters drawn from their plausible ranges")
            verdict = ("**clear**" if clear(row, n) else
                       f"**not clear** (fewer than {MIN_DRAWS_FOR_CLEAR} draws)" if n < MIN_DRAWS_FOR_CLEAR else "**not clear**")
            lines.append(f"Under what we don't know ({n} draws of {what}, on the search's seeds; `decision.csv`): it "
                         f"beats doing nothing in {row.p_better:.0%} of the draws -- {verdict} -- with an expected "
                         f"change of {row.gain:+.3g} [{row.gain_lo80:+.3g}, {row.gain_hi80:+.3g}] (80% interval over "
                         f"the draws)" + (f"; it would flip where `{row.flip_parameter}` crosses "
                                          f"{row.flip_value:.3g}" if row.flip_parameter and row.flip_value == row.flip_value
                                          else "") + ".")
        lines.append("")
        lines.append(f"Run it: `commsim run {command}`")
    doc.markdown_block("\n".join(lines))
    doc.figure("figures/pareto.png", "the front", note=False)
    doc.section("The front")
    doc.paragraph("Plans that no other plan beats on both cost and effect, cheapest first:")
    rows = []
    for row in front.itertuples():
        per_unit = doc.fmt.money(row.cost / row.difference) if row.difference > 0 and row.cost > 0 else "-"
        rows.append([doc.fmt.money(row.cost), f"{row.difference:+.3g}",
                     f"[{row.difference_low:+.3g}, {row.difference_high:+.3g}]", per_unit, row.plan])
    doc.table(["cost", "difference", "95% interval", "cost per extra unit", "plan"], rows)
    doc.paragraph("`pareto.csv` has the front with each plan as Hydra overrides, `trials.csv` every plan tried. "
                  "Intervals are for seed noise only, at the model's default (or calibrated) parameters.")
    return doc.write(out_dir)
