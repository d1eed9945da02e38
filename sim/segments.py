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

import numba as nb
import numpy as np

from commsim.sim.population import Population, Status

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


@nb.njit(cache=True, inline="always")
def segment_of(last_active_day, join_day, history, day):
    """Segment code (``Segment``) of one member at the end of ``day``: the rules above."""
    if day - max(last_active_day, join_day) >= DORMANT_AFTER:
        return 3  # DORMANT
    bits = history & np.uint32(WINDOW_MASK)
    active_days = 0
    while bits:
        bits &= bits - np.uint32(1)
        active_days += 1
    if active_days >= CORE_MIN_DAYS:
        return 0  # CORE
    if active_days >= ACTIVE_MIN_DAYS:
        return 1  # ACTIVE
    return 2  # CASUAL


@nb.njit(cache=True)
def _segments_kernel(status, last_active_day, join_day, recent_activity, day, out):
    for i in range(status.size):
        out[i] = -1 if status[i] != 1 else segment_of(last_active_day[i], join_day[i], recent_activity[i], day)


def segments(pop: Population, day: int) -> np.ndarray:
    """Segment of every person (int8, ``Segment``; ``NONE`` for non-members) at the end of ``day``."""
    out = np.empty(pop.n, np.int8)
    _segments_kernel(pop.status, pop.last_active_day, pop.join_day, pop.recent_activity, day, out)
    return out


def segment_mask(pop: Population, day: int, names) -> np.ndarray:
    """Members in any of the named segments (``"all"`` = every member)."""
    if isinstance(names, str):
        names = [names]
    if "all" in names:
        return pop.status == Status.MEMBER
    seg = segments(pop, day)
    wanted = [Segment[name.upper()] for name in names]
    return np.isin(seg, wanted)
