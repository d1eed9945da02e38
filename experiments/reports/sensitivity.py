"""The report of a sensitivity analysis: ``report.md`` and ``figures/indices.png``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from commsim.experiments.reports.kit import Formatter, Report
from commsim.experiments.reports.twin import health_lines
from commsim.experiments.runner.outputs import atomic_write
from commsim.sim.metrics import KPIS


def figure(table: pd.DataFrame, method: str, what: str, path: Path, language: str = "en") -> None:
    """The indices as bars, labelled in ``language`` where a font can draw it (else English)."""
    import matplotlib

    matplotlib.use("Agg")
    from commsim.experiments.runner.figures import figure_language

    drawn, rc = figure_language(language)
    with matplotlib.rc_context(rc):
        _figure(table, method, what, path, Formatter(drawn).t)


def _figure(table: pd.DataFrame, method: str, what: str, path: Path, t) -> None:
    import matplotlib.pyplot as plt

    rows = table.iloc[::-1]  # largest on top
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(rows) + 1.6))
    y = np.arange(len(rows))
    if method == "morris":
        err = [np.minimum(rows["mu_star_conf"], rows["mu_star"]), rows["mu_star_conf"]]  # mu* is never negative
        ax.barh(y, rows["mu_star"], xerr=err, color="#457b9d", label=t("mu* (95% bootstrap interval)"))
        ax.scatter(rows["mu_star_noise"], y, marker="|", s=200, color="#d62828", zorder=3,
                   label=t("what seed noise alone makes mu*"))
        ax.set_xlabel(t("mu*: change in {what} across a parameter's plausible range", what=what))
    else:
        ax.barh(y + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], color="#457b9d", label=t("total (ST)"))
        ax.barh(y - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"], color="#a8dadc", label=t("first order (S1)"))
        ax.set_xlabel(t("share of the variance of {what}", what=what))
    ax.set_yticks(y, rows["parameter"], fontsize=9)
    ax.axvline(0, color="#333", lw=0.8)
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.set_title(t("What drives {what}", what=what), fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def write(out_dir: Path, s, config, table: pd.DataFrame, noise_share, runs: int, y: np.ndarray,
          language: str = "en") -> Path:
    fmt = Formatter(language)
    t = fmt.t
    label = t(KPIS[s.kpi].label) if s.kpi in KPIS else s.kpi
    what = (t("the effect of plan {plan} on {kpi}", plan=s.effect_of, kpi=label) if s.effect_of else label)
    short = t("the effect of {plan} on {kpi}", plan=s.effect_of, kpi=s.kpi) if s.effect_of else s.kpi
    figure(table, s.method, what if len(what) < 60 else short, out_dir / "figures" / "indices.png", language)
    doc = Report(t("Sensitivity: what drives {what}", what=what), language=language, translated=True)
    lines = health_lines(config.calibration, fmt)
    lines.append(t("Method: **{method}** ({how}), {parameters} parameters, {replicates} replicate seeds per point "
                   "(the same seeds everywhere), {runs} runs. Plan: `{plan}`{paired}; {days} days, network `{network}`.",
                   method=s.method, how=_method_words(s, t), parameters=len(table), replicates=s.replicates,
                   runs=f"{runs:,}", plan=config.plan.name,
                   paired=t(", compared with `{plan}` seed by seed", plan=s.effect_of) if s.effect_of else "",
                   days=config.days, network=config.network.kind))
    lines.append("")
    mean = np.nanmean(y, axis=1)
    lines.append(t("Output over the design: mean {mean}, from {low} to {high}{sign}.", mean=f"{np.mean(mean):.4g}",
                   low=f"{np.min(mean):.4g}", high=f"{np.max(mean):.4g}",
                   sign=t(" - its sign depends on the assumptions") if both_signs(y) else ""))
    if y.shape[1] < 2:
        lines.append(t("With one replicate seed, seed noise is not measured: no parameter can be flagged as within "
                       "it (`sensitivity.replicates` of 2 or more measures it)."))
    lines.append("")
    if s.method == "morris":
        lines += _morris_words(table, t)
        cols = ["parameter", "mu_star", "mu_star_conf", "sigma", "mu_star_noise", "low", "high", "scale", "flag"]
    else:
        lines += _sobol_words(table, noise_share, t)
        cols = ["parameter", "S1", "S1_conf", "ST", "ST_conf", "low", "high", "scale", "flag"]
    doc.markdown_block("\n".join(lines))
    doc.figure("figures/indices.png", t("indices"), note=False)
    # the columns of indices.csv keep their names; the words in them are translated
    header = [t(c) if c in ("parameter", "low", "high", "scale", "flag") else c for c in cols]
    doc.table(header, ([_cell(v, t) if c in ("scale", "flag") else _cell(v) for c, v in zip(cols, row)]
                       for row in table[cols].itertuples(index=False)))
    doc.paragraph(t("Ranges are the parameters' declared plausible ranges (docs/model.md; `sensitivity.ranges` "
                    "replaces them); a range spanning a factor of 20 or more is sampled on a log scale. "
                    "`indices.csv` has the table, `points.csv` every design point with its output per seed."))
    return doc.write(out_dir)


def _method_words(s, t) -> str:
    if s.method == "morris":
        return t("Morris screening, {trajectories} trajectories on a {levels}-level grid",
                 trajectories=s.trajectories, levels=s.levels)
    return t("Sobol indices from Saltelli's sample, N = {samples}", samples=s.samples)


def _flags(text: str, t) -> str:
    """A parameter's flag (experiments/sensitivity.py: "imprecise", "negative; unstable ...") in words."""
    return t("; ").join(t(part) for part in str(text).split("; ")) if text else ""


