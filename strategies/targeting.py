"""Who a strategy targets: members by activity segment (see sim/segments.py)."""

from __future__ import annotations

import numpy as np

from commsim.sim.segments import SEGMENT_NAMES, segment_mask

TARGETS = ("all",) + SEGMENT_NAMES


def targets(ctx, target: str) -> np.ndarray:
    """Ids of members in ``target``: ``all``, ``core``, ``active``, ``casual`` or ``dormant``
    (several joined with ``+``).

    Strategies choose in the morning, before today's activity: segments are those
    of the end of yesterday (``ctx.day - 1``)."""
    names = [t.strip() for t in target.split("+")]
    return np.flatnonzero(segment_mask(ctx.population, ctx.day - 1, names))
