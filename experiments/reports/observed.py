"""The report of ``experiments.observe``: a community's own numbers, dated, in a strategist's words."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from commsim.experiments.cli import shell_override  # noqa: E402
from commsim.experiments.reports.kit import Formatter, Report  # noqa: E402
from commsim.experiments.runner.figures import axes  # noqa: E402
from commsim.experiments.runner.outputs import atomic_write  # noqa: E402

MAU_HISTORY = 30  # DAU/MAU is read once a month of history lies behind the day


def _x(table: pd.DataFrame, t):
    """The figures' x axis: dates when the log has them, else day numbers."""
    if str(table.date.iloc[0]).startswith("day "):
        return table.date.str.slice(4).astype(int), t("day of the log")
    return pd.to_datetime(table.date), t("date")


def _save(fig, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def figures(folder: Path, table: pd.DataFrame, cohorts: pd.DataFrame, language: str = "en") -> dict[str, str]:
    """The observation's figures, labelled in ``language`` where a font can draw it (else English)."""
    from commsim.experiments.reports.kit import Formatter
    from commsim.experiments.runner.figures import figure_language

    drawn, rc = figure_language(language)
    t = Formatter(drawn).t
    with matplotlib.rc_context(rc):
        return _figures(folder, table, cohorts, t)


def _figures(folder: Path, table: pd.DataFrame, cohorts: pd.DataFrame, t) -> dict[str, str]:
    fig_dir = folder / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    x, xlabel = _x(table, t)
    out = {}
    fig, ax = axes(t("Active people: daily, weekly, monthly"), t("people"), xlabel, size=(9, 4.2))
    for col, label in (("mau", t("MAU (active in the last 30 days)")), ("wau", t("WAU (last 7 days)")),
                       ("dau", t("DAU"))):
        ax.plot(x, table[col], label=label, lw=1.2 if col == "dau" else 1.6)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    _save(fig, fig_dir / "activity.png")
    out["activity"] = "figures/activity.png"
    fig, ax = axes(t("Who was active each day: first-timers and returning people"), t("people"), xlabel, size=(9, 4.2))
    ax.stackplot(x, table.returning, table.new, labels=[t("returning"), t("new (first active day)")],
                 colors=["tab:blue", "tab:orange"], alpha=0.8)
    ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    _save(fig, fig_dir / "new_returning.png")
    out["new_returning"] = "figures/new_returning.png"
    weeks = [c for c in cohorts.columns if c.startswith("week_")]
    shown = cohorts[cohorts[weeks].notna().any(axis=1)]
    if len(shown) and weeks:
        grid = shown[weeks].to_numpy(float)
        fig, ax = axes(t("Weekly cohort retention: share of each week's newcomers active k weeks later"),
                       t("cohort (week of first activity)"), t("weeks after the first active day"),
                       size=(9, 1.6 + 0.28 * len(shown)))
        image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(len(weeks)), [w.split("_")[1] for w in weeks])
        ax.set_yticks(range(len(shown)), [f"{c} ({n})" for c, n in zip(shown.cohort_start, shown.people)], fontsize=7)
        ax.grid(False)
        fig.colorbar(image, ax=ax, label=t("share active"))
        _save(fig, fig_dir / "retention.png")
        out["retention"] = "figures/retention.png"
    return out


def headline(table: pd.DataFrame, curve: pd.DataFrame, fmt) -> list[tuple[str, str]]:
    """The numbers a strategist reads first, as (what, value) rows."""
    from commsim.sim.observed import dau_over_mau, life_cycle

    t = fmt.t
    n = len(table)
    last = table.tail(min(30, n))
    cycle = life_cycle(pd.DataFrame({"day": np.arange(n), "dau": table.dau}))
    peak, top = cycle["peak_day"], cycle["peak_dau_7d"]
    later = n > 2 * MAU_HISTORY
    ratio = dau_over_mau(table)
    rows = [(t("period"), t("{first} to {last} ({days} days)", first=fmt.date(table.date.iloc[0]),
                            last=fmt.date(table.date.iloc[-1]), days=f"{n:,}")),
            (t("people active at least once"), f"{int(table.cumulative_people.iloc[-1]):,}"),
            (t("mean DAU, last {n} days", n=len(last)), f"{last.dau.mean():,.1f}"),
            (t("WAU / MAU on the last day"), f"{int(table.wau.iloc[-1]):,} / {int(table.mau.iloc[-1]):,}"),
            (t("DAU/MAU (stickiness), mean after the first month") if later
             else t("DAU/MAU (stickiness), mean"), f"{ratio:.2f}"),
            (t("busiest week (7-day mean DAU)"), t("{value} around {date}", value=f"{top:,.1f}",
                                                   date=fmt.date(table.date.iloc[peak]))),
            (t("last {n} days against that peak", n=len(last)),
             f"{cycle['last30_over_peak']:.0%}" if top > 0 else fmt.na),
            (t("newcomers in the last {n} days", n=len(last)), f"{int(last.new.sum()):,}")]
    for k in (1, 4):
        row = curve[curve.week == k]
        value = (t("{share} of {people} newcomers", share=f"{row.retention.iloc[0]:.0%}",
                   people=f"{int(row.eligible.iloc[0]):,}") if len(row)
                 else t("not yet measurable (the log is too short)"))
        rows.append((t("week-{k} retention (active in their week {k})", k=k), value))
    return rows


