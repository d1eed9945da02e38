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
        """A new graph with the extra ties ``src[i] -- dst[i]`` (duplicates and self-ties ignored)."""
        return self.adding_ties(src, dst)[0]

    def adding_ties(self, src, dst) -> tuple["CSRGraph", np.ndarray, np.ndarray]:
        """The graph with the extra ties ``src[i] -- dst[i]``, and the entries that are new: ``rows[k] ->
        cols[k]``, both directions of every tie not already in the graph (so a caller can update what it
        keeps per person -- degrees, neighbour counts -- by the new ties alone).

        The few new ties are sorted (both directions, duplicates and self-ties dropped) and merged into
        the rows they touch; the rows between them are copied as whole blocks: one memory copy of the
        graph, not a rebuild, and nothing of size ``n`` but the new ``indptr``."""
        src = np.asarray(src, np.int64)
        dst = np.asarray(dst, np.int64)
        if src.shape != dst.shape:
            raise ValueError("src and dst must have the same length")
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= self.n):
            raise ValueError(f"tie endpoints must lie in 0..{self.n - 1}")
        keep = src != dst
        a = np.concatenate([src[keep], dst[keep]])
        b = np.concatenate([dst[keep], src[keep]])
        entries = np.unique(a * self.n + b)  # sorted by (row, column), each once
        rows, cols = entries // self.n, (entries % self.n).astype(np.int32)
        new = _absent(self.indptr, self.indices, rows, cols)
        if not new.any():
            return self, rows[:0], cols[:0]
        rows, cols = rows[new], cols[new]
        # allocated by NumPy, which asks the kernel for huge pages: filling a 40 MB array numba allocated
        # takes three times as long (page faults)
        indptr, indices = np.empty_like(self.indptr), np.empty(self.indices.size + rows.size, np.int32)
        _insert_sorted(self.indptr, self.indices, rows, cols, indptr, indices)
        return CSRGraph(indptr, indices, self.labels, self.groups), rows, cols

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
def _absent(indptr, indices, rows, cols):
    """Whether entry ``rows[k] -> cols[k]`` is missing from the graph (binary search in its sorted row)."""
    out = np.empty(rows.size, np.bool_)
    for k in range(rows.size):
        lo, hi = indptr[rows[k]], indptr[rows[k] + 1]
        j = lo + np.searchsorted(indices[lo:hi], cols[k])
        out[k] = j == hi or indices[j] != cols[k]
    return out


@nb.njit(cache=True)
def _insert_sorted(ptr, idx, rows, cols, new_ptr, out):
    # Insert new entries (sorted by (row, column), none already present) into a CSR with sorted rows,
    # writing new_ptr and out. The rows between two touched rows are copied as one block; their
    # pointers move by the entries inserted before them.
    n = ptr.size - 1
    new_ptr[0] = 0
    w = 0  # entries written
    done = 0  # rows written
    k = 0
    while done < n:
        r = rows[k] if k < rows.size else n  # next touched row (n: none left)
        s, e = ptr[done], ptr[r]
        out[w:w + e - s] = idx[s:e]
        shift = w - s
        for i in range(done, r):
            new_ptr[i + 1] = ptr[i + 1] + shift
        w += e - s
        if r == n:
            break
        p, pe = ptr[r], ptr[r + 1]
        while p < pe or (k < rows.size and rows[k] == r):
            if k < rows.size and rows[k] == r and (p >= pe or cols[k] < idx[p]):
                out[w] = cols[k]
                k += 1
            else:
                out[w] = idx[p]
                p += 1
            w += 1
        new_ptr[r + 1] = w
        done = r + 1


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
