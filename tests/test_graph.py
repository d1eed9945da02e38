import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.sim import generators
from commsim.sim.graph import CSRGraph, as_csr, neighbour_sum


def rng(seed=0):
    return np.random.default_rng(seed)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), edges=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=200))
def test_from_edges_matches_networkx(n, edges):
    edges = [(u % n, v % n) for u, v in edges]
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((u, v) for u, v in edges if u != v)
    csr = CSRGraph.from_edges(np.array([e[0] for e in edges], dtype=np.int64),
                              np.array([e[1] for e in edges], dtype=np.int64), n)
    assert csr.n == n
    assert csr.n_edges == g.number_of_edges()
    for i in range(n):
        assert sorted(csr.neighbours(i).tolist()) == sorted(g.neighbors(i))
        row = csr.neighbours(i)
        assert np.all(np.diff(row) > 0), "rows are sorted with no duplicates"
    assert nx.utils.graphs_equal(csr.to_networkx(), g)


def test_neighbour_sum_equals_sparse_matvec():
    g = generators.barabasi_albert(500, 3, rng())
    x = rng(1).random(500)
    out = np.empty(500)
    neighbour_sum(g.indptr, g.indices, x, out)
    np.testing.assert_allclose(out, g.adjacency() @ x, rtol=1e-6)


def test_edge_endpoint_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="0..2"):
        CSRGraph.from_edges(np.array([0]), np.array([3]), 3)


@pytest.mark.parametrize("make", [
    lambda r: generators.barabasi_albert(3000, 5, r),
    lambda r: generators.powerlaw_cluster(3000, 5, 0.5, r),
    lambda r: generators.erdos_renyi(3000, 10, r),
    lambda r: generators.watts_strogatz(3000, 10, 0.1, r),
    lambda r: generators.stochastic_block(3000, 6, 10, 0.8, r),
], ids=["ba", "holme_kim", "er", "ws", "sbm"])
def test_generators_are_seeded_simple_graphs_with_mean_degree_10(make):
    a, b = make(rng(1)), make(rng(1))
    assert np.array_equal(a.indices, b.indices), "same seed, same graph"
    assert not np.array_equal(a.indices, make(rng(2)).indices) or a.n_edges == 0
    assert a.n == 3000
    assert 9.0 <= a.degree.mean() <= 10.5
    rows = np.repeat(np.arange(a.n), a.degree)
    assert not np.any(rows == a.indices), "no self-loops"


def test_barabasi_albert_is_scale_free_and_erdos_renyi_is_not():
    ba = generators.barabasi_albert(20_000, 5, rng()).degree
    er = generators.erdos_renyi(20_000, 10, rng()).degree
    assert ba.min() >= 5
    assert ba.max() > 10 * ba.mean()  # hubs
    assert er.max() < 3 * er.mean()


def test_clustering_ordering_matches_the_models():
    def clustering(g):
        return nx.average_clustering(g.to_networkx())
    ws = clustering(generators.watts_strogatz(2000, 10, 0.05, rng()))
    hk = clustering(generators.powerlaw_cluster(2000, 5, 0.8, rng()))
    ba = clustering(generators.barabasi_albert(2000, 5, rng()))
    assert ws > 0.4 and hk > 2 * ba


@pytest.mark.parametrize("groups, within", [(2, 0.8), (2, 0.0), (8, 0.8), (20, 0.8)])
def test_stochastic_block_hits_its_mean_degree_and_within_share(groups, within):
    g = generators.stochastic_block(10_000, groups, 10, within, rng())
    rows = np.repeat(np.arange(g.n), g.degree)
    inside = np.mean(g.groups[rows] == g.groups[g.indices])
    assert inside == pytest.approx(within, abs=0.02)
    assert g.degree.mean() == pytest.approx(10, rel=0.05)
    assert set(np.unique(g.groups)) == set(range(groups))


def test_complete_and_karate():
    c = generators.complete(6)
    assert c.n_edges == 15 and np.all(c.degree == 5)
    k = generators.karate()
    assert (k.n, k.n_edges) == (34, 78)
    assert nx.utils.graphs_equal(k.to_networkx(), nx.Graph(nx.karate_club_graph().edges()))
    assert k.groups.tolist().count(0) == 17


def test_as_csr_rejects_unlabelled_networkx_graphs():
    g = nx.relabel_nodes(nx.path_graph(3), {0: "a", 1: "b", 2: "c"})
    with pytest.raises(ValueError, match="convert_node_labels_to_integers"):
        as_csr(g)
    with pytest.raises(TypeError):
        as_csr([1, 2])


def test_generator_argument_errors():
    with pytest.raises(ValueError, match="even k"):
        generators.watts_strogatz(10, 3, 0.1, rng())
    with pytest.raises(ValueError, match="m < n"):
        generators.barabasi_albert(5, 5, rng())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 30), base=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=80),
       extra=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=20))
def test_with_ties_equals_building_from_all_edges(n, base, extra):
    def arrays(edges):
        return (np.array([u % n for u, _ in edges], np.int64), np.array([v % n for _, v in edges], np.int64))
    g = CSRGraph.from_edges(*arrays(base), n)
    merged, rows, cols = g.adding_ties(*arrays(extra))
    direct = CSRGraph.from_edges(*arrays(base + extra), n)
    assert np.array_equal(merged.indptr, direct.indptr) and np.array_equal(merged.indices, direct.indices)
    assert np.array_equal(g.with_ties(*arrays(extra)).indices, direct.indices)
    # the entries reported new are exactly those of the merged graph the old one lacks
    had = set(zip(g.rows().tolist(), g.indices.tolist()))
    now = set(zip(merged.rows().tolist(), merged.indices.tolist()))
    assert sorted(zip(rows.tolist(), cols.tolist())) == sorted(now - had)
    assert len(rows) == len(set(zip(rows.tolist(), cols.tolist())))
