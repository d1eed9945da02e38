"""Node positions for the network view: computed once per graph, then kept.

Keyed by the graph's ties and the seed, so stepping (and Reset with the same
network and seed) never moves anyone; ties that events add later are drawn
between the existing positions.
"""

from __future__ import annotations

import hashlib
import threading

import networkx as nx
import numba as nb
import numpy as np

from commsim.sim.graph import CSRGraph

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
    if graph.n <= 60:  # small real communities (the karate club): the classic picture
        pos = nx.kamada_kawai_layout(graph.to_networkx())
        out = np.array([pos[i] for i in range(graph.n)], dtype=float)
    else:
        out = force_directed(graph, seed)
    out.flags.writeable = False
    return out


def force_directed(graph: CSRGraph, seed: int, iterations: int = 100) -> np.ndarray:
    """Fruchterman-Reingold (1991) positions, all pairs per iteration: fine up to a few thousand people.

    networkx's spring_layout takes ~3 s at 500 people here (its sparse path); this
    takes well under a second, which keeps Reset quick in class.
    """
    pos = np.random.default_rng(seed).uniform(-1.0, 1.0, (graph.n, 2))
    _fruchterman_reingold(pos, graph.indptr, graph.indices, iterations)
    pos -= pos.mean(axis=0)
    return pos / np.abs(pos).max()


@nb.njit(cache=True)
def _fruchterman_reingold(pos, indptr, indices, iterations):
    n = pos.shape[0]
    k = 2.0 / np.sqrt(n)  # ideal distance in a [-1, 1]^2 box
    temperature = 0.2
    disp = np.zeros((n, 2))
    for _ in range(iterations):
        disp[:] = 0.0
        for i in range(n):  # repulsion k^2 / d between everyone
            for j in range(i + 1, n):
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                d2 = max(dx * dx + dy * dy, 1e-6)
                f = k * k / d2
                disp[i, 0] += f * dx
                disp[i, 1] += f * dy
                disp[j, 0] -= f * dx
                disp[j, 1] -= f * dy
        for i in range(n):  # attraction d^2 / k along ties (each tie seen from both ends)
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                d = np.sqrt(dx * dx + dy * dy)
                disp[i, 0] -= dx * d / k
                disp[i, 1] -= dy * d / k
        for i in range(n):  # a weak pull to the centre keeps loose parts on screen; move at most the temperature
            dx = disp[i, 0] - 0.05 * pos[i, 0]
            dy = disp[i, 1] - 0.05 * pos[i, 1]
            length = max(np.sqrt(dx * dx + dy * dy), 1e-9)
            step = min(length, temperature)
            pos[i, 0] += dx / length * step
            pos[i, 1] += dy / length * step
        temperature *= 0.96
