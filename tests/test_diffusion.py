import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.sim import generators
from commsim.sim.diffusion import cascades_from_sharers, independent_cascade, linear_threshold
from commsim.sim.graph import CSRGraph


def rng(seed=0):
    return np.random.default_rng(seed)


def two_components():
    g = nx.disjoint_union(nx.path_graph(5), nx.cycle_graph(4))
    return g, CSRGraph.from_networkx(g)


def test_ic_extremes():
    g, csr = two_components()
    everyone = independent_cascade(csr, [0], 1.0, rng())
    assert everyone.tolist() == [True] * 5 + [False] * 4
    only_seed = independent_cascade(csr, [0, 6], 0.0, rng())
    assert np.flatnonzero(only_seed).tolist() == [0, 6]


def test_ic_accepts_networkx_and_masks_alike():
    g, csr = two_components()
    a = independent_cascade(g, [0], 0.5, rng(3))
    b = independent_cascade(csr, np.arange(9) == 0, 0.5, rng(3))
    assert np.array_equal(a, b)


def test_ic_star_reach_matches_expectation():
    star = CSRGraph.from_networkx(nx.star_graph(200))
    reach = [independent_cascade(star, [0], 0.3, rng(s)).sum() - 1 for s in range(200)]
    assert np.mean(reach) == pytest.approx(60, rel=0.05)  # 200 leaves x 0.3


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000), p_low=st.floats(0, 1), p_high=st.floats(0, 1), k=st.integers(1, 20))
def test_ic_is_monotone_in_p_and_contains_seeds(seed, p_low, p_high, k):
    p_low, p_high = sorted((p_low, p_high))
    g = generators.erdos_renyi(300, 4, rng(seed))
    seeds = rng(seed + 1).choice(300, size=k, replace=False)
    low = independent_cascade(g, seeds, p_low, rng(seed))
    high = independent_cascade(g, seeds, p_high, rng(seed))
    assert low[seeds].all()
    assert np.all(high >= low), "same coins: a higher p reaches a superset"


def test_ic_per_edge_probabilities_and_errors():
    g, csr = two_components()
    p = np.ones(csr.indices.size)
    assert independent_cascade(csr, [0], p, rng()).sum() == 5
    with pytest.raises(ValueError, match="one value per directed tie"):
        independent_cascade(csr, [0], np.ones(3), rng())
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        independent_cascade(csr, [0], 1.5, rng())
    with pytest.raises(ValueError, match="seed nodes"):
        independent_cascade(csr, [99], 0.5, rng())


def test_linear_threshold_known_cases():
    path = CSRGraph.from_networkx(nx.path_graph(6))
    # threshold 0.5: one reached neighbour out of two suffices, so the whole path falls
    assert linear_threshold(path, [0], 0.5).all()
    # threshold 0.6 on inner nodes (degree 2) needs both neighbours: stops at node 0
    assert np.flatnonzero(linear_threshold(path, [0], 0.6)).tolist() == [0]
    # from both ends, node 1 and 4 have one of two... still stuck; seeds 0 and 2 unlock 1
    assert linear_threshold(path, [0, 2], 0.6)[1]
    star = CSRGraph.from_networkx(nx.star_graph(10))
    assert linear_threshold(star, [0], 1.0).all()  # leaves have one neighbour: the hub


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000), t1=st.floats(0, 1), t2=st.floats(0, 1))
def test_linear_threshold_monotone(seed, t1, t2):
    lo, hi = sorted((t1, t2))
    g = generators.barabasi_albert(300, 2, rng(seed))
    seeds = [0, 1, 2]
    assert np.all(linear_threshold(g, seeds, lo) >= linear_threshold(g, seeds, hi))


def test_linear_threshold_random_thresholds_need_rng():
    _, csr = two_components()
    with pytest.raises(ValueError, match="needs rng"):
        linear_threshold(csr, [0], None)
    a = linear_threshold(csr, [0], None, rng(1))
    assert np.array_equal(a, linear_threshold(csr, [0], None, rng(1)))


def test_adding_a_tie_elsewhere_changes_no_other_coin():
    """CRN: coins are keyed by (sharer, u, v), not by positions in the CSR arrays."""
    g = generators.barabasi_albert(3000, 3, rng())
    sharers = np.arange(0, 3000, 30)
    key = np.uint64(99)
    exposures, sizes = cascades_from_sharers(g, sharers, 0.1, np.ones(g.n), key)
    untouched = np.flatnonzero(exposures == 0)[-2:]
    g2 = g.with_ties(untouched[:1], untouched[1:])
    exposures2, sizes2 = cascades_from_sharers(g2, sharers, 0.1, np.ones(g.n), key)
    assert np.array_equal(sizes, sizes2) and np.array_equal(exposures, exposures2)


def test_sharer_cascades_are_independent_of_other_sharers():
    g = generators.barabasi_albert(2000, 3, rng())
    key = np.uint64(12345)
    ones = np.ones(g.n)
    alone_exp, alone = cascades_from_sharers(g, [5], 0.2, ones, key)
    _, together = cascades_from_sharers(g, [1, 5, 9], 0.2, ones, key)
    assert together[1] == alone[0], "CRN: a share's cascade does not depend on other shares"
    assert alone_exp.sum() == alone[0]


def test_one_boost_for_everyone_and_an_output_buffer_give_the_same_cascades():
    g = generators.barabasi_albert(2000, 3, rng())
    sharers, key = np.arange(0, 2000, 25), np.uint64(7)
    exposures, sizes = cascades_from_sharers(g, sharers, 0.2, np.full(g.n, 1.5), key)
    out = np.full(g.n, 99, np.int32)  # stale values: the call must clear them
    same, same_sizes = cascades_from_sharers(g, sharers, 0.2, 1.5, key, out=out)
    assert same is out and np.array_equal(out, exposures) and np.array_equal(same_sizes, sizes)
    with pytest.raises(ValueError, match="int32 array of 2000"):
        cascades_from_sharers(g, sharers, 0.2, 1.0, key, out=np.zeros(g.n, np.int64))
    with pytest.raises(ValueError, match="one per node, or one"):
        cascades_from_sharers(g, sharers, 0.2, np.ones(3), key)
