"""The calibration report: report.md and its figures, in words a strategist can act on."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from commsim.experiments.runner.figures import axes  # noqa: E402
from commsim.experiments.reports.kit import Report  # noqa: E402
from commsim.experiments.reports.twin import ESS_WARN, fmt as _fmt, forecast_table, pct as _pct  # noqa: E402
from commsim.experiments.runner.outputs import atomic_write  # noqa: E402


def _save(fig, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def _band(runs: list[list[float]]):
    a = np.array([r for r in runs if len(r)], float)
    if a.size == 0:
        return None
    n = min(len(r) for r in runs)
    a = np.array([r[:n] for r in runs], float)
    return np.median(a, axis=0), np.quantile(a, 0.1, axis=0), np.quantile(a, 0.9, axis=0)


def figures(folder: Path, forecast: pd.DataFrame, measured: list[dict], observed_full: dict, train_days: int,
            post: pd.DataFrame, keys: list[str]) -> dict[str, str]:
    fig_dir = folder / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    fig, ax = axes("Daily active people: observed and simulated (median, 80% band)", "people active that day",
                   size=(9, 4.5))
    ax.fill_between(forecast.day, forecast.dau_lo80, forecast.dau_hi80, alpha=0.25, color="tab:blue", lw=0,
                    label="forecast, 80% band (posterior runs; after the cut-off calibrated on its own error)")
    ax.plot(forecast.day, forecast.dau_median, color="tab:blue", lw=1.4, label="forecast, median")
    if "twin_median" in forecast:
        after = forecast.day >= train_days
        ax.plot(forecast.day[after], forecast.twin_median[after], color="tab:blue", lw=0.8, ls=":",
                label="the twin alone, median")
    ax.plot(forecast.day, forecast.observed_dau, color="black", lw=0.9, label="observed")
    ax.axvline(train_days - 0.5, color="grey", ls="--", lw=1)
    ax.text(train_days, ax.get_ylim()[1] * 0.95, " forecast (held out)", fontsize=8, va="top")
    ax.set_xlabel("day of the log")
    ax.legend(fontsize=8)
    _save(fig, fig_dir / "dau.png")
    out["dau"] = "figures/dau.png"
    for key, title, ylabel in (("ever_active", "People ever active, by week", "people"),
                               ("retention", "Weekly cohort retention", "share of newcomers active in week k")):
        band = _band([m[key] for m in measured])
        obs = observed_full[key]
        if band is None or not obs:
            continue
        x = np.arange(1, len(band[0]) + 1)
        fig, ax = axes(f"{title}: observed and simulated (median, 80% band)", ylabel, "week", size=(7, 4))
        ax.fill_between(x, band[1], band[2], alpha=0.25, color="tab:blue", lw=0, label="model, 80% band")
        ax.plot(x, band[0], color="tab:blue", label="model, median")
        ax.plot(np.arange(1, len(obs) + 1), obs, color="black", marker=".", label="observed")
        if key == "ever_active":
            ax.axvline(train_days / 7, color="grey", ls="--", lw=1)
        ax.legend(fontsize=8)
        _save(fig, fig_dir / f"{key}.png")
        out[key] = f"figures/{key}.png"
    if len(keys) >= 2 and len(post) >= 3:
        k = len(keys)
        fig, grid = plt.subplots(k, k, figsize=(2.2 * k, 2.2 * k), layout="constrained", squeeze=False)
        w = post.weight.to_numpy()
        for i, a in enumerate(keys):
            for j, b in enumerate(keys):
                axis = grid[i][j]
                if i == j:
                    axis.hist(post[a], weights=w, bins=15, color="tab:blue", alpha=0.7)
                else:
                    axis.scatter(post[b], post[a], s=6 + 200 * w, alpha=0.5, color="tab:blue")
                if i == k - 1:
                    axis.set_xlabel(b.rsplit(".", 1)[-1], fontsize=7)
                if j == 0:
                    axis.set_ylabel(a.rsplit(".", 1)[-1], fontsize=7)
                axis.tick_params(labelsize=6)
        fig.suptitle("Posterior: each parameter (diagonal) and each pair (size = weight)")
        _save(fig, fig_dir / "posterior_pairs.png")
        out["pairs"] = "figures/posterior_pairs.png"
    return out


def backtest_words(bt: dict) -> list[str]:
    from commsim.experiments.analyses.calibration.baselines import NAMES

    if "model" not in bt:
        return [f"No days were held out ({bt.get('note', '')}), so the forecast is not checked against data. "
                "Rerun with calibrate.forecast_days=<n> to backtest."]
    m, base, band = bt["model"], bt["baselines"], bt.get("band", {})
    lines = [f"On the {bt['forecast_days']} held-out days the forecast's median misses the observed DAU by "
             f"{_fmt(m['rmse'])} people a day (RMSE; MAPE {_pct(m['mape'])}), and its 80% band holds "
             f"{_pct(m['coverage80'])} of the observed days."]
    if band:
        stacked = band.get("stacked_with")
        how = (f"On the last {band['inner_days']} training days {NAMES.get(stacked, stacked)} forecast better than "
               f"the twin (RMSE {_fmt(band['inner_baselines'][stacked]['rmse'])} against "
               f"{_fmt(band['inner_twin_rmse'])}), so the forecast shown is stacked: "
               f"{band['twin_weight']:.0%} twin, {1 - band['twin_weight']:.0%} that baseline."
               if stacked else f"On the last {band['inner_days']} training days the twin forecast better than "
                               f"every baseline, so the forecast shown is the twin's.")
        q = band.get("conformal_q", 0.0)
        lines += ["", how + f" Its band is the twin's posterior spread {'widened' if q >= 0 else 'narrowed'} by "
                  f"{abs(q):.2f} in log(1 + DAU) so that it would have held 80% of those days (conformal)."]
    lines += ["", *forecast_table(bt), ""]
    beaten = [NAMES.get(k, k) for k, e in base.items() if math.isfinite(e["rmse"]) and e["rmse"] <= m["rmse"]]
    if not beaten:
        lines.append("The forecast beats every baseline on RMSE, statistical forecasters included.")
    else:
        lines.append("**The forecast does not beat every baseline**: " + "; ".join(beaten)
                     + " forecast at least as well. Trust the model's what-ifs (relative effects) more than its "
                       "level forecast, and see the figures for where it departs from the data.")
    if bt.get("twin", {}).get("degenerate"):
        lines.append("**The twin's own band has no width on most held-out days: a degenerate posterior** (a "
                     "handful of parameter sets carry it; see its effective sample size above). The band shown "
                     "owes its width to the conformal step, not to the posterior.")
    if m["coverage80"] < 0.6:
        lines.append(f"The 80% band covers only {m['coverage80']:.0%} of the held-out days: the model is more "
                     "certain than it should be there (seed noise, the posterior's spread and the error measured on "
                     "the training days do not account for everything the community did).")
    return lines


def write(folder: Path, data_lines: list[str], windows: dict, twin, screening: pd.DataFrame | None,
          params: dict, post_summary: dict, bt: dict, figs: dict, runs: int, language: str = "en") -> Path:
    doc = Report(f"Calibration: {folder.name}", language=language)
    lines = ["What was fitted, how well, and how far to trust it. Method and diagnostics: docs/calibration.md.", "",
             "## The data", ""] + [f"    {line}" for line in data_lines] + [
             "", f"Fitted on days 0–{windows['train_days'] - 1}; days {windows['train_days']}–"
                 f"{windows['train_days'] + windows['forecast_days'] - 1} held out for the backtest "
                 f"(cut-off {windows['cut_off']}). Only data before the cut-off built the twin: " + "; ".join(twin.notes)
             + ".", ""]
    if screening is not None:
        lines += ["## Which parameters matter (screening)", "",
                  "How much of the distance's variation over a Latin-hypercube sample each candidate explains "
                  "(η², the correlation ratio: larger, it matters more here). The fitted ones are marked; the "
                  "rest stay at their documented defaults.", "", "| parameter | η² | fitted |", "|---|---|---|"]
        for _, r in screening.iterrows():
            lines.append(f"| `{r.parameter}` | {r.eta2:.3f} | {'yes' if r.fitted else ''} |")
        lines.append("")
    lines += ["## The posterior", "",
              f"{post_summary['accepted']} parameter sets accepted of {post_summary['proposed']} proposed "
              f"(distance ≤ {post_summary['tolerance']:.3f}; effective sample size "
              f"{post_summary['effective_sample_size']:.0f}"
              + (f"; {post_summary['weights_truncated']} weights capped" if post_summary.get("weights_truncated")
                 else "") + f"); {runs:,} simulations in all."]
    if post_summary["effective_sample_size"] < ESS_WARN:
        lines.append(f"**The posterior rests on few effective draws ({post_summary['effective_sample_size']:.0f})**: "
                     "its intervals and the forecast's band are rougher than they look. Raise calibrate.runs, "
                     "or fit fewer parameters (calibrate.fit=<n>, the most influential of the screening).")
    lines += ["", "| parameter | median | 90% interval | prior range | note |", "|---|---|---|---|---|"]
    for key, p in params.items():
        note = "**at the edge of its prior: the data push it outward; widen calibrate.priors and refit**" \
            if p["at_bound"] else ""
        lines.append(f"| `{key}` | {_fmt(p['value'])} | {_fmt(p['interval90'][0])} – {_fmt(p['interval90'][1])} | "
                     f"{_fmt(p['prior'][0])} – {_fmt(p['prior'][1])} | {note} |")
    lines += ["", "## The backtest", ""] + backtest_words(bt) + ["", "## Figures", ""]
    captions = {"dau": "Daily active people, observed (black) and the model's median and 80% band; the dashed line "
                       "is the cut-off.",
                "ever_active": "People ever active by week, observed and simulated.",
                "retention": "Weekly cohort retention, observed and simulated.",
                "pairs": "The posterior: each fitted parameter and each pair."}
    for key, path in figs.items():
        lines += [f"![{captions[key]}]({path})", "", f"*{captions[key]}*", ""]
    lines += ["## Using it", "",
              f"`commsim compare experiment=default_comparison calibration={folder}` runs the "
              "comparison on this twin; each replicate uses its own posterior draw, so the intervals carry "
              "parameter uncertainty as well as seed noise. `calibrated.yaml` holds the twin and the draws; "
              "`posterior.parquet` one row per accepted parameter set with its weight; `forecast.csv` and "
              "`backtest.json` the numbers above.", ""]
    doc.markdown_block("\n".join(lines))
    return doc.write(folder)
