"""The calibration report: report.md and its figures, in words a strategist can act on."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from commsim.experiments.cli import shell_override  # noqa: E402
from commsim.experiments.runner.figures import axes, figure_language  # noqa: E402
from commsim.experiments.reports.kit import Formatter, Report  # noqa: E402
from commsim.experiments.reports.twin import ESS_WARN, NEWCOMER_WARN, baseline_name, forecast_table  # noqa: E402
from commsim.experiments.reports.twin import fmt as _number, pct as _percent  # noqa: E402
from commsim.experiments.runner.outputs import atomic_write  # noqa: E402


def _save(fig, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def _band(runs: list[list[float]]):
    """Median and 80% band of the runs' curves over the weeks every non-empty one has (a run's
    retention curve stops at the last week any of its newcomers could be followed, so runs differ in
    length); None if every curve is empty."""
    kept = [r for r in runs if len(r)]
    if not kept:
        return None
    n = min(len(r) for r in kept)
    a = np.array([r[:n] for r in kept], float)
    return np.median(a, axis=0), np.quantile(a, 0.1, axis=0), np.quantile(a, 0.9, axis=0)


PAIRS_SHOWN = 6  # parameters in the pair plot: a 15 x 15 grid is unreadable, and took 25 s to draw


def pair_keys(fitted: list[str], screening: pd.DataFrame | None) -> list[str]:
    """The fitted parameters the pair plot shows, at most :data:`PAIRS_SHOWN`: the responses to the
    campaigns in the log first (``strategies.*``, what a strategist asked about), then the rest by
    the screening's η² (largest first; a parameter without one -- a calibration screens every fitted
    parameter, so only a caller's own list can lack it -- last)."""
    eta2 = {} if screening is None else dict(zip(screening.parameter, screening.eta2))
    order = sorted(range(len(fitted)), key=lambda i: (not fitted[i].startswith("strategies."),
                                                      -eta2.get(fitted[i], -1.0), i))
    return [fitted[i] for i in order][:PAIRS_SHOWN]


class Figures(dict):
    """The figures' paths by name, the language their labels were drawn in (``language``), and how
    many of how many fitted parameters the pair plot shows (``pairs_of``)."""

    language = "en"
    pairs_of = (0, 0)


def figures(folder: Path, forecast: pd.DataFrame, measured: list[dict], observed_full: dict, train_days: int,
            post: pd.DataFrame, keys: list[str], language: str = "en", screening: pd.DataFrame | None = None) -> Figures:
    """The calibration's figures, labelled in ``language`` where a font can draw it (else English);
    the pair plot shows :func:`pair_keys` of the fitted ``keys``."""
    drawn, rc = figure_language(language)
    shown = pair_keys(keys, screening)
    with matplotlib.rc_context(rc):
        out = Figures(_figures(folder, forecast, measured, observed_full, train_days, post, shown, Formatter(drawn).t))
    out.language = drawn
    out.pairs_of = (len(shown), len(keys))
    return out


