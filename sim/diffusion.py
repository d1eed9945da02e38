"""Diffusion kernels on the social graph: independent cascade and linear threshold.

Both take a :class:`~sim.graph.CSRGraph` or a networkx graph (nodes ``0..n-1``)
and return the boolean mask of reached nodes, seeds included. They are numba
kernels over the CSR arrays: a breadth-first sweep that touches each tie at
most once, never a Python loop per node.

Independent cascade (Kempe, Kleinberg & Tardos 2003): each newly reached node
gets one chance to reach each neighbour, succeeding with probability ``p``.
Linear threshold (Granovetter 1978; Kempe et al. 2003): a node is reached once
the share of its neighbours already reached is at least its threshold.

Coins are counter-based (see :mod:`sim.random_streams`): the coin of the tie
from ``u`` to ``v`` is a fixed function of one key drawn from ``rng`` and the
pair ``(u, v)``, so two calls with equal generators give the same cascade
whatever the order of exploration, and adding a tie elsewhere in the graph
changes no other coin.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from commsim.sim.graph import as_csr
from commsim.sim.random_streams import hash_uniform

__all__ = ["independent_cascade", "linear_threshold", "cascades_from_sharers"]


def _seed_array(seeds, n: int) -> np.ndarray:
    seeds = np.asarray(seeds)
    if seeds.dtype == bool:
        if seeds.size != n:
            raise ValueError(f"a boolean seed mask must have one entry per node ({n}), got {seeds.size}")
        seeds = np.flatnonzero(seeds)
    seeds = seeds.astype(np.int64).ravel()
    if seeds.size and (seeds.min() < 0 or seeds.max() >= n):
        raise ValueError(f"seed nodes must lie in 0..{n - 1}")
    return seeds


def _per_item(value, size: int, name: str, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(size, float(arr))
    if arr.shape != (size,):
        raise ValueError(f"{name} must be a scalar or one value per {what} ({size}), got shape {arr.shape}")
    if np.any(~np.isfinite(arr)) or arr.min(initial=0.0) < 0 or arr.max(initial=0.0) > 1:
        raise ValueError(f"{name} must lie in [0, 1]")
    return arr


@nb.njit(cache=True)
def _start_queue(seeds, reached):
    """Mark the seeds reached and queue them (each once); returns (queue, tail)."""
    queue = np.empty(reached.size, np.int64)
    tail = 0
    for s in seeds:
        if not reached[s]:
            reached[s] = True
            queue[tail] = s
            tail += 1
    return queue, tail


@nb.njit(cache=True)
def _ic_kernel(indptr, indices, seeds, p_edge, p_scalar, key, reached):
    # p_edge is empty when one probability p_scalar holds for every tie
    n = np.uint64(indptr.size - 1)
    queue, tail = _start_queue(seeds, reached)
    head = 0
    while head < tail:
        u = queue[head]
        head += 1
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            p = p_scalar if p_edge.size == 0 else p_edge[k]
            if not reached[v] and hash_uniform(key, np.uint64(u) * n + np.uint64(v)) < p:
                reached[v] = True
                queue[tail] = v
                tail += 1


def independent_cascade(graph, seeds, p, rng: np.random.Generator) -> np.ndarray:
    """Nodes reached by an independent cascade from ``seeds``.

    Parameters
    ----------
    graph : CSRGraph or networkx.Graph
    seeds : node ids, or a boolean mask over nodes
    p : probability that a newly reached node reaches a neighbour; a scalar or
        one value per directed tie (aligned with ``graph.indices``)
    rng : numpy Generator; one 64-bit key is drawn from it

    Returns
    -------
    numpy.ndarray of bool, one per node: ``True`` where reached (seeds included)
    """
    csr = as_csr(graph)
    seed_ids = _seed_array(seeds, csr.n)
    if np.ndim(p) == 0:
        p_scalar = float(p)
        if not 0.0 <= p_scalar <= 1.0:  # also rejects NaN
            raise ValueError("p must lie in [0, 1]")
        p_edge = np.empty(0, np.float64)  # no per-tie array for a single probability
    else:
        p_scalar, p_edge = 0.0, _per_item(p, csr.indices.size, "p", "directed tie")
    key = np.uint64(rng.integers(0, 2**63, dtype=np.int64))
    reached = np.zeros(csr.n, dtype=np.bool_)
    _ic_kernel(csr.indptr, csr.indices, seed_ids, p_edge, p_scalar, key, reached)
    return reached


@nb.njit(cache=True)
def _lt_kernel(indptr, indices, seeds, threshold, reached):
    hits = np.zeros(indptr.size - 1, np.int64)
    queue, tail = _start_queue(seeds, reached)
    head = 0
    while head < tail:
        u = queue[head]
        head += 1
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if reached[v]:
                continue
            hits[v] += 1
            degree = indptr[v + 1] - indptr[v]
            if hits[v] >= threshold[v] * degree:
                reached[v] = True
                queue[tail] = v
                tail += 1


def linear_threshold(graph, seeds, threshold=None, rng: np.random.Generator | None = None) -> np.ndarray:
    """Nodes reached under the linear-threshold model from ``seeds``.

    A node is reached once the fraction of its neighbours already reached is
    at least its threshold. ``threshold`` is a scalar or one value per node in
    [0, 1]; ``None`` draws each node's threshold uniformly from ``rng`` (the
    random-threshold model of Kempe et al. 2003). A threshold of 0 is read as
    "any one reached neighbour suffices" (isolated nodes are never reached).
    """
    csr = as_csr(graph)
    seed_ids = _seed_array(seeds, csr.n)
    if threshold is None:
        if rng is None:
            raise ValueError("linear_threshold needs rng when threshold is None (thresholds are drawn)")
        threshold = rng.random(csr.n)
    theta = _per_item(threshold, csr.n, "threshold", "node")
    theta = np.maximum(theta, 1e-12)  # one reached neighbour is the least that can trigger
    reached = np.zeros(csr.n, dtype=np.bool_)
    _lt_kernel(csr.indptr, csr.indices, seed_ids, theta, reached)
    return reached


@nb.njit(cache=True)
def _sharer_cascades(indptr, indices, sharers, p, sender_boost, key, stamp, exposures, sizes):
    # One independent cascade per sharer; ``stamp`` marks who a cascade reached
    # (stamp value = cascade number + 1), so no array is cleared between cascades.
    n = np.uint64(indptr.size - 1)
    per_node = sender_boost.size > 1
    queue = np.empty(indptr.size - 1, np.int64)
    for c in range(sharers.size):
        s = sharers[c]
        mark = c + 1
        stamp[s] = mark
        head = 0
        tail = 1
        queue[0] = s
        while head < tail:
            u = queue[head]
            head += 1
            pu = p * sender_boost[u if per_node else 0]
            base = (np.uint64(s) * n + np.uint64(u)) * n  # wraps mod 2**64: fine for a hash
            for k in range(indptr[u], indptr[u + 1]):
                v = indices[k]
                if stamp[v] != mark and hash_uniform(key, base + np.uint64(v)) < pu:
                    stamp[v] = mark
                    exposures[v] += 1
                    queue[tail] = v
                    tail += 1
        sizes[c] = tail - 1


def cascades_from_sharers(graph, sharers, p: float, sender_boost, key: np.uint64, *, out=None):
    """Run one independent cascade per sharer (the day's word of mouth).

    Returns ``(exposures, sizes)``: how many cascades reached each node (the
    sharer itself excluded) and the number of people each cascade reached.
    ``sender_boost`` multiplies ``p`` for ties out of each node: an array with
    one value per node, or one number for everyone. ``out`` (int32, one per
    node) receives the exposures instead of a new array.
    The coin of the tie ``u -> v`` in the cascade of sharer ``s`` is
    ``hash(key, (s n + u) n + v)``: it does not depend on who else shared, nor
    on ties added elsewhere (events, interest groups).
    Stamps live in an int32 array, so at most 2**31 - 1 sharers per call.
    """
    sharers = np.ascontiguousarray(sharers, dtype=np.int64)
    stamp = np.zeros(graph.n, dtype=np.int32)
    if out is None:
        exposures = np.zeros(graph.n, dtype=np.int32)
    else:
        if out.dtype != np.int32 or out.shape != (graph.n,):
            raise ValueError(f"out must be an int32 array of {graph.n} nodes, got {out.dtype} {out.shape}")
        exposures = out
        exposures.fill(0)
    sizes = np.zeros(sharers.size, dtype=np.int64)
    boost = np.ascontiguousarray(sender_boost, dtype=np.float64).reshape(-1)
    if boost.size not in (1, graph.n):
        raise ValueError(f"sender_boost has {boost.size} values for {graph.n} nodes: give one per node, or one")
    _sharer_cascades(graph.indptr, graph.indices, sharers, float(p), boost, key, stamp, exposures, sizes)
    return exposures, sizes
