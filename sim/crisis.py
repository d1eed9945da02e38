"""A crisis: a dated event (a product fault, a data leak, a scandal) whose news spreads over the graph.

``crisis.day`` (null: no crisis) is the day the news breaks: a share of the members first hit
(``seed_share``, by kind) hear it that day. From then on the news spreads **one hop a day**, like
word of mouth that competes with the community's own sharing: everyone who first heard it
yesterday passes it to each friend in the audience (members, prospects, lapsed people) with
probability ``behaviour.crisis.pass_on × spread(kind) × (1 − containment)``, where
``containment`` is what the operator's response stops (lever ``crisis_containment``). A person
hears it once. With mean degree ~10 the default pass-on makes the news supercritical (each
person tells more than one other) until a response contains it, so how fast the operator answers
decides how far it runs. What the news does to the people it reaches is :mod:`agents.crisis`
and :mod:`agents.trust`.

The kinds (``assumed`` profiles, plausible ranges in their rationale):

=============  ==========  ======  ===========================================================
kind           seed_share  spread  who hears it first, and how fast it travels
=============  ==========  ======  ===========================================================
product_fault  0.05        1.0     the members hit by the fault; an ordinary story
data_leak      0.20        0.8     everyone notified of the leak; a dry story, told less
scandal        0.01        1.5     a few see it first; a juicy story, told more
=============  ==========  ======  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numba as nb
import numpy as np

from commsim.sim.params import Source, param, prob
from commsim.sim.random_streams import hash_uniform

KINDS = {  # kind -> (share of members who hear it on the day it breaks, multiplier of pass-on)
    "product_fault": (0.05, 1.0),
    "data_leak": (0.20, 0.8),
    "scandal": (0.01, 1.5),
}


@dataclass
class CrisisConfig:
    day: Optional[int] = param(None, "day the crisis breaks (null: no crisis)", ge=1, unit="day", source=Source("user"),
                               why="A what-if: when a fault, leak or scandal hits.")
    severity: float = prob(0.5, "how bad it is, 0 (trivial) to 1 (the worst the community has seen)",
                           source=Source("user"), plausible=(0.1, 1.0),
                           why="Scales what the news does to those it reaches: trust and satisfaction lost.")
    kind: str = param("product_fault", "what happened: product_fault, data_leak or scandal (sim/crisis.py)",
                      choices=tuple(KINDS), source=Source("user"),
                      why="Who hears it first and how readily it is passed on (assumed profiles, sim/crisis.py).")

    @property
    def seed_share(self) -> float:
        return KINDS[self.kind][0]

    @property
    def spread(self) -> float:
        return KINDS[self.kind][1]


@nb.njit(cache=True)
def spread_one_hop(indptr, indices, status, frontier, heard, day, p, key, outside):
    """Everyone in ``frontier`` passes the news to each friend who has not heard it (``heard`` ==
    NEVER) and is in the audience (status != ``outside``) with probability ``p``; the draw for the edge
    at CSR position k is hash(key, k), so the same seed gives the same spread. Marks ``heard[v] = day``
    and returns how many heard it today."""
    never = -(2**30)
    reached = 0
    for u in frontier:
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if heard[v] != never or status[v] == outside:
                continue
            if hash_uniform(key, np.uint64(k)) < p:
                heard[v] = day
                reached += 1
    return reached
