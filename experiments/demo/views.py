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
from commsim.experiments.reports.kit import Formatter
from commsim.sim.population import Role, Status
from commsim.sim.segments import Segment, segments

ENGLISH = Formatter("en").t  # a view's words when no language is given (tests, the Python API)

PROSPECT, ACTIVE, DORMANT, CHURNED = range(4)
STATUS_NAMES = ("prospect", "member, active in the last 14 days", "dormant member (14+ days)",
                "left (lapsed; may return)")
# Okabe & Ito's colour-blind-safe palette (bluish green, orange, vermillion); prospects a grey dark enough
# to survive a projector
STATUS_COLOURS = ("#a3a8b0", "#009e73", "#e69f00", "#d55e00")
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


def settings_text(model, t=ENGLISH) -> str:
    """The lever values this model was built with (the sliders act on Reset), in the words of ``t``."""
    v = model.levers_set
    off = t("off")
    network = v["network"] if v["network"] == "karate" else f"{v['network']} ({v['people']})"
    events = t("every {n} days", n=v["event_every_days"]) if v["event_every_days"] else off
    points = str(v["points_per_action"]) if v["points_per_action"] else off
    kols = t("{n} by {method}", n=v["kols"], method=v["kol_method"]) if v["kols"] else t("none")
    referral = str(v["referral_reward"]) if v["referral_reward"] else off
    winback = t("{n} days", n=v["winback_after_days"]) if v["winback_after_days"] else off
    return "\n".join([
        t("This run (sliders act on Reset):"),
        t("network: {network}, seed {seed}", network=network, seed=v["seed"]),
        t("posts/week: {value}", value=v["posts_per_week"]),
        t("events: {value}", value=events),
        t("points/action: {value}", value=points),
        t("KOLs: {value}", value=kols),
        t("referral reward: {value}", value=referral),
        t("win-back after: {value}", value=winback),
        t("churn contagion: x{value}", value=f"{v['contagion']:g}"),
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
def NetworkView(model, day: int, t=ENGLISH):
    """The graph in its fixed layout, people coloured by status, KOLs as stars, with a legend."""
    edges = solara.use_memo(lambda: network_edges(model.positions, *model.graph.ties(), NETWORK_BOX),
                            dependencies=[model])
    codes = status_codes(model)
    kol = model.population.role == Role.KOL
    nodes = network_nodes(model.positions, codes, node_sizes(model), kol, STATUS_COLOURS, NETWORK_BOX)
    counts = np.bincount(codes, minlength=4)
    with solara.Column(classes=["commsim-network"], gap="4px"):
        solara.HTML(tag="h3", unsafe_innerHTML=escape(t("The community: {n} people", n=model.graph.n)))
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
                    f'margin-right: 8px"></span>{escape(t(STATUS_NAMES[c]))}: <b>{counts[c]}</b></div>' for c in range(4))
                legend += (f'<div style="font-size: 16px; margin: 3px 0">&#9733; KOL: <b>{int(kol.sum())}</b>'
                           f'</div>')
                solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["commsim-legend"])
                solara.HTML(tag="div", unsafe_innerHTML=escape(settings_text(model, t)).replace("\n", "<br>"),
                            classes=["commsim-settings"], style="font-size: 15px; margin-top: 12px; line-height: 1.5")


@solara.component
def MembersChart(model, day: int, t=ENGLISH):
    svg = line_chart(t("Members and daily active users"),
                     [Series(t("members"), "#1d3557", daily(model, "members")),
                      Series(t("active today (DAU)"), STATUS_COLOURS[1], daily(model, "dau"))],
                     t("people"), model.cfg.days, t("day"))
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["commsim-members"])


@solara.component
def FlowsChart(model, day: int, t=ENGLISH):
    svg = line_chart(t("Joins vs churn (running totals)"),
                     [Series(t("joined"), "#457b9d", np.cumsum(daily(model, "joined"))),
                      Series(t("churned"), STATUS_COLOURS[3], np.cumsum(daily(model, "churned")))],
                     t("people"), model.cfg.days, t("day"))
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["commsim-flows"])


CHART_COLOURS = ("#e76f51", "#2a9d8f", "#e9c46a", "#264653", "#8338ec", "#3a86ff", "#ff006e", "#fb8500")


@solara.component
def CostChart(model, day: int, t=ENGLISH):
    names = [s.name for s in model.strategies]
    spent = model.spend_by_strategy
    series = [Series(name, CHART_COLOURS[i % len(CHART_COLOURS)], np.cumsum([d.get(name, 0.0) for d in spent]))
              for i, name in enumerate(names)]
    total = sum(sum(d.values()) for d in spent)
    title = (t("Cost so far: {total} CNY", total=f"{total:,.0f}") if names
             else t("Cost so far: 0 (no strategy switched on)"))
    svg = line_chart(title, series, t("CNY (cumulative)"), model.cfg.days, t("day"), stacked=True)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["commsim-cost"])


VIEWS = (NetworkView, MembersChart, FlowsChart, CostChart)
