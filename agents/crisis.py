"""Stage 6 of the day: crisis news spreads, and so does the operator's answer to it.

On ``crisis.day`` the news reaches its first people (:mod:`sim.crisis`: a share of members that
depends on the kind); every later day everyone who first heard it yesterday passes it on to each
friend with probability ``pass_on × spread(kind) × (1 − levers.crisis_containment)``. A member the
news reaches loses ``satisfaction_loss × severity`` of satisfaction at once (and trust,
:mod:`agents.trust`), which raises their churn hazard (:mod:`agents.churn`).

The answer travels the same way: the people a crisis response reaches directly (lever
``correction``) pass the correction to each friend with probability ``correction_pass_on`` the next
day, one hop a day. A correction restores trust only in people who had heard the news
(:mod:`agents.trust`). ``crisis_reached`` and ``corrected`` count the people reached for the first
time today.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.sim.crisis import spread_one_hop
from commsim.sim.params import literature, param, prob
from commsim.sim.population import NEVER, Status
from commsim.sim.stages import Stage, fields


@dataclass
class CrisisParams:
    pass_on: float = prob(
        0.15, "chance a person who heard the news yesterday tells a given friend today", plausible=(0.05, 0.3),
        source=literature("Vosoughi, Roy & Aral 2018, Science 359: false and negative news spreads farther "
                          "and faster than true news"),
        why="Bad news travels faster than the community's own sharing (share_reach_p 0.02): with ~10 friends each "
            "teller reaches ~1.5 others, so the news keeps spreading until it is contained (the shape is "
            "literature, the size assumed).")
    satisfaction_loss: float = param(
        0.3, "satisfaction a member loses when the news reaches them, times the crisis' severity", ge=0, le=1,
        unit="satisfaction", plausible=(0.1, 0.5),
        why="A fault, leak or scandal sours the experience at once; at severity 1 a satisfied member (0.7) "
            "drops to 0.4, which multiplies their churn hazard by e^0.6 ≈ 1.8 (agents/churn.py).")
    correction_pass_on: float = prob(
        0.05, "chance a person the operator's answer reached yesterday passes it to a given friend",
        plausible=(0.0, 0.15),
        why="An official correction is passed on less eagerly than the news itself (a third of pass_on).")


def spread(model, par: CrisisParams) -> dict:
    crisis = model.cfg.crisis
    if crisis.day is None or model.day < crisis.day:
        return {"crisis_reached": 0, "corrected": 0}
    pop, day, graph, lev = model.population, model.day, model.graph, model.levers
    outside = np.int8(Status.OUTSIDE)
    if day == crisis.day:
        members = np.flatnonzero(pop.status == Status.MEMBER)
        first = model.streams.below("crisis.first", day, members, crisis.seed_share)
        pop.heard_day[first] = day
        reached = int(first.size)
    else:
        p = par.pass_on * crisis.spread * (1.0 - lev.crisis_containment)
        frontier = np.flatnonzero(pop.heard_day == day - 1)
        reached = 0
        if frontier.size and p > 0:
            reached = spread_one_hop(graph.indptr, graph.indices, pop.status, frontier, pop.heard_day, day, p,
                                     model.streams.key("crisis.spread", day), outside)
    if reached:
        hit = np.flatnonzero((pop.heard_day == day) & (pop.status == Status.MEMBER))
        loss = np.float32(par.satisfaction_loss * crisis.severity)
        pop.satisfaction[hit] = np.maximum(np.float32(0.0), pop.satisfaction[hit] - loss)
    direct = np.flatnonzero((lev.correction > 0) & (pop.corrected_day == NEVER) & (pop.status != outside))
    pop.corrected_day[direct] = day
    corrected = int(direct.size)
    frontier = np.flatnonzero(pop.corrected_day == day - 1)
    if frontier.size and par.correction_pass_on > 0:
        corrected += spread_one_hop(graph.indptr, graph.indices, pop.status, frontier, pop.corrected_day, day,
                                    par.correction_pass_on, model.streams.key("crisis.correction", day), outside)
    return {"crisis_reached": reached, "corrected": corrected}


STAGE = Stage("crisis", spread, "crisis news spreads one hop a day (and the operator's correction after it); "
              "members it reaches lose satisfaction", group="crisis", params=CrisisParams,
              owns=fields("heard_day", "corrected_day", "satisfaction"),
              reads=fields("status", "heard_day", "corrected_day", "satisfaction", "levers", "graph"),
              outputs=("crisis_reached", "corrected"))