def both_signs(y: np.ndarray) -> bool:
    """Whether some design points' output is above zero and others' below, each beyond a 95% interval that
    holds for all points at once: the seeds' variance pooled over the points, the t quantile Bonferroni's
    for their number (a point-by-point test over hundreds of points finds 'both signs' in pure noise)."""
    from scipy import stats

    points, seeds = y.shape
    finite = np.isfinite(y)
    df = int(np.sum(finite) - np.sum(finite.any(axis=1)))
    if seeds < 2 or df < 1:
        return False
    mean = np.nanmean(y, axis=1)
    pooled = np.nansum((y - mean[:, None]) ** 2) / df
    half = stats.t.ppf(1 - 0.025 / points, df) * np.sqrt(pooled / np.sum(finite, axis=1))
    return bool(np.any(mean - half > 0) and np.any(mean + half < 0))


def _morris_words(table: pd.DataFrame, t) -> list[str]:
    top = table.iloc[0]
    if not top.mu_star > 0:
        return [t("No parameter moves the output: it is the same at every design point.")]
    steady = (t("non-linear, or acting together with other parameters") if top.sigma > 0.5 * top.mu_star
              else t("a fairly steady effect"))
    out = [t("**{parameter}** has the largest estimated effect: across its plausible range it moves the output by "
             "about {mu_star} on average (mu*), with sigma {sigma} ({steady}).", parameter=top.parameter,
             mu_star=f"{top.mu_star:.3g}", sigma=f"{top.sigma:.3g}", steady=steady)]
    unflagged = table[table["flag"].fillna("") == ""]
    if top.flag and unflagged.empty:
        out.append(t("Even that is flagged ({flag}): no parameter is shown to matter.", flag=_flags(top.flag, t)))
    elif top.flag:
        first = unflagged.iloc[0]
        out.append(t("That one is flagged ({flag}); the largest effect shown to stand out from noise and from its "
                     "own interval is **{parameter}**'s, mu* {mu_star}.", flag=_flags(top.flag, t),
                     parameter=first.parameter, mu_star=f"{first.mu_star:.3g}"))
    elif len(table) > 1 and top.mu_star - top.mu_star_conf <= table.iloc[1].mu_star + table.iloc[1].mu_star_conf:
        out.append(t("Its interval overlaps that of **{parameter}**: which of them matters most is not settled.",
                     parameter=table.iloc[1].parameter))
    none = table[table["flag"].str.startswith("no effect")]["parameter"].tolist()
    if none:
        out.append(t("No effect at all (identical runs at every point: the output does not depend on them here): "
                     "{parameters}.", parameters=t(", ").join(none)))
    noisy = table[table["flag"] == "within seed noise"]["parameter"].tolist()
    if noisy:
        out.append(t("Within seed noise (mu* no larger than seed noise alone makes it): {parameters}. "
                     "More replicates or trajectories would tell them apart; they are not shown to matter.",
                     parameters=t(", ").join(noisy)))
    vague = table[table["flag"] == "imprecise"]["parameter"].tolist()
    if vague:
        out.append(t("Imprecise (mu* below its own 95% confidence half-width over the trajectories: how much they "
                     "matter is not pinned down, though they are not shown to be noise): {parameters}. More "
                     "trajectories would narrow it.", parameters=t(", ").join(vague)))
    return out


def _sobol_words(table: pd.DataFrame, noise_share, t) -> list[str]:
    top = table.iloc[0]
    if str(top.flag).startswith("no effect"):
        return [t("No parameter moves the output: it is the same at every design point.")]
    out = [t("**{parameter}** has the largest estimated share of the output's variance: {total} in total, "
             "{alone} on its own.", parameter=top.parameter, total=f"{top.ST:.0%}", alone=f"{top.S1:.0%}")]
    if noise_share is not None and np.isfinite(noise_share):
        out.append(t("Seed noise left after averaging the replicates is {share} of the output variance{large}.",
                     share=f"{noise_share:.1%}",
                     large=t(" - large: the indices are unreliable; raise sensitivity.replicates")
                     if noise_share > 0.1 else ""))
    flagged = table[table["flag"] != ""]
    if len(flagged):
        out.append(t("Flagged (negative or unstable): {parameters}. Larger samples (sensitivity.samples) narrow "
                     "the intervals.", parameters=t(", ").join(f"{r.parameter} ({_flags(r.flag, t)})"
                                                            for r in flagged.itertuples())))
    return out


def _cell(v, t=None) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return _flags(v, t) if t is not None and isinstance(v, str) else str(v)