def _figures(folder: Path, forecast: pd.DataFrame, measured: list[dict], observed_full: dict, train_days: int,
             post: pd.DataFrame, keys: list[str], t) -> dict[str, str]:
    fig_dir = folder / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    fig, ax = axes(t("Daily active people: observed and simulated (median, 80% band)"), t("people active that day"),
                   size=(9, 4.5))
    ax.fill_between(forecast.day, forecast.dau_lo80, forecast.dau_hi80, alpha=0.25, color="tab:blue", lw=0,
                    label=t("forecast, 80% band (posterior runs; after the cut-off calibrated on its own error)"))
    ax.plot(forecast.day, forecast.dau_median, color="tab:blue", lw=1.4, label=t("forecast, median"))
    if "twin_median" in forecast:
        after = forecast.day >= train_days
        ax.plot(forecast.day[after], forecast.twin_median[after], color="tab:blue", lw=0.8, ls=":",
                label=t("the twin alone, median"))
    ax.plot(forecast.day, forecast.observed_dau, color="black", lw=0.9, label=t("observed"))
    ax.axvline(train_days - 0.5, color="grey", ls="--", lw=1)
    ax.text(train_days, ax.get_ylim()[1] * 0.95, " " + t("forecast (held out)"), fontsize=8, va="top")
    ax.set_xlabel(t("day of the log"))
    ax.legend(fontsize=8)
    _save(fig, fig_dir / "dau.png")
    out["dau"] = "figures/dau.png"
    for key, title, ylabel in (("ever_active", t("People ever active, by week"), t("people")),
                               ("retention", t("Weekly cohort retention"), t("share of newcomers active in week k"))):
        band = _band([m[key] for m in measured])
        obs = observed_full[key]
        if band is None or not obs:
            continue
        x = np.arange(1, len(band[0]) + 1)
        fig, ax = axes(t("{title}: observed and simulated (median, 80% band)", title=title), ylabel, t("week"),
                       size=(7, 4))
        ax.fill_between(x, band[1], band[2], alpha=0.25, color="tab:blue", lw=0, label=t("model, 80% band"))
        ax.plot(x, band[0], color="tab:blue", label=t("model, median"))
        ax.plot(np.arange(1, len(obs) + 1), obs, color="black", marker=".", label=t("observed"))
        if key == "ever_active":
            ax.axvline(train_days / 7, color="grey", ls="--", lw=1)
        ax.legend(fontsize=8)
        _save(fig, fig_dir / f"{key}.png")
        out[key] = f"figures/{key}.png"
    if len(keys) >= 2 and len(post) >= 3:
        k = len(keys)
        # placed by hand: the constrained layout took twice as long as drawing
        fig, grid = plt.subplots(k, k, figsize=(2.2 * k, 2.2 * k), squeeze=False)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.08, top=0.93, wspace=0.35, hspace=0.35)
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
        fig.suptitle(t("Posterior: each parameter (diagonal) and each pair (size = weight)"))
        _save(fig, fig_dir / "posterior_pairs.png")
        out["pairs"] = "figures/posterior_pairs.png"
    return out


