"""What the demo page draws: the network coloured by status, and three live charts.

Each view is a plain function of the model (Mesa's SolaraViz wraps it so it
re-renders after every Step) that draws a matplotlib figure into a PNG. The
``draw_*`` functions take an Axes so they can be used and tested without a page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.metrics import TIMESERIES_COLUMNS
from sim.population import Role, Status
from sim.segments import Segment, segments

PROSPECT, ACTIVE, DORMANT, CHURNED = range(4)
STATUS_NAMES = ("prospect", "active member", "dormant member", "left (lapsed)")
STATUS_COLOURS = ("#c9ccd1", "#2b9348", "#f4a261", "#d62828")
DPI = 80


def status_codes(model) -> np.ndarray:
    """Per person: 0 prospect (or not yet in the audience), 1 active member, 2 dormant member,
    3 lapsed (left; may come back).

    Dormant is the segment rule of docs/metrics.md (no activity for 14 days).
    """
    pop = model.population
    codes = np.full(pop.n, PROSPECT, np.int8)
    member = pop.status == Status.MEMBER
    dormant = segments(pop, model.day) == Segment.DORMANT
    codes[member] = ACTIVE
    codes[member & dormant] = DORMANT
    codes[pop.status == Status.LAPSED] = CHURNED
    return codes


def draw_network(model, ax, side=None) -> None:
    """The graph in its fixed layout, people coloured by status, KOLs as stars;
    the legend and the run's lever values go on ``side`` (an Axes) if given."""
    pos, graph = model.positions, model.graph
    codes = status_codes(model)
    src, dst = graph.ties()
    segs = np.stack([pos[src], pos[dst]], axis=1)
    ax.add_collection(LineCollection(segs, colors="#9aa0a6", linewidths=0.5, alpha=0.5, zorder=1))
    crowd = min(1.0, np.sqrt(100 / graph.n))  # smaller dots when there are many people
    size = crowd * (30 + 220 * np.sqrt(graph.degree / max(1, graph.degree.max())))
    kol = model.population.role == Role.KOL
    for code in range(4):
        ordinary = (codes == code) & ~kol
        ax.scatter(pos[ordinary, 0], pos[ordinary, 1], s=size[ordinary], c=STATUS_COLOURS[code],
                   edgecolors="white", linewidths=0.6, zorder=2)
        star = (codes == code) & kol
        ax.scatter(pos[star, 0], pos[star, 1], s=size[star] * 2.2, c=STATUS_COLOURS[code], marker="*",
                   edgecolors="black", linewidths=0.9, zorder=3)
    counts = np.bincount(codes, minlength=4)
    handles = [Line2D([], [], ls="", marker="o", ms=8, color=STATUS_COLOURS[c],
                      label=f"{STATUS_NAMES[c]} ({counts[c]})") for c in range(4)]
    handles.append(Line2D([], [], ls="", marker="*", ms=12, mfc="white", mec="black",
                          label=f"KOL ({int(kol.sum())})"))
    ax.set_title(f"Day {model.day}: {graph.n} people", fontsize=10)
    if side is not None:
        side.axis("off")
        side.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
        side.text(0.0, 0.0, settings_text(model), fontsize=7.5, va="bottom", color="#333", linespacing=1.5)
    ax.set_aspect("equal")
    pad = 0.08
    ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
    ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
    ax.axis("off")


def settings_text(model) -> str:
    """The lever values this model was built with (the sliders act on Reset)."""
    v = model.levers_set
    network = v["network"] if v["network"] == "karate" else f"{v['network']} ({v['people']})"
    events = f"every {v['event_every_days']} days" if v["event_every_days"] else "off"
    points = str(v["points_per_action"]) if v["points_per_action"] else "off"
    kols = f"{v['kols']} by {v['kol_method']}" if v["kols"] else "none"
    referral = str(v["referral_reward"]) if v["referral_reward"] else "off"
    winback = f"{v['winback_after_days']} days" if v["winback_after_days"] else "off"
    return "\n".join([
        "This run (sliders act on Reset):",
        f"network: {network}, seed {v['seed']}",
        f"posts/week: {v['posts_per_week']}",
        f"events: {events}",
        f"points/action: {points}",
        f"KOLs: {kols}",
        f"referral reward: {referral}",
        f"win-back after: {winback}",
        f"churn contagion: x{v['contagion']:g}",
    ])


def timeseries(model) -> pd.DataFrame:
    """The model's daily metrics; an empty frame with every column before the first step."""
    if model.day == 0:
        return pd.DataFrame({col: pd.Series(dtype=float) for col in TIMESERIES_COLUMNS})
    return model.timeseries()


def draw_members(ts, ax) -> None:
    ax.plot(ts["day"], ts["members"], color="#1d3557", label="members")
    ax.plot(ts["day"], ts["dau"], color="#2b9348", label="active today (DAU)")
    ax.set_title("Members and daily active users", fontsize=10)
    _finish(ax, "people")


def draw_flows(ts, ax) -> None:
    ax.plot(ts["day"], ts["joined"].cumsum(), color="#457b9d", label="joined (total)")
    ax.plot(ts["day"], ts["churned"].cumsum(), color="#d62828", label="churned (total)")
    ax.set_title("Joins vs churn", fontsize=10)
    _finish(ax, "people")


def draw_cost(model, ts, ax) -> None:
    names = [s.name for s in model.strategies]
    if names and len(ts):
        spend = np.array([[day.get(n, 0.0) for n in names] for day in model.spend_by_strategy]).cumsum(axis=0)
        ax.stackplot(ts["day"], spend.T, labels=names, alpha=0.8)
    else:
        ax.text(0.5, 0.5, "no strategy switched on: nothing spent", ha="center", va="center",
                transform=ax.transAxes, fontsize=9, color="#555")
    ax.set_title(f"Cost so far: {ts['cost'].sum() if len(ts) else 0:,.0f}", fontsize=10)
    _finish(ax, "money (cumulative)")


def _finish(ax, ylabel: str) -> None:
    ax.set_xlabel("day", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_xlim(0, max(30, ax.get_xlim()[1]))
    ax.set_ylim(0, max(1.0, ax.get_ylim()[1]))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False, loc="best")
    ax.grid(alpha=0.3)


def _figure(width: float, height: float):
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.9)
    return fig, fig.subplots()


def _show(fig, css_class: str):
    with solara.Column(classes=[css_class], style={"width": "100%"}):
        solara.FigureMatplotlib(fig, format="png", dpi=DPI)


def network_view(model):
    fig = Figure(figsize=(6.4, 4.4), dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 0.66, 0.93))
    side = fig.add_axes((0.67, 0.03, 0.32, 0.9))
    draw_network(model, ax, side)
    _show(fig, "commsim-network")


def members_chart(model):
    fig, ax = _figure(6.0, 3.4)
    draw_members(timeseries(model), ax)
    _show(fig, "commsim-members")


def flows_chart(model):
    fig, ax = _figure(6.0, 3.4)
    draw_flows(timeseries(model), ax)
    _show(fig, "commsim-flows")


def cost_chart(model):
    fig, ax = _figure(6.0, 3.4)
    draw_cost(model, timeseries(model), ax)
    _show(fig, "commsim-cost")


VIEWS = [network_view, members_chart, flows_chart, cost_chart]
