"""Node centralities on the CSR graph, fast enough for a million people.

``pagerank`` is the power iteration of Brin & Page (1998) with uniform
teleport (damping 0.85; dangling nodes spread uniformly), matching
networkx.pagerank. ``core_number`` is the O(m) bucket algorithm of Batagelj &
Zaversnik (2003), matching networkx.core_number.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from commsim.sim.graph import CSRGraph


def pagerank(graph: CSRGraph, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    n = graph.n
    if n == 0:
        return np.zeros(0)
    degree = graph.degree.astype(np.float64)
    inv = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    adjacency = graph.adjacency().astype(np.float64)
    rank = np.full(n, 1.0 / n)
    dangling = degree == 0
    for _ in range(max_iter):
        spread = adjacency @ (rank * inv)  # symmetric: A^T = A
        new = damping * (spread + rank[dangling].sum() / n) + (1.0 - damping) / n
        if np.abs(new - rank).sum() < n * tol:
            return new
        rank = new
    return rank


@nb.njit(cache=True)
def _core_number(indptr, indices):
    n = indptr.size - 1
    deg = np.empty(n, np.int64)
    for i in range(n):
        deg[i] = indptr[i + 1] - indptr[i]
    max_deg = deg.max() if n else 0
    bins = np.zeros(max_deg + 2, np.int64)
    for i in range(n):
        bins[deg[i]] += 1
    start = 0
    for d in range(max_deg + 1):
        count = bins[d]
        bins[d] = start
        start += count
    pos = np.empty(n, np.int64)
    vert = np.empty(n, np.int64)
    for v in range(n):
        pos[v] = bins[deg[v]]
        vert[pos[v]] = v
        bins[deg[v]] += 1
    for d in range(max_deg, 0, -1):
        bins[d] = bins[d - 1]
    bins[0] = 0
    for i in range(n):
        v = vert[i]
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if deg[u] > deg[v]:
                du = deg[u]
                pu = pos[u]
                pw = bins[du]
                w = vert[pw]
                if u != w:
                    pos[u] = pw
                    vert[pu] = w
                    pos[w] = pu
                    vert[pw] = u
                bins[du] += 1
                deg[u] -= 1
    return deg


def core_number(graph: CSRGraph) -> np.ndarray:
    """k-core number of every node (the largest k with the node in the k-core)."""
    return _core_number(graph.indptr, graph.indices)
