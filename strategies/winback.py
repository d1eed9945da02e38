"""Win-back (召回): message people who went quiet to bring them back.

Each campaign day (``start_day`` <= day < ``end_day``), members last active between ``dormant_days`` and
``max_dormant_days`` days ago -- and, with ``include_lapsed``, people who already left
(lapsed) within that window -- who were not messaged in the last
``every_days`` days and have had fewer than ``max_messages`` messages in this
dormant spell get a message (in common-random-number order, as many as the
budget covers). The first message of a dormant spell adds ``uplift`` to the
member's activity log-odds that day (lever ``activity_uplift``), each repeat
``wear_out`` times less than the one before (messages wear out) and counts as one operator message
(lever ``messages``), which adds fatigue (``behaviour.state.message_annoyance``):
over-messaging annoys, and fatigue raises churn. A lapsed person who is active again has
come back (a member again, counted in ``returned``).

What the default does (``assumed`` magnitudes): a message multiplies the odds of being active
on that day by e^uplift ≈ 4.5 for a quiet member and e^lapsed_uplift ≈ 20 for someone who
lapsed. On the default community (30,000 people, 6 paired seeds), of the people who went quiet
(members idle 14–90 days and people who lapsed within 14–90 days), 10.7% are active again
within a week of the campaign's start against 7.6% without it, and 18.3% against 16.5% within
30 days -- a modest effect: most quiet people have already lapsed, and people who left rarely
come back. ``tests/test_strategies.py::test_winback_raises_30_day_reactivation`` checks the
direction on every seed. The source playbooks' best case, +55% activity of the dormant group in
three months, is an upper bound, not the default.

Cost: ``cost_per_message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numba as nb
import numpy as np

from commsim.sim.params import Source, literature, param, prob
from commsim.sim.population import NEVER, Status
from commsim.strategies.base import Strategy, window_problems
from commsim.strategies.registry import register


@dataclass
class WinBackParams:
    dormant_days: int = param(14, "days without activity before a member is messaged", lever=True, ge=1, unit="days",
                             source=Source("user"), plausible=(7, 60))
    max_dormant_days: Optional[int] = param(90, "members dormant longer are given up on (null = never)", ge=1, unit="days", source=Source("user"))
    every_days: int = param(7, "days between messages to the same member", ge=1, unit="days", source=Source("user"))
    max_messages: int = param(3, "messages per dormant spell", ge=1, unit="messages", source=Source("user"))
    uplift: float = param(1.0, "activity log-odds the first message of a spell adds on the day", ge=0,
                          unit="log-odds", plausible=(0.2, 1.5),
                          source=literature("Bell et al. 2023, JMIR mHealth uHealth 11:e38342; "
                                            "Bidargaddi et al. 2018, JMIR mHealth uHealth 6(11):e10123"),
                          why="Micro-randomised trials of app notifications: a message made opening the app in the "
                              "next hour 3.5 times as likely (95% CI 2.9-4.3; 350 new users, Bell et al.), i.e. "
                              "+1.25 log-odds at a low base rate -- an upper bound for a whole day, since part of "
                              "that hour's opens would have come later; over 24 hours +0.15 log-odds (RR 1.04 at "
                              "a base of 0.73; 1,255 users, Bidargaddi et al.). Default 1.0 (odds x2.7 on the "
                              "day), range 0.2-1.5. Neither trial is on dormant members only.")
    include_lapsed: bool = param(True, "also message people who left (lapsed) within the window",
                                 why="A recall campaign (召回) is aimed at those who went quiet, members or not.")
    lapsed_uplift: float = param(3.0, "activity log-odds the first message adds for someone who lapsed", ge=0,
                                 unit="log-odds", plausible=(1.0, 4.5),
                                 why="A recall message is a reason to come back: e^3 ≈ 20 times the odds of "
                                     "returning on that day (assumed), a few percent for a typical lapsed "
                                     "person, like re-engagement campaigns report.")
    wear_out: float = prob(0.5, "each earlier message in the spell multiplies a message's pull by this", plausible=(0.2, 0.9),
                            why="Repeated messages wear out: repeated reminder templates lose their novelty "
                                "(Yancey & Settles 2020, KDD: direction only; the per-repeat factor is assumed).")
    cost_per_message: float = param(0.2, "money per message", ge=0, unit="currency", source=Source("user"),
                                    why="Default in CNY: a personal WeCom message takes ~15 seconds; an operator's hour costs ~50 元 (docs/prices.md). An "
                                        "SMS costs 0.047-0.050 元 (Tencent Cloud list price), a WeCom or "
                                        "service-account message nothing." )
    start_day: int = param(1, "first day of the campaign", ge=1, unit="day", source=Source("user"))
    end_day: Optional[int] = param(None, "day the campaign stops (null = never)", ge=1, unit="day", source=Source("user"))

    def check(self) -> list[str]:
        problems = []
        if self.max_dormant_days is not None and self.max_dormant_days < self.dormant_days:
            problems.append(f"max_dormant_days: {self.max_dormant_days} is below dormant_days ({self.dormant_days})")
        return problems + window_problems(self.start_day, self.end_day, "campaign")


@nb.njit(cache=True)
def _eligible(status, last_active_day, join_day, last_message, spell, day, dormant_days, every_days, max_messages,
              max_dormant, include_lapsed):
    """One pass: a spell ends for whoever came back since their last message (even on the message day);
    then who may be messaged today -- a member (or, with include_lapsed, someone who lapsed) idle for at
    least dormant_days as of the end of yesterday (a newcomer never active counts from joining, as in
    sim/segments.py), not messaged in the last every_days days, with fewer than max_messages this spell,
    and, with max_dormant >= 0, idle at most that long. Returns their ids in ascending order."""
    out = np.empty(status.size, np.int64)
    k = 0
    for i in range(status.size):
        if spell[i] > 0 and last_active_day[i] >= last_message[i]:
            spell[i] = 0
        s = status[i]
        if not (s == 1 or (s == 2 and include_lapsed)):  # Status.MEMBER, Status.LAPSED
            continue
        since = (day - 1) - max(last_active_day[i], join_day[i])
        if since < dormant_days or day - last_message[i] < every_days or spell[i] >= max_messages:
            continue
        if max_dormant >= 0 and since > max_dormant:
            continue
        out[k] = i
        k += 1
    return out[:k]


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
        candidates = _eligible(pop.status, pop.last_active_day, pop.join_day, self.last_message, self.spell_messages,
                               day, p.dormant_days, p.every_days, p.max_messages,
                               -1 if p.max_dormant_days is None else p.max_dormant_days, p.include_lapsed)
        if candidates.size == 0:
            return
        k = ctx.ledger.spend_units(p.cost_per_message, candidates.size)
        chosen = ctx.pick("order", candidates, k)
        self.last_message[chosen] = day
        self.spell_messages[chosen] += 1
        self.sent += int(chosen.size)
        first = np.where(pop.status[chosen] == Status.LAPSED, p.lapsed_uplift, p.uplift)
        pull = first * np.power(p.wear_out, self.spell_messages[chosen] - 1.0)
        ctx.levers.messages[chosen] += 1.0
        ctx.levers.activity_uplift[chosen] += pull.astype(np.float32)
        ctx.record("messages", chosen.size)
