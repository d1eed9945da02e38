import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from commsim.sim.random_streams import RandomStreams


def test_same_seed_stream_day_gives_same_numbers():
    a, b = RandomStreams(7), RandomStreams(7)
    assert np.array_equal(a.uniform("churn", 3, 1000), b.uniform("churn", 3, 1000))


def test_streams_days_and_seeds_differ():
    rs = RandomStreams(7)
    base = rs.uniform("churn", 3, 1000)
    assert not np.array_equal(base, rs.uniform("activity", 3, 1000))
    assert not np.array_equal(base, rs.uniform("churn", 4, 1000))
    assert not np.array_equal(base, RandomStreams(8).uniform("churn", 3, 1000))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31), day=st.integers(0, 10_000), idx=st.lists(st.integers(0, 4999), max_size=50))
def test_random_access_matches_full_vector(seed, day, idx):
    """CRN: a person's draw does not depend on which other people were drawn."""
    rs = RandomStreams(seed)
    full = rs.uniform("join", day, 5000)
    idx = np.array(idx, dtype=np.int64)
    assert np.array_equal(rs.uniform_at("join", day, idx), full[idx])


def test_uniform_distribution_and_independence():
    rs = RandomStreams(3)
    u = rs.uniform("x", 1, 200_000)
    assert u.min() >= 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    v = rs.uniform("y", 1, 200_000)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_set_up_generators_are_keyed_by_name():
    rs = RandomStreams(5)
    assert rs.generator("init.fit").random() == RandomStreams(5).generator("init.fit").random()
    assert rs.generator("init.fit").random() != rs.generator("init.topic").random()


def test_bad_seed_is_rejected():
    import pytest

    with pytest.raises(ValueError, match="non-negative integer"):
        RandomStreams(-1)