def backtest_words(bt: dict, fmt: Formatter | None = None) -> list[str]:
    fmt = fmt or Formatter()
    t, na = fmt.t, fmt.na

    def number(x):
        return _number(x, na)

    def pct(x):
        return _percent(x, na)

    if "model" not in bt:
        return [t("No days were held out ({note}), so the forecast is not checked against data. "
                  "Rerun with calibrate.forecast_days=<n> to backtest.", note=bt.get("note", ""))]
    m, base, band = bt["model"], bt["baselines"], bt.get("band", {})
    lines = [t("On the {days} held-out days the forecast's median misses the observed DAU by {rmse} people a day "
               "(RMSE; MAPE {mape}), and its 80% band holds {coverage} of the observed days.",
               days=bt["forecast_days"], rmse=number(m["rmse"]), mape=pct(m["mape"]), coverage=pct(m["coverage80"]))]
    if band:
        stacked = band.get("stacked_with")
        q = band.get("conformal_q", 0.0)
        said = dict(q=f"{abs(q):.2f}")
        rolled = band.get("rolling") if band.get("method") == "rolling_origins" else None
        if rolled:
            where = dict(n=len(rolled["origins"]), days=rolled["measured_to_day"])
            how = (t("Forecasting the training days from {n} earlier origins (up to {days} days ahead of each), "
                     "{baseline} did better than the twin (RMSE {rmse} against {twin_rmse}), so the forecast shown "
                     "is stacked: {twin} twin, {other} that baseline.", **where,
                     baseline=baseline_name(stacked, fmt), rmse=number(rolled["baselines"][stacked]),
                     twin_rmse=number(rolled["twin_rmse"]), twin=f"{band['twin_weight']:.0%}",
                     other=f"{1 - band['twin_weight']:.0%}")
                   if stacked else t("Forecasting the training days from {n} earlier origins (up to {days} days ahead "
                                     "of each), the twin did better than every baseline, so the forecast shown is "
                                     "the twin's.", **where))
            blocks = rolled["blocks"]
            moved = (t(" Its band is the twin's posterior spread moved out by {q} in log(1 + DAU)", **said) if q >= 0
                     else t(" Its band is the twin's posterior spread moved in by {q} in log(1 + DAU)", **said))
            missed = (t(" The twin missed them by {first} people a day in the first week ahead and by {last} in "
                        "days {start}–{end} ahead (RMSE).", first=number(blocks[0]["twin_rmse"]),
                        last=number(blocks[-1]["twin_rmse"]), start=blocks[-1]["from_day"], end=blocks[-1]["to_day"])
                      if len(blocks) > 1 else
                      t(" The twin missed them by {first} people a day (RMSE).", first=number(blocks[0]["twin_rmse"])))
            lines += ["", how + moved + t(
                " so that it would have held 80% of those days (conformal, out of sample: each origin using only the "
                "parameter sets accepted on the data before it and the people seen by then).") + missed]
        else:
            how = (t("On the last {days} training days {baseline} forecast better than the twin (RMSE {rmse} against "
                     "{twin_rmse}), so the forecast shown is stacked: {twin} twin, {other} that baseline.",
                     days=band["inner_days"], baseline=baseline_name(stacked, fmt),
                     rmse=number(band["inner_baselines"][stacked]["rmse"]), twin_rmse=number(band["inner_twin_rmse"]),
                     twin=f"{band['twin_weight']:.0%}", other=f"{1 - band['twin_weight']:.0%}")
                   if stacked else t("On the last {days} training days the twin forecast better than every baseline, "
                                     "so the forecast shown is the twin's.", days=band["inner_days"]))
            lines += ["", how + (t(" Its band is the twin's posterior spread widened by {q} in log(1 + DAU) so that it "
                                   "would have held 80% of those days (conformal).", **said) if q > 0 else
                                 t(" Its band is the twin's posterior spread: it held at least 80% of those days, "
                                   "and since the twin was fitted to them that is no reason to narrow it."))]
    lines += ["", *forecast_table(bt, fmt), ""]
    beaten = [baseline_name(k, fmt) for k, e in base.items() if math.isfinite(e["rmse"]) and e["rmse"] <= m["rmse"]]
    if not beaten:
        lines.append(t("The forecast beats every baseline on RMSE, statistical forecasters included."))
    else:
        lines.append(t("**The forecast does not beat every baseline**: {baselines} forecast at least as well. Trust "
                       "the model's what-ifs (relative effects) more than its level forecast, and see the figures for "
                       "where it departs from the data.", baselines=t("; ").join(beaten)))
    if bt.get("twin", {}).get("degenerate"):
        lines.append(t("**The twin's own band has no width on most held-out days: a degenerate posterior** (a "
                       "handful of parameter sets carry it; see its effective sample size above). The band shown "
                       "owes its width to the conformal step, not to the posterior."))
    if m["coverage80"] < 0.6:
        lines.append(t("The 80% band covers only {coverage} of the held-out days: the model is more "
                       "certain than it should be there (seed noise, the posterior's spread and the error measured on "
                       "the training days do not account for everything the community did).",
                       coverage=f"{m['coverage80']:.0%}"))
    return lines


