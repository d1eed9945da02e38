"""Win-back (召回): message dormant members to bring them back.

Each campaign day (``start_day`` <= day < ``end_day``), members last active between ``dormant_days`` and
``max_dormant_days`` days ago who were not messaged in the last
``every_days`` days and have had fewer than ``max_messages`` messages in this
dormant spell get a message (in common-random-number order, as many as the
budget covers). The first message of a dormant spell adds ``uplift`` to the
member's activity log-odds that day (lever ``activity_uplift``), each repeat
``wear_out`` times less than the one before (messages wear out) and counts as one operator message
(lever ``messages``), which adds fatigue (``behaviour.state.message_annoyance``):
over-messaging annoys, and fatigue raises churn.

Cost: ``cost_per_message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from sim.params import param, prob
from sim.population import NEVER, Status
from strategies.base import Strategy, window_problems
from strategies.registry import register


@dataclass
class WinBackParams:
    dormant_days: int = param(14, "days without activity before a member is messaged", ge=1)
    max_dormant_days: Optional[int] = param(90, "members dormant longer are given up on (null = never)", ge=1)
    every_days: int = param(7, "days between messages to the same member", ge=1)
    max_messages: int = param(3, "messages per dormant spell", ge=1)
    uplift: float = param(1.5, "activity log-odds the first message of a spell adds on the day", ge=0)
    wear_out: float = prob(0.5, "each earlier message in the spell multiplies a message's pull by this")
    cost_per_message: float = param(0.2, "money per message", ge=0)
    start_day: int = param(1, "first day of the campaign", ge=1)
    end_day: Optional[int] = param(None, "day the campaign stops (null = never)", ge=1)

    def check(self) -> list[str]:
        problems = []
        if self.max_dormant_days is not None and self.max_dormant_days < self.dormant_days:
            problems.append(f"max_dormant_days: {self.max_dormant_days} is below dormant_days ({self.dormant_days})")
        return problems + window_problems(self.start_day, self.end_day, "campaign")


@register
class WinBack(Strategy):
    name = "winback"
    Params = WinBackParams

    results = {"messages": "win-back messages sent today"}

    def setup(self, ctx) -> None:
        n = ctx.n
        self.last_message = np.full(n, NEVER, np.int32)
        self.spell_messages = np.zeros(n, np.int16)
        self.sent = 0

    def before_day(self, ctx) -> None:
        p, pop, day = self.params, ctx.population, ctx.day
        if day < p.start_day or (p.end_day is not None and day >= p.end_day):
            return
        came_back = pop.last_active_day >= self.last_message  # answered (even on the message day)
        self.spell_messages[came_back & (self.spell_messages > 0)] = 0
        # idle days as of the end of yesterday (today's activity is not known yet); a newcomer
        # who was never active counts from joining, as in sim/segments.py
        since = (day - 1) - np.maximum(pop.last_active_day, pop.join_day)
        eligible = (
            (pop.status == Status.MEMBER)
            & (since >= p.dormant_days)
            & (day - self.last_message >= p.every_days)
            & (self.spell_messages < p.max_messages)
        )
        if p.max_dormant_days is not None:
            eligible &= since <= p.max_dormant_days
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            return
        k = ctx.ledger.spend_units(p.cost_per_message, candidates.size)
        chosen = ctx.pick("order", candidates, k)
        self.last_message[chosen] = day
        self.spell_messages[chosen] += 1
        self.sent += int(chosen.size)
        pull = p.uplift * np.power(p.wear_out, self.spell_messages[chosen] - 1.0)
        ctx.levers.messages[chosen] += 1.0
        ctx.levers.activity_uplift[chosen] += pull.astype(np.float32)
        ctx.record("messages", chosen.size)
