"""Social-graph generators that write straight into CSR arrays.

Every generator takes a seed-able ``numpy.random.Generator`` (from
:meth:`sim.random_streams.RandomStreams.generator`) and returns a
:class:`~sim.graph.CSRGraph`. The growth models run as numba kernels whose
random numbers come from the counter-based hash of :mod:`sim.random_streams`,
so no global random state is touched anywhere.

Sizes here are the sizes a laptop handles: a 1M-person Barabási–Albert graph
with mean degree 10 builds in about a second (networkx needs minutes).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from commsim.sim.graph import CSRGraph
from commsim.sim.random_streams import hash_uniform


def _key(rng: np.random.Generator) -> np.uint64:
    return np.uint64(rng.integers(0, 2**63, dtype=np.int64))


# ---------------------------------------------------------------- Barabási–Albert
@nb.njit(cache=True)
def _ba_kernel(n, m, key):
    # networkx convention: start from a star on m+1 nodes (hub 0), then each new
    # node attaches to m distinct targets drawn proportionally to degree, i.e.
    # uniformly from the list of edge endpoints so far ("repeated nodes").
    n_edges = m + (n - m - 1) * m
    src = np.empty(n_edges, np.int64)
    dst = np.empty(n_edges, np.int64)
    repeated = np.empty(2 * n_edges, np.int64)
    r = 0
    e = 0
    for j in range(1, m + 1):
        src[e] = 0
        dst[e] = j
        e += 1
        repeated[r] = 0
        repeated[r + 1] = j
        r += 2
    counter = np.uint64(0)
    targets = np.empty(m, np.int64)
    for source in range(m + 1, n):
        chosen = 0
        while chosen < m:
            u = hash_uniform(key, counter)
            counter += np.uint64(1)
            t = repeated[int(u * r)]
            dup = False
            for c in range(chosen):
                if targets[c] == t:
                    dup = True
                    break
            if not dup:
                targets[chosen] = t
                chosen += 1
        for c in range(m):
            src[e] = source
            dst[e] = targets[c]
            e += 1
            repeated[r] = targets[c]
            repeated[r + 1] = source
            r += 2
    return src, dst


def barabasi_albert(n: int, m: int, rng: np.random.Generator) -> CSRGraph:
    """Preferential attachment (Barabási & Albert 1999): mean degree ≈ 2m, scale-free."""
    if not 1 <= m < n:
        raise ValueError(f"barabasi_albert needs 1 <= m < n, got m={m}, n={n}")
    src, dst = _ba_kernel(n, m, _key(rng))
    return CSRGraph.from_edges(src, dst, n)


# ---------------------------------------------------------------- Holme–Kim
@nb.njit(cache=True)
def _holme_kim_kernel(n, m, p, key):
    max_edges = (n - m) * m
    src = np.empty(max_edges, np.int64)
    dst = np.empty(max_edges, np.int64)
    # adjacency as linked lists, both directions
    head = np.full(n, -1, np.int64)
    nxt = np.empty(2 * max_edges, np.int64)
    val = np.empty(2 * max_edges, np.int64)
    repeated = np.empty(m + 2 * max_edges, np.int64)
    for i in range(m):
        repeated[i] = i
    r = m
    e = 0
    slot = 0
    counter = np.uint64(0)
    possible = np.empty(m, np.int64)
    mine = np.empty(m, np.int64)  # neighbours the new node already has
    buf = np.empty(n, np.int64)
    for source in range(m, n):
        # m distinct candidate targets, preferential
        chosen = 0
        while chosen < m:
            t = repeated[int(hash_uniform(key, counter) * r)]
            counter += np.uint64(1)
            dup = False
            for c in range(chosen):
                if possible[c] == t:
                    dup = True
                    break
            if not dup:
                possible[chosen] = t
                chosen += 1
        n_possible = m
        n_mine = 0
        target = -1
        count = 0
        while count < m:
            use_triad = False
            if count > 0:
                use_triad = hash_uniform(key, counter) < p
                counter += np.uint64(1)
            new = -1
            if use_triad:
                nb_count = 0
                k = head[target]
                while k != -1:
                    cand = val[k]
                    ok = cand != source
                    for c in range(n_mine):
                        if mine[c] == cand:
                            ok = False
                            break
                    if ok:
                        buf[nb_count] = cand
                        nb_count += 1
                    k = nxt[k]
                if nb_count > 0:
                    new = buf[int(hash_uniform(key, counter) * nb_count)]
                    counter += np.uint64(1)
            if new == -1:
                # next preferential candidate not yet linked
                while n_possible > 0:
                    n_possible -= 1
                    cand = possible[n_possible]
                    ok = True
                    for c in range(n_mine):
                        if mine[c] == cand:
                            ok = False
                            break
                    if ok:
                        new = cand
                        break
                if new == -1:
                    break
                target = new
            src[e] = source
            dst[e] = new
            e += 1
            val[slot] = new
            nxt[slot] = head[source]
            head[source] = slot
            slot += 1
            val[slot] = source
            nxt[slot] = head[new]
            head[new] = slot
            slot += 1
            mine[n_mine] = new
            n_mine += 1
            repeated[r] = new
            r += 1
            count += 1
        for c in range(m):
            repeated[r] = source
            r += 1
    return src[:e], dst[:e]


def powerlaw_cluster(n: int, m: int, triangle_p: float, rng: np.random.Generator) -> CSRGraph:
    """Holme & Kim (2002): preferential attachment plus triad formation.

    After each preferential tie, with probability ``triangle_p`` the next tie
    goes to a random neighbour of the last target (closing a triangle), which
    gives scale-free degrees *and* the clustering of real friendship networks.
    """
    if not 1 <= m < n:
        raise ValueError(f"powerlaw_cluster needs 1 <= m < n, got m={m}, n={n}")
    src, dst = _holme_kim_kernel(n, m, float(triangle_p), _key(rng))
    return CSRGraph.from_edges(src, dst, n)


# ---------------------------------------------------------------- Erdős–Rényi
@nb.njit(cache=True)
def _gnp_kernel(n, p, key, src, dst, fill):
    # Batagelj & Brandes (2005) geometric skipping: O(n + m) for G(n, p).
    lp = math.log1p(-p)
    v = 1
    w = -1
    e = 0
    counter = np.uint64(0)
    while v < n:
        u = hash_uniform(key, counter)
        counter += np.uint64(1)
        w = w + 1 + int(math.log1p(-u) / lp)
        while w >= v and v < n:
            w -= v
            v += 1
        if v < n:
            if fill:
                src[e] = v
                dst[e] = w
            e += 1
    return e


def erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator) -> CSRGraph:
    """G(n, p) with p = mean_degree / (n - 1): ties independent, Poisson degrees."""
    p = min(1.0, mean_degree / max(n - 1, 1))
    if p <= 0.0:
        return CSRGraph.from_edges(np.empty(0, np.int64), np.empty(0, np.int64), n)
    if p >= 1.0:
        return complete(n)
    key = _key(rng)
    empty = np.empty(0, np.int64)
    count = _gnp_kernel(n, p, key, empty, empty, False)  # pass 1: count
    src = np.empty(count, np.int64)
    dst = np.empty(count, np.int64)
    _gnp_kernel(n, p, key, src, dst, True)  # pass 2: same draws, fill
    return CSRGraph.from_edges(src, dst, n)


# ---------------------------------------------------------------- Watts–Strogatz
def watts_strogatz(n: int, k: int, rewire_p: float, rng: np.random.Generator) -> CSRGraph:
    """Ring lattice of k nearest neighbours, each tie rewired with prob ``rewire_p``.

    Rewired ties go to a uniformly random person; the rare rewiring that would
    duplicate a tie or make a self-loop is dropped, so the mean degree can fall
    a hair below k (by about k * rewire_p * k / n).
    """
    if k % 2 or not 2 <= k < n:
        raise ValueError(f"watts_strogatz needs an even k with 2 <= k < n, got k={k}, n={n}")
    base = np.arange(n, dtype=np.int64)
    src = np.tile(base, k // 2)
    dst = (src + np.repeat(np.arange(1, k // 2 + 1), n)) % n
    rewire = rng.random(src.size) < rewire_p
    dst[rewire] = rng.integers(0, n, size=int(rewire.sum()))
    return CSRGraph.from_edges(src, dst, n)


# ---------------------------------------------------------------- stochastic block
def stochastic_block(
    n: int, groups: int, mean_degree: float, within_share: float, rng: np.random.Generator
) -> CSRGraph:
    """Interest groups: ``groups`` equal blocks; a share ``within_share`` of each
    person's ``mean_degree`` ties fall inside their own block (a G(n, M) variant
    of the stochastic block model: ties drawn as random pairs, inside a block or
    across two different blocks; the few duplicates are dropped -- so when the
    within-group degree approaches the group size, e.g. groups of 50 with 8
    ties inside, the mean degree falls short by ~10%).
    ``graph.groups`` holds each person's block.
    """
    if not 1 <= groups <= n:
        raise ValueError(f"stochastic_block needs 1 <= groups <= n, got groups={groups}, n={n}")
    sizes = np.full(groups, n // groups, dtype=np.int64)
    sizes[: n % groups] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    block = np.repeat(np.arange(groups, dtype=np.int32), sizes)
    m_total = int(round(n * mean_degree / 2))
    m_in = int(round(m_total * within_share)) if groups > 1 else m_total
    m_out = m_total - m_in
    u = rng.integers(0, n, size=m_in)
    b = block[u]
    v = starts[b] + (rng.random(m_in) * sizes[b]).astype(np.int64)
    su = rng.integers(0, n, size=m_out)
    other = (block[su] + 1 + (rng.random(m_out) * (groups - 1)).astype(np.int64)) % groups
    sv = starts[other] + (rng.random(m_out) * sizes[other]).astype(np.int64)
    src = np.concatenate([u, su])
    dst = np.concatenate([v, sv])
    return CSRGraph.from_edges(src, dst, n, groups=block)


# ---------------------------------------------------------------- small and fixed graphs
@nb.njit(cache=True)
def _complete_indices(n):
    out = np.empty(n * (n - 1), np.int32)
    k = 0
    for i in range(n):
        for j in range(n):
            if j != i:
                out[k] = j
                k += 1
    return out


def complete(n: int) -> CSRGraph:
    """Everyone knows everyone (the mean-field limit; used for the Bass test)."""
    if n <= 1:
        return CSRGraph(np.zeros(n + 1, np.int64), np.empty(0, np.int32))
    indptr = np.arange(0, n * (n - 1) + 1, n - 1, dtype=np.int64)
    return CSRGraph(indptr, _complete_indices(n))


def karate() -> CSRGraph:
    """Zachary's karate club (34 members, 78 ties; ships with networkx).

    ``groups`` is the faction each member followed after the club split
    (0 = Mr. Hi, 1 = Officer), a natural two-topic community for teaching.
    """
    import networkx as nx

    g = nx.karate_club_graph()
    graph = CSRGraph.from_networkx(g)
    clubs = np.array([0 if g.nodes[i]["club"] == "Mr. Hi" else 1 for i in g.nodes()], np.int32)
    return CSRGraph(graph.indptr, graph.indices, groups=clubs)
