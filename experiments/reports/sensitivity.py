"""The report of a sensitivity analysis: ``report.md`` and ``figures/indices.png``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from commsim.experiments.reports.kit import Report
from commsim.experiments.reports.twin import health_lines
from commsim.experiments.runner.outputs import atomic_write
from commsim.sim.metrics import KPIS


def figure(table: pd.DataFrame, method: str, what: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = table.iloc[::-1]  # largest on top
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(rows) + 1.6))
    y = np.arange(len(rows))
    if method == "morris":
        err = [np.minimum(rows["mu_star_conf"], rows["mu_star"]), rows["mu_star_conf"]]  # mu* is never negative
        ax.barh(y, rows["mu_star"], xerr=err, color="#457b9d", label="mu* (95% bootstrap interval)")
        ax.scatter(2 * rows["mu_star_noise"], y, marker="|", s=200, color="#d62828", zorder=3,
                   label="2 x seed-noise standard error")
        ax.set_xlabel(f"mu*: change in {what} across a parameter's plausible range")
    else:
        ax.barh(y + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], color="#457b9d", label="total (ST)")
        ax.barh(y - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"], color="#a8dadc", label="first order (S1)")
        ax.set_xlabel(f"share of the variance of {what}")
    ax.set_yticks(y, rows["parameter"], fontsize=9)
    ax.axvline(0, color="#333", lw=0.8)
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.set_title(f"What drives {what}", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def write(out_dir: Path, s, config, table: pd.DataFrame, noise_share, runs: int, y: np.ndarray,
          language: str = "en") -> Path:
    label = KPIS[s.kpi].label if s.kpi in KPIS else s.kpi
    what = f"the effect of plan {s.effect_of} on {label}" if s.effect_of else label
    short = f"the effect of {s.effect_of} on {s.kpi}" if s.effect_of else s.kpi
    figure(table, s.method, what if len(what) < 60 else short, out_dir / "figures" / "indices.png")
    doc = Report(f"Sensitivity: what drives {what}", language=language)
    lines = health_lines(config.calibration)
    lines.append(f"Method: **{s.method}** ({_method_words(s)}), {len(table)} parameters, {s.replicates} replicate "
                 f"seeds per point (the same seeds everywhere), {runs:,} runs. Plan: `{config.plan.name}`"
                 f"{f', compared with `{s.effect_of}` seed by seed' if s.effect_of else ''}; {config.days} days, "
                 f"network `{config.network.kind}`.")
    lines.append("")
    mean = np.nanmean(y, axis=1)
    lines.append(f"Output over the design: mean {np.mean(mean):.4g}, from {np.min(mean):.4g} to {np.max(mean):.4g}"
                 f"{' - its sign depends on the assumptions' if np.min(mean) < 0 < np.max(mean) else ''}.")
    lines.append("")
    if s.method == "morris":
        lines += _morris_words(table)
        cols = ["parameter", "mu_star", "mu_star_conf", "sigma", "mu_star_noise", "low", "high", "scale", "flag"]
    else:
        lines += _sobol_words(table, noise_share)
        cols = ["parameter", "S1", "S1_conf", "ST", "ST_conf", "low", "high", "scale", "flag"]
    doc.markdown_block("\n".join(lines))
    doc.figure("figures/indices.png", "indices", note=False)
    doc.table(cols, ([_cell(v) for v in row] for row in table[cols].itertuples(index=False)))
    doc.paragraph("Ranges are the parameters' declared plausible ranges (docs/model.md; `sensitivity.ranges` "
                 "replaces them); a range spanning a factor of 20 or more is sampled on a log scale. "
                  "`indices.csv` has the table, `points.csv` every design point with its output per seed.")
    return doc.write(out_dir)


def _method_words(s) -> str:
    if s.method == "morris":
        return f"Morris screening, {s.trajectories} trajectories on a {s.levels}-level grid"
    return f"Sobol indices from Saltelli's sample, N = {s.samples}"


def _morris_words(table: pd.DataFrame) -> list[str]:
    top = table.iloc[0]
    out = [f"**{top.parameter}** matters most: across its plausible range it moves the output by about "
           f"{top.mu_star:.3g} on average (mu*), with sigma {top.sigma:.3g} "
           f"({'its effect depends on the other parameters' if top.sigma > 0.5 * top.mu_star else 'a fairly steady effect'})."]
    none = table[table["flag"].str.startswith("no effect")]["parameter"].tolist()
    if none:
        out.append(f"No effect at all (identical runs at every point: the output does not depend on them here): "
                   f"{', '.join(none)}.")
    noisy = table[table["flag"] == "within seed noise"]["parameter"].tolist()
    if noisy:
        out.append(f"Within seed noise (mu* no more than twice the noise the seeds alone cause): {', '.join(noisy)}. "
                   f"More replicates or trajectories would tell them apart; they are not shown to matter.")
    vague = table[table["flag"] == "within noise"]["parameter"].tolist()
    if vague:
        out.append(f"Within noise (mu* below its own 95% confidence half-width, so its size is not pinned down): "
                   f"{', '.join(vague)}. More trajectories would tell whether they matter.")
    return out


def _sobol_words(table: pd.DataFrame, noise_share) -> list[str]:
    top = table.iloc[0]
    out = [f"**{top.parameter}** accounts for the largest share of the output's variance: {top.ST:.0%} in total, "
           f"{top.S1:.0%} on its own."]
    if noise_share is not None and np.isfinite(noise_share):
        out.append(f"Seed noise left after averaging the replicates is {noise_share:.1%} of the output variance"
                   f"{' - large: the indices are unreliable; raise sensitivity.replicates' if noise_share > 0.1 else ''}.")
    flagged = table[table["flag"] != ""]
    if len(flagged):
        out.append("Flagged (negative or unstable): " + ", ".join(f"{r.parameter} ({r.flag})" for r in flagged.itertuples())
                   + ". Larger samples (sensitivity.samples) narrow the intervals.")
    return out


def _cell(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
