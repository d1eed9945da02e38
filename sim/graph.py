"""The social graph as compressed sparse rows (CSR).

An undirected graph on ``n`` people is stored with both directions of every
tie: the neighbours of person ``i`` are ``indices[indptr[i]:indptr[i+1]]``.
A graph never changes once built: adding ties (:meth:`CSRGraph.with_ties`) makes a new one
(:meth:`CSRGraph.read_only` gives a view whose arrays refuse writes, for strategies).
``indptr`` is int64 (a million people with mean degree 10 already hold 10^7
entries), ``indices`` int32. No self-loops, no duplicate ties.

networkx is used only at the edges of the system: small graphs, algorithms,
interchange (:meth:`CSRGraph.from_networkx`, :meth:`CSRGraph.to_networkx`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class CSRGraph:
    """An undirected simple graph on nodes ``0 .. n-1`` in CSR form."""

    indptr: np.ndarray
    indices: np.ndarray
    labels: np.ndarray | None = None  # original node labels (file / networkx graphs)
    groups: np.ndarray | None = None  # interest group per node, if the graph has them

    def __post_init__(self):
        if self.indptr.dtype != np.int64 or self.indices.dtype != np.int32:
            raise TypeError("CSRGraph needs int64 indptr and int32 indices; use CSRGraph.from_edges")

    @property
    def n(self) -> int:
        return self.indptr.size - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected ties."""
        return self.indices.size // 2

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr).astype(np.int32)

    @property
    def nbytes(self) -> int:
        return self.indptr.nbytes + self.indices.nbytes

    def read_only(self) -> "CSRGraph":
        """The same graph with arrays that cannot be written (shares memory)."""
        views = []
        for array in (self.indptr, self.indices):
            view = array.view()
            view.flags.writeable = False
            views.append(view)
        return CSRGraph(views[0], views[1], self.labels, self.groups)

    def neighbours(self, i: int) -> np.ndarray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def rows(self) -> np.ndarray:
        """The person each entry of ``indices`` belongs to (tie ``k`` runs rows[k] -> indices[k])."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    def ties(self) -> tuple[np.ndarray, np.ndarray]:
        """Every undirected tie once, as (src, dst) with src < dst."""
        rows = self.rows()
        upper = rows < self.indices
        return rows[upper], self.indices[upper]

    def adjacency(self) -> sp.csr_matrix:
        """The 0/1 adjacency as a SciPy CSR matrix (shares the index arrays)."""
        data = np.ones(self.indices.size, dtype=np.float32)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))

    # ----------------------------------------------------------------- builders
    @classmethod
    def from_edges(cls, src, dst, n: int, labels=None, groups=None) -> "CSRGraph":
        """Build from an undirected edge list; drops self-loops and duplicate ties."""
        src = np.ascontiguousarray(src, dtype=np.int64)
        dst = np.ascontiguousarray(dst, dtype=np.int64)
        if src.shape != dst.shape:
            raise ValueError("src and dst must have the same length")
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
            raise ValueError(f"edge endpoints must lie in 0..{n - 1}")
        indptr, indices = _build_csr(src, dst, n)
        return cls(indptr, indices, labels, groups)

    def with_ties(self, src, dst) -> "CSRGraph":
        """A new graph with the extra ties ``src[i] -- dst[i]`` (duplicates and self-ties ignored).

        The few new ties are sorted into a small CSR and merged row by row into the
        existing sorted rows: one pass over the graph, not a full rebuild."""
        src = np.asarray(src, np.int64)
        dst = np.asarray(dst, np.int64)
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= self.n):
            raise ValueError(f"tie endpoints must lie in 0..{self.n - 1}")
        extra = CSRGraph.from_edges(src, dst, self.n) if src.size else None
        if extra is None or extra.indices.size == 0:
            return self
        indptr, indices = _merge_rows(self.indptr, self.indices, extra.indptr, extra.indices)
        return CSRGraph(indptr, indices, self.labels, self.groups)

    @classmethod
    def from_networkx(cls, graph) -> "CSRGraph":
        """Convert a networkx graph (directed graphs are made undirected)."""
        nodes = list(graph.nodes())
        position = {node: i for i, node in enumerate(nodes)}
        if graph.number_of_edges():
            src, dst = zip(*((position[u], position[v]) for u, v in graph.edges()))
        else:
            src, dst = (), ()
        labels = None
        if nodes != list(range(len(nodes))):
            labels = np.asarray([str(node) for node in nodes], dtype=object)
        return cls.from_edges(np.array(src), np.array(dst), len(nodes), labels)

    def to_networkx(self):
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        src, dst = self.ties()
        graph.add_edges_from(zip(src.tolist(), dst.tolist()))
        return graph


def as_csr(graph) -> CSRGraph:
    """Accept a :class:`CSRGraph` or a networkx graph."""
    if isinstance(graph, CSRGraph):
        return graph
    if hasattr(graph, "nodes") and hasattr(graph, "edges"):
        if list(graph.nodes()) != list(range(graph.number_of_nodes())):
            raise ValueError(
                "a networkx graph passed here must have nodes 0..n-1 so that masks line up; "
                "relabel it with networkx.convert_node_labels_to_integers(G)"
            )
        return CSRGraph.from_networkx(graph)
    raise TypeError(f"expected a CSRGraph or a networkx graph, got {type(graph).__name__}")


@nb.njit(cache=True)
def _build_csr(src, dst, n):
    # counting sort of both directions into rows, then sort + de-duplicate each row
    counts = np.zeros(n + 1, np.int64)
    for e in range(src.size):
        if src[e] != dst[e]:
            counts[src[e] + 1] += 1
            counts[dst[e] + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    raw = np.empty(start[-1], np.int32)
    for e in range(src.size):
        a, b = src[e], dst[e]
        if a != b:
            raw[fill[a]] = b
            fill[a] += 1
            raw[fill[b]] = a
            fill[b] += 1
    indptr = np.zeros(n + 1, np.int64)
    w = 0
    for i in range(n):
        if start[i + 1] - start[i] <= 1:  # empty or one tie: nothing to sort (most rows of a few new ties)
            if start[i + 1] > start[i]:
                raw[w] = raw[start[i]]
                w += 1
            indptr[i + 1] = w
            continue
        row = raw[start[i] : start[i + 1]]
        row.sort()
        last = -1
        for v in row:
            if v != last:
                raw[w] = v
                w += 1
                last = v
        indptr[i + 1] = w
    return indptr, raw[:w].copy()


@nb.njit(cache=True)
def _merge_rows(a_ptr, a_idx, b_ptr, b_idx):
    # union of two CSR graphs with sorted, duplicate-free rows
    n = a_ptr.size - 1
    out = np.empty(a_idx.size + b_idx.size, np.int32)
    ptr = np.zeros(n + 1, np.int64)
    w = 0
    for i in range(n):
        p, pe = a_ptr[i], a_ptr[i + 1]
        q, qe = b_ptr[i], b_ptr[i + 1]
        if q == qe:  # no new tie in this row (nearly every row): copy it whole
            out[w:w + pe - p] = a_idx[p:pe]
            w += pe - p
            ptr[i + 1] = w
            continue
        while p < pe or q < qe:
            if q >= qe or (p < pe and a_idx[p] < b_idx[q]):
                out[w] = a_idx[p]
                p += 1
            elif p >= pe or b_idx[q] < a_idx[p]:
                out[w] = b_idx[q]
                q += 1
            else:  # the tie exists already
                out[w] = a_idx[p]
                p += 1
                q += 1
            w += 1
        ptr[i + 1] = w
    return ptr, (out if w == out.size else out[:w].copy())


@nb.njit(cache=True)
def neighbour_sum(indptr, indices, values, out):
    """``out[i] = sum of values[j] over neighbours j of i`` (a fused A @ x)."""
    for i in range(indptr.size - 1):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += values[indices[k]]
        out[i] = acc


@nb.njit(cache=True)
def neighbour_scatter_add(indptr, indices, sources, out, value):
    """``out[j] += value`` for every neighbour ``j`` of every node in ``sources``."""
    for s in sources:
        for k in range(indptr[s], indptr[s + 1]):
            out[indices[k]] += value
