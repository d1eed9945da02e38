"""What the demo page draws: the network coloured by status, and three live charts.

Each view is a Solara component of the model and the day on screen; it draws SVG
(:mod:`experiments.demo.svg`), which costs the server about a millisecond per day where
the matplotlib PNGs of wave 1 cost ~0.7 s. The ties are drawn once per community (they
never move), the people on every day.
"""

from __future__ import annotations

from html import escape

import numpy as np
import solara

from commsim.experiments.demo.svg import Series, line_chart, network_edges, network_nodes
from commsim.sim.population import Role, Status
from commsim.sim.segments import Segment, segments

PROSPECT, ACTIVE, DORMANT, CHURNED = range(4)
STATUS_NAMES = ("prospect", "member, active in the last 14 days", "dormant member (14+ days)", "left (lapsed; may return)")
STATUS_COLOURS = ("#c9ccd1", "#2b9348", "#f4a261", "#d62828")
NETWORK_BOX = 520  # viewBox side of the network drawing


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


def daily(model, column: str) -> list:
    """The model's daily values of one metric so far (docs/metrics.md), without building a DataFrame."""
    if model.day == 0:
        return []
    return model.datacollector.tables["daily"][column]


def node_sizes(model) -> np.ndarray:
    """Radius per person: bigger dots have more friends; smaller overall when there are many people."""
    graph = model.graph
    crowd = min(1.0, np.sqrt(100 / graph.n))
    return crowd * (4.0 + 9.0 * np.sqrt(graph.degree / max(1, graph.degree.max())))


@solara.component
def NetworkView(model, day: int):
    """The graph in its fixed layout, people coloured by status, KOLs as stars, with a legend."""
    edges = solara.use_memo(lambda: network_edges(model.positions, *model.graph.ties(), NETWORK_BOX),
                            dependencies=[model])
    codes = status_codes(model)
    kol = model.population.role == Role.KOL
    nodes = network_nodes(model.positions, codes, node_sizes(model), kol, STATUS_COLOURS, NETWORK_BOX)
    counts = np.bincount(codes, minlength=4)
    with solara.Column(classes=["commsim-network"], gap="4px"):
        solara.HTML(tag="h3", unsafe_innerHTML=f"The community: {model.graph.n} people")
        with solara.Row(gap="16px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Div(classes=["commsim-drawing"],
                            style={"display": "grid", "width": "100%", "max-width": "520px"}):
                # two layers in one grid cell (CSS in app.py): the ties, sent once, and the people
                solara.HTML(tag="div", unsafe_innerHTML=edges)
                solara.HTML(tag="div", unsafe_innerHTML=nodes)
            with solara.Column(gap="2px", style={"min-width": "220px"}):
                legend = "".join(
                    f'<div style="font-size: 16px; margin: 3px 0"><span style="display: inline-block; '
                    f'width: 14px; height: 14px; border-radius: 7px; background: {STATUS_COLOURS[c]}; '
                    f'margin-right: 8px"></span>{STATUS_NAMES[c]}: <b>{counts[c]}</b></div>' for c in range(4))
                legend += (f'<div style="font-size: 16px; margin: 3px 0">&#9733; KOL: <b>{int(kol.sum())}</b>'
                           f'</div>')
                solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["commsim-legend"])
                solara.HTML(tag="div", unsafe_innerHTML=escape(settings_text(model)).replace("\n", "<br>"),
                            classes=["commsim-settings"], style="font-size: 15px; margin-top: 12px; line-height: 1.5")


@solara.component
def MembersChart(model, day: int):
    svg = line_chart("Members and daily active users",
                     [Series("members", "#1d3557", daily(model, "members")),
                      Series("active today (DAU)", "#2b9348", daily(model, "dau"))],
                     "people", model.cfg.days)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["commsim-members"])


@solara.component
def FlowsChart(model, day: int):
    svg = line_chart("Joins vs churn (running totals)",
                     [Series("joined", "#457b9d", np.cumsum(daily(model, "joined"))),
                      Series("churned", "#d62828", np.cumsum(daily(model, "churned")))],
                     "people", model.cfg.days)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["commsim-flows"])


CHART_COLOURS = ("#e76f51", "#2a9d8f", "#e9c46a", "#264653", "#8338ec", "#3a86ff", "#ff006e", "#fb8500")


@solara.component
def CostChart(model, day: int):
    names = [s.name for s in model.strategies]
    spent = model.spend_by_strategy
    series = [Series(name, CHART_COLOURS[i % len(CHART_COLOURS)], np.cumsum([d.get(name, 0.0) for d in spent]))
              for i, name in enumerate(names)]
    total = sum(sum(d.values()) for d in spent)
    title = f"Cost so far: {total:,.0f} CNY" if names else "Cost so far: 0 (no strategy switched on)"
    svg = line_chart(title, series, "CNY (cumulative)", model.cfg.days, stacked=True)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["commsim-cost"])


VIEWS = (NetworkView, MembersChart, FlowsChart, CostChart)
