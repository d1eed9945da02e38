"""The day plan: the fixed, documented order of one simulated day.

``DAY_PLAN`` is an inspectable tuple of stages; :class:`sim.model.CommunityModel`
runs them in this order every step. Each stage is a function of the model.
Decisions within a day read yesterday's social state (who was active, who was
reached by a share), so the order in which people are processed never matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from agents.actions import act
from agents.activity import decide_activity
from agents.churn import churn
from agents.joining import join
from agents.state import update_state


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable
    doc: str


def strategies_before(model) -> None:
    model.levers.reset()
    for strategy in model.strategies:
        strategy.before_day(model)
    model.apply_role_changes()


def strategies_after(model) -> None:
    for strategy in model.strategies:
        strategy.after_day(model)


DAY_PLAN: tuple[Stage, ...] = (
    Stage("levers", strategies_before, "strategies set today's levers (content, events, rewards, messages, perks)"),
    Stage("join", join, "prospects join: network Bass hazard, word of mouth, accepted invites"),
    Stage("activity", decide_activity, "members decide to be active (logistic in habit, friends, content, fatigue)"),
    Stage("act", act, "active members post, interact, share (cascades), invite, buy"),
    Stage("state", update_state, "habit, fatigue and satisfaction update"),
    Stage("churn", churn, "members churn: hazard from inactivity, satisfaction, fatigue, churned friends"),
    Stage("observe", strategies_after, "strategies observe the outcome and pay rewards"),
)


def describe() -> str:
    """The day plan as numbered lines (for docs and ``--describe``)."""
    return "\n".join(f"{i}. {s.name}: {s.doc}" for i, s in enumerate(DAY_PLAN, start=1))