def start_lines(today: dict | None, fmt: Formatter) -> list[str]:
    """Where what-ifs on the twin start: its people on the log's last day, and how smoothly it continues."""
    if not today or "members" not in today:
        return []
    t = fmt.t
    lines = ["## " + t("Where what-ifs start"), ""]
    replay = today.get("replay")
    if replay:
        lines.append(t("What-ifs with `calibration=` start on {date}, the day after the log. Each run first replays "
                       "the log's {days} days -- the twin's own simulation of them: its {people} people arriving on "
                       "the days they were first seen, with the fitted behaviour (and the run's posterior draw) -- "
                       "and goes on from the community that leaves, so its members, habits and churn are the "
                       "model's own and the what-if continues the twin's forecast. The log's end shows {members} "
                       "members (active in its last {left_after} days) and {prospects} prospects (people it names "
                       "who never took part).",
                       date=fmt.date(today["start_date"]) if today.get("start_date") else "?", days=replay["days"],
                       people=f"{replay['people']:,}", members=f"{today['members']:,}",
                       left_after=today["left_after"], prospects=f"{today['prospects']:,}"))
    elif "prospects" in today:
        left = today["people"] - today["members"] - today["prospects"]
        lines.append(t("What-ifs with `calibration=` start on {date}, the day after the log, from the twin as the "
                       "log leaves it: {members} members, {left} who left (not active in the last {left_after} "
                       "days) and {prospects} prospects -- people the log names who never took part, the only "
                       "people a recruiting plan (acquisition, referral) can bring in.",
                       date=fmt.date(today["start_date"]) if today.get("start_date") else "?", members=f"{today['members']:,}", left=f"{left:,}",
                       left_after=today["left_after"], prospects=f"{today['prospects']:,}"))
    gained = today.get("newcomers") or {}
    if gained.get("used"):
        lines.append(t("They gain {count} newcomers over the {days} days after the log, as the forecast does: "
                       "placeholder people arriving at the trend of first appearances ({rate} a day at the log's "
                       "end; a decline carried on, a rise held), each wired like someone first seen in its last "
                       "four weeks.", count=f"{gained['count']:,}", days=gained["days"], rate=f"{gained['rate']:.2g}"))
        if gained.get("asked", 0) > gained["count"]:
            lines.append(t("At that trend {asked} would arrive; at most {count} do (as many as the people seen for "
                           "every 91 days ahead, assumed), so after the last of them the community gains no one.",
                           asked=f"{gained['asked']:,}", count=f"{gained['count']:,}"))
    cont = today.get("continuity") or {}
    if cont.get("ratio") is not None:
        lines.append(t("Started so, its mean DAU over its first {days} days is {simulated}, against {observed} "
                       "over the log's last {days} days ({ratio}x).", days=cont["days"],
                       simulated=f"{cont['simulated_dau']:.3g}", observed=f"{cont['observed_dau']:.3g}",
                       ratio=f"{cont['ratio']:.2f}"))
    return lines + [""]


