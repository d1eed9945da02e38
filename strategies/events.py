"""Events (活动): online live sessions or offline salons on a cadence.

Every ``every_days`` days (first on ``first_day``) up to ``capacity`` members of
the ``target`` segment are invited (in common-random-number order); each
attends with probability ``attend_prob``. Attendees get an activity uplift of
``uplift`` log-odds that decays with e-folding time ``boost_days``, and make
``ties_per_attendee`` new friendships with other attendees on average
(offline salons build ties, online sessions far fewer).

``kind: online`` scales ties by 0.25, uplift by 0.6 and all costs by 0.2
relative to an offline salon with the same parameters.

Trade-off: cost (``fixed_cost`` per event + ``cost_per_attendee``); the boost
decays; ties persist. An event the budget cannot cover is cancelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from commsim.sim.params import Source, literature, param, prob
from commsim.strategies.base import Strategy
from commsim.strategies.registry import register
from commsim.strategies.targeting import TARGETS, targets

ONLINE = {"ties": 0.25, "uplift": 0.6, "cost": 0.2}


@dataclass
class EventsParams:
    kind: str = param("offline", "offline salon or online live session", choices=("offline", "online"))
    every_days: int = param(30, "days between events", lever=True, ge=1, unit="days", source=Source("user"),
                            plausible=(7, 90))
    first_day: int = param(7, "day of the first event", ge=1, unit="day", source=Source("user"))
    capacity: int = param(50, "places per event", ge=1, unit="people", source=Source("user"))
    target: str = param("active", "who is invited: all, core, active, casual, dormant (join with +)")
    attend_prob: float = prob(0.7, "chance an invited member attends", plausible=(0.4, 0.85),
                              source=literature("PheedLoop Event Data Lab, Report 06 (check-ins of 860+ events; "
                                                "vendor data, not peer-reviewed)"),
                              why="Most who accept an invitation come: a median 28% of registrants of free events "
                                  "and 17% of paid ones did not show (attendance 0.72-0.83); vendors without data "
                                  "claim 40-60% no-shows for free events, hence the range's lower end.")
    uplift: float = param(2.0, "activity log-odds added for attendees on the event day", ge=0, unit="log-odds",
                          plausible=(0.5, 3.0), why="Meeting people in person is the strongest pull an operator has "
                          "(assumed); it fades over boost_days.")
    boost_days: float = param(14.0, "e-folding days of the boost after an event", gt=0, unit="days", plausible=(3.0, 30.0),
                              why="The glow of an event lasts about two weeks (assumed); meet-up attendees of "
                                  "German Wikipedia edited more a week, a month and a year later (Schwitter 2024, "
                                  "EPJ Data Science: the direction and persistence, not the size).")
    ties_per_attendee: float = param(2.0, "new friendships per attendee (offline)", ge=0, unit="ties", plausible=(0.5, 4.0),
                                     why="People leave a salon knowing a couple of others (assumed).")
    fixed_cost: float = param(500.0, "money per event (offline)", ge=0, unit="currency", source=Source("user"),
                              why="Default in CNY: a small room for a three-hour salon; venues list 150-1,000 元 an "
                                  "hour (listing pages, low confidence; docs/prices.md).")
    cost_per_attendee: float = param(20.0, "money per attendee (offline)", ge=0, unit="currency", source=Source("user"),
                                     why="Default in CNY: tea and materials; catered tea breaks at 50-100 元 a person "
                                         "are the upper end (listing pages, low confidence).")

    def check(self) -> list[str]:
        bad = [t for t in self.target.split("+") if t.strip() not in TARGETS]
        return [f"target: {self.target!r} names unknown segments {bad}; allowed: {', '.join(TARGETS)}"] if bad else []


@register
class Events(Strategy):
    name = "events"
    Params = EventsParams

    results = {"attendees": "members who attended today's event (0 on days without one)"}

    def setup(self, ctx) -> None:
        self.boost = np.zeros(ctx.n, np.float32)
        self.attendance: list[int] = []

    def _scale(self, what: str) -> float:
        return ONLINE[what] if self.params.kind == "online" else 1.0

    def before_day(self, ctx) -> None:
        p = self.params
        self.boost *= np.float32(math.exp(-1.0 / p.boost_days))
        if ctx.day >= p.first_day and (ctx.day - p.first_day) % p.every_days == 0:
            self._hold_event(ctx)
        ctx.levers.activity_uplift += self.boost

    def _hold_event(self, ctx) -> None:
        p = self.params
        invited = ctx.pick("invite", targets(ctx, p.target), p.capacity)
        came = invited[ctx.uniform("attend", invited) < p.attend_prob]
        cost = self._scale("cost") * (p.fixed_cost + p.cost_per_attendee * came.size)
        if came.size == 0 or not ctx.ledger.spend_all_or_nothing(cost):
            return
        self.attendance.append(int(came.size))
        ctx.record("attendees", came.size)
        self.boost[came] += np.float32(p.uplift * self._scale("uplift"))
        n_ties = int(round(p.ties_per_attendee * self._scale("ties") * came.size / 2))
        if n_ties and came.size > 1:
            u = ctx.uniform("ties", np.arange(2 * n_ties))
            a = came[(u[:n_ties] * came.size).astype(np.int64)]
            b = came[(u[n_ties:] * came.size).astype(np.int64)]
            ctx.levers.add_ties(a, b)
