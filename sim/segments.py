"""Activity segments of members: core, active, casual, dormant.

Defined from each member's activity over the last 30 days (a 32-bit history,
``Population.recent_activity``, bit 0 = today) and days since last activity;
the same definitions are in docs/metrics.md:

* **dormant**: not active in the last ``DORMANT_AFTER`` (14) days and a member
  for at least that long (newcomers are not dormant);
* otherwise **core**: active on at least 15 of the last 30 days;
* **active**: 4-14 of the last 30 days;
* **casual**: 0-3 of the last 30 days (includes newcomers not yet active).

Non-members have no segment (``NONE``).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.population import Population, Status

DORMANT_AFTER = 14
CORE_MIN_DAYS = 15
ACTIVE_MIN_DAYS = 4
WINDOW_MASK = np.uint32((1 << 30) - 1)  # the last 30 days


class Segment(IntEnum):
    NONE = -1
    CORE = 0
    ACTIVE = 1
    CASUAL = 2
    DORMANT = 3


SEGMENT_NAMES = ("core", "active", "casual", "dormant")


def active_days_30(pop: Population) -> np.ndarray:
    return np.bitwise_count(pop.recent_activity & WINDOW_MASK)


def segments(pop: Population, day: int) -> np.ndarray:
    """Segment of every person (int8, ``Segment``) at the end of ``day``."""
    days = active_days_30(pop)
    seg = np.full(pop.n, Segment.CASUAL, np.int8)
    seg[days >= ACTIVE_MIN_DAYS] = Segment.ACTIVE
    seg[days >= CORE_MIN_DAYS] = Segment.CORE
    seen = np.maximum(pop.last_active_day, pop.join_day)
    seg[day - seen >= DORMANT_AFTER] = Segment.DORMANT
    seg[pop.status != Status.MEMBER] = Segment.NONE
    return seg


def segment_mask(pop: Population, day: int, names) -> np.ndarray:
    """Members in any of the named segments (``"all"`` = every member)."""
    if isinstance(names, str):
        names = [names]
    if "all" in names:
        return pop.status == Status.MEMBER
    seg = segments(pop, day)
    wanted = [Segment[name.upper()] for name in names]
    return np.isin(seg, wanted)
