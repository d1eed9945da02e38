"""Node positions for the network view: computed once per graph, then kept.

Keyed by the graph's ties and the seed, so stepping (and Reset with the same
network and seed) never moves anyone; ties that events add later are drawn
between the existing positions.
"""

from __future__ import annotations

import hashlib
import threading

import networkx as nx
import numpy as np

from sim.graph import CSRGraph

_CACHE: dict[tuple[str, int], np.ndarray] = {}
_LOCK = threading.Lock()
_MAX_CACHED = 32


def layout(graph: CSRGraph, seed: int) -> np.ndarray:
    """Read-only (n, 2) positions in about [-1, 1]^2 of the people of ``graph``."""
    key = (hashlib.sha1(graph.indptr.tobytes() + graph.indices.tobytes()).hexdigest(), seed)
    with _LOCK:
        if key not in _CACHE:
            if len(_CACHE) >= _MAX_CACHED:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = _compute(graph, seed)
        return _CACHE[key]


def _compute(graph: CSRGraph, seed: int) -> np.ndarray:
    g = graph.to_networkx()
    if graph.n <= 60:  # small real communities (the karate club): the classic picture
        pos = nx.kamada_kawai_layout(g)
    else:
        pos = nx.spring_layout(g, seed=seed, iterations=80)
    out = np.array([pos[i] for i in range(graph.n)], dtype=float)
    out.flags.writeable = False
    return out
