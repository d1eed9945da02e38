"""The demo's sliders and selectors, and how each becomes a Hydra override of configs/.

One table (:data:`LEVERS`) drives both the page (experiments/demo/app.py draws a
slider or selector per lever) and the model (:func:`overrides`), so a slider can't drift from the
config key it sets. A strategy lever at 0 leaves that strategy out of the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from commsim.agents.churn import ChurnParams
from commsim.strategies.content import ContentParams
from commsim.strategies.kol import METHODS

NETWORKS = ("karate", "barabasi_albert", "watts_strogatz", "stochastic_block", "erdos_renyi")
MAX_PEOPLE = 500  # the network view stays readable (and each step fast) up to here

# Fixed for the classroom: a visible core of members on day 0, a year at most,
# no budget cap (the cost chart shows what the levers cost).
BASE_OVERRIDES = (
    "plan=baseline",
    "plan.name=classroom",
    "population.initial_member_share=0.25",
    "days=365",
)


@dataclass(frozen=True)
class Lever:
    name: str  # keyword of DemoModel
    label: str  # what the page shows
    default: object
    to_overrides: Callable[[object, dict], list[str]]
    strategy: str | None = None  # plan member switched on when the value is non-zero
    min: float | None = None
    max: float | None = None
    step: float | None = None
    values: tuple = field(default=())


def _set(*keys: str):
    return lambda value, _: [f"{key}={value}" for key in keys]


def _people(value, values) -> list[str]:
    return [] if values["network"] == "karate" else [f"network.n={value}"]


LEVERS: tuple[Lever, ...] = (
    Lever("network", "Network", "karate", lambda v, _: [f"network={v}"], values=NETWORKS),
    Lever("people", "People (generated networks)", 200, _people, min=30, max=MAX_PEOPLE, step=10),
    Lever("seed", "Random seed (the same seed, the same run; another seed, another roll of the dice)", 0,
          _set("seed"), min=0, max=20, step=1),
    Lever("posts_per_week", "Posts per week", int(ContentParams.posts_per_week), _set("strategies.content.posts_per_week"),
          strategy="content", min=0, max=42, step=1),
    Lever("event_every_days", "Event every N days (0 = none)", 0, _set("strategies.events.every_days"),
          strategy="events", min=0, max=90, step=1),
    Lever("points_per_action", "Points per action (0 = no programme)", 0, _set("strategies.incentive.points_per_action"),
          strategy="incentive", min=0, max=50, step=5),
    Lever("kols", "Number of KOLs", 0, _set("strategies.kol.k"), strategy="kol", min=0, max=10, step=1),
    Lever("kol_method", "How KOLs are chosen", "degree", _set("strategies.kol.method"), values=METHODS),
    Lever("referral_reward", "Referral reward, CNY (each side)", 0,
          _set("strategies.referral.inviter_reward", "strategies.referral.invitee_reward"),
          strategy="referral", min=0, max=20, step=1),
    Lever("winback_after_days", "Win-back after N dormant days (0 = off)", 0, _set("strategies.winback.dormant_days"),
          strategy="winback", min=0, max=60, step=1),
    Lever("contagion", "Churn contagion (x hazard per churned friend)", float(ChurnParams.contagion),
          _set("behaviour.churn.contagion"), min=1.0, max=4.0, step=0.1),
)
BY_NAME = {lever.name: lever for lever in LEVERS}
DEFAULTS = {lever.name: lever.default for lever in LEVERS}


def overrides(values: dict) -> list[str]:
    """Hydra overrides of configs/ for these lever values (missing ones take their defaults)."""
    unknown = set(values) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown demo lever(s) {sorted(unknown)}; known: {sorted(BY_NAME)}")
    values = {**DEFAULTS, **values}
    if values["network"] not in NETWORKS:
        raise ValueError(f"network must be one of {NETWORKS}, got {values['network']!r}")
    for lever in LEVERS:  # what a slider cannot reach, a crafted request must not either (20,000 people
        value = values[lever.name]  # took a minute of layout with every tab of the class frozen)
        if lever.values and value not in lever.values:
            raise ValueError(f"{lever.name} must be one of {lever.values}, got {value!r}")
        if lever.min is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not lever.min - 1e-9 <= value <= lever.max + 1e-9):
            raise ValueError(f"{lever.name} must be a number from {lever.min:g} to {lever.max:g}, got {value!r}")
    out = list(BASE_OVERRIDES)
    plan = []
    for lever in LEVERS:
        value = values[lever.name]
        if lever.strategy is not None:
            if not value:
                continue
            plan.append(lever.strategy)
        out += lever.to_overrides(value, values)
    out.append(f"plan.strategies=[{','.join(plan)}]")
    return out
