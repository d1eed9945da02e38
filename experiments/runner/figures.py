"""Figures of one run: members, DAU/WAU/MAU, joins vs churn, retention curve."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from pathlib import Path  # noqa: E402


# fonts with Chinese glyphs, in order of preference (Debian's, then the usual desktop ones)
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC",
             "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC")
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def cjk_font() -> str | None:
    """An installed font that draws Chinese (``make fonts`` installs one), or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in names), None)
    if found is not None:
        return found
    for path in FONT_FILES:  # installed after matplotlib built its font cache: add the file, use its name
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def figure_language(language: str):
    """The language figure labels can be drawn in, and the matplotlib settings that draw it: Chinese
    needs a font with its glyphs; without one the labels stay in English (never boxes)."""
    if language == "zh":
        font = cjk_font()
        if font:
            return "zh", {"font.sans-serif": [font, "DejaVu Sans"], "axes.unicode_minus": False}
    return "en", {}


# A run's figures: one 7 x 4 in. axes each, with margins fixed instead of solved by matplotlib's
# constrained layout, which took about half of the time of drawing and saving them (~0.3 s of a
# run's ~0.75 s; a 2,000-person run simulates 60 days in ~0.4 s). Wide enough for six-digit tick
# labels (matplotlib writes larger numbers with a x1e6 offset): tests/test_run_figures.py checks that
# no text leaves the canvas.
RUN_MARGINS = {"left": 0.125, "right": 0.97, "bottom": 0.12, "top": 0.92}


def axes(title: str, ylabel: str, xlabel: str = "day", size=(7, 4), margins: dict | None = None):
    """A titled, labelled, gridded figure (shared by run figures and reports): laid out by
    matplotlib's constrained layout, or with fixed ``margins`` (``subplots_adjust``'s keys)."""
    fig, ax = plt.subplots(figsize=size, layout=None if margins else "constrained")
    if margins:
        fig.subplots_adjust(**margins)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig, ax


def run_figures(result) -> dict:
    ts = result.timeseries
    plan = result.config.plan.name
    figs = {}

    fig, ax = axes(f"Members ({plan})", "people", margins=RUN_MARGINS)
    ax.plot(ts["day"], ts["members"], label="members")
    ax.plot(ts["day"], ts["churned_total"], label="churned (cumulative)", color="tab:red")
    ax.legend()
    figs["members"] = fig

    fig, ax = axes(f"Daily, weekly, monthly active members ({plan})", "active members", margins=RUN_MARGINS)
    for col, label in (("mau", "MAU (active in last 30 days)"), ("wau", "WAU (last 7 days)"), ("dau", "DAU (today)")):
        ax.plot(ts["day"], ts[col], label=label)
    ax.legend()
    figs["active"] = fig

    fig, ax = axes(f"Joins vs churn per day ({plan})", "people per day", margins=RUN_MARGINS)
    ax.plot(ts["day"], ts["joined"], label="joined", color="tab:green")
    ax.plot(ts["day"], ts["churned"], label="churned", color="tab:red")
    ax.plot(ts["day"], ts["referral_joins"], label="of which by referral", color="tab:olive", lw=0.8)
    ax.legend()
    figs["joins_vs_churn"] = fig

    ret = result.retention
    fig, ax = axes(f"Rolling retention of new members ({plan})", "share active again on or after day N",
                   "days since joining (N)", margins=RUN_MARGINS)
    ax.plot(ret["days_since_join"], ret["retention"], marker=".", ms=3)
    ax.set_ylim(0, 1.02)
    figs["retention"] = fig

    spend = result.spend.drop(columns="day")
    if spend.shape[1] and spend.to_numpy().sum() > 0:
        fig, ax = axes(f"Money spent, cumulative, by strategy ({plan})", "money spent", margins=RUN_MARGINS)
        for name in spend.columns:
            ax.plot(result.spend["day"], spend[name].cumsum(), label=name, lw=1)
        if spend.shape[1] > 1:
            ax.plot(result.spend["day"], spend.sum(axis=1).cumsum(), color="black", lw=1.6, label="total")
        budget = result.config.plan.budget
        if budget is not None:
            ax.axhline(budget, color="grey", ls="--", lw=1, label=f"budget ({budget:,.0f})")
        ran_out = result.summary.get("budget_exhausted_day")
        if ran_out is not None:
            ax.axvline(ran_out, color="tab:red", ls=":", lw=1.2, label=f"budget ran out (day {ran_out})")
        ax.legend(fontsize=8)
        figs["spend"] = fig

    for f in figs.values():
        plt.close(f)
    return figs