def write(folder: Path, settings, read, table: pd.DataFrame, cohorts: pd.DataFrame, curve: pd.DataFrame) -> Path:
    language = settings.report.language
    figs = figures(folder, table, cohorts, language)
    doc = Report(Formatter(language).t("Your community's own numbers: {name}", name=folder.name), language=language,
                 translated=True)
    t, fmt = doc.t, doc.fmt
    doc.paragraph(t("What the export says, measured with the same definitions the model's outputs use "
                    "(docs/metrics.md, *Observed metrics*); no model is involved."))
    doc.section(t("What was read"))
    doc.markdown_block("\n".join(f"    {line}" for line in read.lines()))
    if read.warnings:
        doc.paragraph(t("**Check**: {warnings}.", warnings=t("; ").join(t(m, **v) for m, v in read.notes)))
    if settings.day_start == "first":
        doc.paragraph(t("Days are 24-hour blocks from the first action; each is dated by the day it starts on. "
                        "For calendar days in your time zone, add day_start=midnight timezone=<zone>."))
    doc.section(t("In numbers"))
    doc.table(["", t("value")], headline(table, curve, fmt))
    doc.section(t("Figures"))
    captions = {"activity": t("Daily, weekly and monthly active people."),
                "new_returning": t("Each day's active people: first-timers on top of those who came back."),
                "retention": t("Weekly cohort retention (brighter: more of the cohort active; blank: not over yet).")}
    for key, path in figs.items():
        doc.figure(path, captions[key])
    if language != "en" and figure_language_used(language) == "en":
        doc.paragraph(t("(The figures' labels are in English: no font with this language's letters is installed; "
                        "`make fonts` installs one.)"))
    weeks = [c for c in cohorts.columns if c.startswith("week_")]
    doc.section(t("Cohort retention"))
    doc.paragraph(t("Each row: the people whose first active day fell in that week, and the share of them active "
                    "in their own week k after it (blank: week k is not over for the whole cohort yet). "
                    "`retention.csv` holds every cohort."))
    rows = [[fmt.date(c["cohort_start"]), f"{c['people']:,}",
             *("" if not math.isfinite(c[w]) else f"{c[w]:.0%}" for w in weeks[:8])]
            for c in cohorts.to_dict("records")]
    doc.table([t("cohort"), t("people"), *[t("week {k}", k=w.split("_")[1]) for w in weeks[:8]]], rows)
    doc.section(t("Next"))
    defaults = {"timezone": "UTC", "day_start": "first", "time_unit": "auto", "header": None, "delimiter": None}
    words = [shell_override("calibrate.log", settings.log),
             *(shell_override(f"calibrate.{k}", getattr(settings, k)) for k in defaults
               if getattr(settings, k) != defaults[k]),
             *(shell_override(f"calibrate.columns.{role}", name) for role, name in settings.columns.given().items()),
             *([f"report.language={language}"] if language != "en" else [])]
    command = "commsim calibrate " + " ".join(words)
    doc.paragraph(t("Fit a twin to this export (docs/calibration.md): `{command}`", command=command))
    doc.paragraph(t("Files: `observed.csv` (date, dau, wau, mau, new, returning, cumulative_people), `retention.csv`, "
                    "`read.txt` (what was read), `figures/`."))
    return doc.write(folder)


def figure_language_used(language: str) -> str:
    from commsim.experiments.runner.figures import figure_language

    return figure_language(language)[0]