def write(folder: Path, data_lines: list[str], windows: dict, twin, screening: pd.DataFrame | None,
          params: dict, post_summary: dict, bt: dict, figs: dict, runs: int, language: str = "en") -> Path:
    """The calibration's report; ``data_lines`` (what the reader read) stay as the program wrote them
    (English, as on the terminal); the twin's ``notes`` are translated."""
    doc = Report(Formatter(language).t("Calibration: {name}", name=folder.name), language=language, translated=True)
    fmt, t = doc.fmt, doc.t

    def number(x):
        return _number(x, fmt.na)

    train, horizon = windows["train_days"], windows["forecast_days"]
    lines = [t("What was fitted, how well, and how far to trust it. Method and diagnostics: docs/calibration.md."), "",
             "## " + t("The data"), ""] + [f"    {line}" for line in data_lines] + [
             "", t("Fitted on days 0–{last_train}; days {first_held}–{last_held} held out for the backtest "
                   "(cut-off {cut_off}). Only data before the cut-off built the twin: {notes}.",
                   last_train=train - 1, first_held=train, last_held=train + horizon - 1,
                   cut_off=fmt.date(windows["cut_off"]), notes=t("; ").join(t(m, **v) for m, v in twin.notes)), ""]
    share = windows.get("newcomer_share")
    if isinstance(share, (int, float)) and math.isfinite(share) and (bt.get("newcomers") or {}).get("used"):
        lines += [t("{share} of the active days of the last four training weeks were by people first seen in them "
                    "(neither active nor named by anyone before); the forecast has the newcomers projected after "
                    "the cut-off (above), so it does not fall short for want of them.", share=f"{share:.0%}"), ""]
    elif isinstance(share, (int, float)) and math.isfinite(share):
        words = t("{share} of the active days of the last four training weeks were by people first seen in them "
                  "(neither active nor named by anyone before); the twin holds only the people seen before the "
                  "cut-off, so where new people keep appearing at that pace its forecast falls short by about that "
                  "share, more the further it looks.", share=f"{share:.0%}")
        lines += [f"**{words}**" if share >= NEWCOMER_WARN else words, ""]
    if screening is not None:
        lines += ["## " + t("Which parameters matter (screening)"), "",
                  t("How much of the distance's variation over a Latin-hypercube sample each candidate explains "
                    "(η², the correlation ratio: larger, it matters more here). The fitted ones are marked; the "
                    "rest stay at their documented defaults."), "",
                  "| " + " | ".join((t("parameter"), "η²", t("fitted"))) + " |", "|---|---|---|"]
        for _, r in screening.iterrows():
            lines.append(f"| `{r.parameter}` | {r.eta2:.3f} | {t('yes') if r.fitted else ''} |")
        lines.append("")
    lines += ["## " + t("The posterior"), "",
              t("{accepted} parameter sets accepted of {proposed} proposed (distance ≤ {tolerance}; effective "
                "sample size {ess}); {runs} simulations in all.", accepted=post_summary["accepted"],
                proposed=post_summary["proposed"], tolerance=f"{post_summary['tolerance']:.3f}",
                ess=f"{post_summary['effective_sample_size']:.0f}",
                runs=f"{runs:,}")]
    if post_summary["effective_sample_size"] < ESS_WARN:
        lines.append(t("**The posterior rests on few effective draws ({ess})**: its intervals and the forecast's "
                       "band are rougher than they look. Raise calibrate.runs, or fit fewer parameters "
                       "(calibrate.fit=<n>, the most influential of the screening).",
                       ess=f"{post_summary['effective_sample_size']:.0f}"))
    opened = (post_summary.get("generations") or [{}])[0].get("widened") or []
    if opened:
        lines.append(t("Opened towards their prior range, since the screening could not tell their effect from seed "
                       "noise: {keys}. Their intervals say what the prior says more than what the data say.",
                       keys=t(", ").join(f"`{k}`" for k in opened)))
    if post_summary.get("box_edges"):
        lines.append(t("**The posterior is cut by the box the search marked out** for {keys}: the accepted sets "
                       "reach a side of the box as densely as its middle, so the posterior would go on past it and "
                       "these intervals are narrower than the data allow. The band's coverage of the held-out days "
                       "(the backtest below) is the check on the forecast.",
                       keys=t(", ").join(f"`{k}`" for k in post_summary["box_edges"])))
    header = ("parameter", "median", "90% interval", "prior range", "note")
    lines += ["", "| " + " | ".join(t(h) for h in header) + " |", "|---|---|---|---|---|"]
    for key, p in params.items():
        note = t("**at the edge of its prior: the data push it outward; widen calibrate.priors and refit**") \
            if p["at_bound"] else ""
        lines.append(f"| `{key}` | {number(p['value'])} | {number(p['interval90'][0])} – "
                     f"{number(p['interval90'][1])} | {number(p['prior'][0])} – {number(p['prior'][1])} | {note} |")
    lines += ["", "## " + t("The backtest"), ""] + backtest_words(bt, fmt) + ["", "## " + t("Figures"), ""]
    captions = {"dau": t("Daily active people, observed (black) and the model's median and 80% band; the dashed line "
                         "is the cut-off."),
                "ever_active": t("People ever active by week, observed and simulated."),
                "retention": t("Weekly cohort retention, observed and simulated."),
                "pairs": t("The posterior: each fitted parameter and each pair.")}
    shown, fitted = getattr(figs, "pairs_of", (0, 0))
    if shown < fitted:
        captions["pairs"] = t("The posterior of {shown} of the {fitted} fitted parameters, each and each pair: the "
                              "responses to the campaigns first, then the ones the screening found most "
                              "influential. Every parameter is in the table above.", shown=shown, fitted=fitted)
    for key, path in figs.items():
        lines += [f"![{captions[key]}]({path})", "", f"*{captions[key]}*", ""]
    if language != "en" and figs and getattr(figs, "language", "en") != language:
        lines += [t("(The figures' labels are in English: no font with this language's letters is installed; "
                    "`make fonts` installs one.)") if figure_language(language)[0] == "en" else
                  t("(The figures' labels are in English.)"), ""]
    lines += start_lines(windows.get("today"), fmt)
    lines += ["## " + t("Using it"), "",
              t("`{command}` runs the comparison on this twin; each replicate uses its own posterior draw, so the "
                "intervals carry parameter uncertainty as well as seed noise. `calibrated.yaml` holds the twin and "
                "the draws; `posterior.parquet` one row per accepted parameter set with its weight; `forecast.csv` "
                "and `backtest.json` the numbers above.",
                command=" ".join(["commsim compare experiment=default_comparison", shell_override("calibration", folder),
                                  *([f"report.language={language}"] if language != "en" else [])])), ""]
    doc.markdown_block("\n".join(lines))
    return doc.write(folder)
