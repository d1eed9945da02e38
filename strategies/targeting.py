"""Who a strategy targets: members by activity segment (see sim/segments.py)."""

from __future__ import annotations

import numpy as np

from sim.segments import SEGMENT_NAMES, segment_mask

TARGETS = ("all",) + SEGMENT_NAMES


def targets(model, target: str) -> np.ndarray:
    """Ids of members in ``target``: ``all``, ``core``, ``active``, ``casual`` or ``dormant``.

    Strategies choose in the morning, before today's activity: segments are those
    of the end of yesterday (``model.day - 1``)."""
    names = [t.strip() for t in target.split("+")]
    return np.flatnonzero(segment_mask(model.population, model.day - 1, names))
