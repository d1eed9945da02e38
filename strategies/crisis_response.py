"""Crisis response (危机应对): answer a crisis fast, openly, and make good -- or prepare by drilling.

The operator watches for the crisis (``sim.crisis``): the first day anyone has heard the news is the
day it is *detected*. ``response_days`` later (times ``drill_speedup`` with ``drill=true``) the
response starts and runs for ``announce_days`` days:

* **containment**: from the response day on, the news' onward spread is cut by ``containment`` (lever
  ``crisis_containment``): an open explanation stops the story growing;
* **announcement**: each announcement day, ``announce_share`` of the members, picked in
  common-random-number order, get a message (cost ``cost_per_message``; lever ``messages``, which adds
  fatigue: over-communicating tires people) and are reached by the correction (lever ``correction``):
  it travels on one hop a day (:mod:`agents.crisis`), restoring some trust in everyone who had heard the
  news (``behaviour.trust.correction_repair``);
* **compensation**: on the response day, every member who has heard the news so far -- and, later,
  each member who hears it while the response runs -- is offered ``compensation`` (money per
  person, as the budget allows): trust regained ``compensation_repair`` (lever ``trust_repair``) and
  an ``compensation_uplift`` of activity that day.

A drill (``drill=true``) costs ``drill_cost_per_year`` (booked daily from day 1, crisis or not) and
multiplies the time to respond by ``drill_speedup``. The trade-offs the model carries: a slow
response lets the news run (more people reached, more trust lost, more churn); compensation recovers
more members at a price per person; a wider or longer announcement reaches more people and tires
them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from commsim.sim.params import Source, param, prob
from commsim.sim.population import NEVER, Status
from commsim.strategies.base import Strategy
from commsim.strategies.registry import register


@dataclass
class CrisisResponseParams:
    response_days: Optional[int] = param(3, "days from detecting the crisis to responding (null: never respond)",
                                         ge=0, unit="days", source=Source("user"), plausible=(0, 30))
    containment: float = prob(0.7, "share of the news' onward spread an open response stops", plausible=(0.3, 0.9),
                              why="Open communication takes the air out of a story; it does not erase it (assumed).")
    announce_share: float = prob(0.5, "share of members messaged on each announcement day", source=Source("user"))
    announce_days: int = param(3, "days the announcement is repeated", ge=1, unit="days", source=Source("user"))
    cost_per_message: float = param(0.05, "money per announcement message", ge=0, unit="currency",
                                    source=Source("user"),
                                    why="Default in CNY: one SMS at Tencent Cloud's list price, 0.047-0.050 元 a "
                                        "message (promotional SMS on Huawei Cloud 0.07-0.08); an in-app or WeCom "
                                        "announcement costs nothing.")
    compensation: float = param(0.0, "money offered to each member who heard the news (0: none)", ge=0,
                                unit="currency", source=Source("user"), plausible=(0.0, 50.0))
    compensation_repair: float = prob(0.5, "share of the lost trust a compensated member regains",
                                      plausible=(0.2, 0.8),
                                      why="Making good in money restores more trust than words alone (assumed).")
    compensation_uplift: float = param(1.0, "activity log-odds a compensated member gets on the day", ge=0,
                                       unit="log-odds", plausible=(0.0, 2.0),
                                       why="A voucher is a reason to come back that day (assumed).")
    drill: bool = param(False, "hold crisis drills (a prepared response)", source=Source("user"))
    drill_speedup: float = param(0.3, "drilled teams respond in this share of the time", gt=0, le=1, unit="×",
                                 plausible=(0.2, 0.6),
                                 why="A rehearsed playbook cuts the time to respond to about a third (assumed).")
    drill_cost_per_year: float = param(3650.0, "money the drills cost a year", ge=0, unit="currency",
                                       source=Source("user"),
                                       why="Default in CNY: quarterly drills of a few people for half a day; "
                                           "an operator's hour costs ~50 元 (docs/prices.md) (assumed time).")


@register
class CrisisResponse(Strategy):
    name = "crisis_response"
    Params = CrisisResponseParams

    results = {"announced": "members messaged with the response today",
               "compensated": "members compensated today", "drill_cost": "money spent on drills today"}

    def setup(self, ctx) -> None:
        self.detected: int | None = None
        self.compensated = np.zeros(ctx.n, bool)

    def response_day(self) -> int | None:
        p = self.params
        if self.detected is None or p.response_days is None:
            return None
        days = p.response_days * (p.drill_speedup if p.drill else 1.0)
        return self.detected + int(math.ceil(days))

    def before_day(self, ctx) -> None:
        p, pop, day, lev = self.params, ctx.population, ctx.day, ctx.levers
        if p.drill and p.drill_cost_per_year > 0:
            ctx.record("drill_cost", ctx.ledger.spend(p.drill_cost_per_year / 365.0))
        if self.detected is None:
            return
        start = self.response_day()
        if start is None or day < start:
            return
        lev.crisis_containment = max(lev.crisis_containment, p.containment)
        if day < start + p.announce_days and p.announce_share > 0:
            members = np.flatnonzero(pop.status == Status.MEMBER)
            wanted = int(round(p.announce_share * members.size))
            k = ctx.ledger.spend_units(p.cost_per_message, wanted) if p.cost_per_message > 0 else wanted
            chosen = ctx.pick(f"announce.{day - start}", members, k)
            lev.messages[chosen] += 1.0
            lev.correction[chosen] = 1.0
            ctx.record("announced", chosen.size)
        if p.compensation > 0:
            owed = np.flatnonzero((pop.heard_day != NEVER) & (pop.status == Status.MEMBER) & ~self.compensated)
            k = ctx.ledger.spend_units(p.compensation, owed.size)
            paid = ctx.pick("compensation", owed, k)
            self.compensated[paid] = True
            lev.trust_repair[paid] += np.float32(p.compensation_repair)
            lev.activity_uplift[paid] += np.float32(p.compensation_uplift)
            ctx.record("compensated", paid.size)

    def after_day(self, ctx) -> None:
        if self.detected is None and ctx.today["crisis_reached"] > 0:
            self.detected = ctx.day  # monitoring: the news is seen the day it breaks
