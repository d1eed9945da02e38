import numpy as np
import pytest
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


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), day=st.integers(0, 10_000), idx=st.lists(st.integers(0, 4999), max_size=60),
       kind=st.sampled_from(["float64", "float32", "scalar"]), data=st.data())
def test_below_picks_exactly_the_people_whose_draw_is_below_their_chance(seed, day, idx, kind, data):
    """``below`` is ``index[uniform_at(...) < p]``, for a chance per person (float64 or float32, as the
    stages compute them) or one for all, including chances of 0 and 1 and outside [0, 1]."""
    rs = RandomStreams(seed)
    idx = np.array(idx, dtype=np.int64)
    chance = st.floats(-0.5, 1.5, allow_nan=False, width=32 if kind == "float32" else 64)
    if kind == "scalar":
        p = data.draw(chance)
    else:
        p = np.array(data.draw(st.lists(chance, min_size=idx.size, max_size=idx.size)), dtype=kind)
    got = rs.below("post", day, idx, p)
    assert got.dtype == np.int64
    assert np.array_equal(got, idx[rs.uniform_at("post", day, idx) < p])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), day=st.integers(0, 10_000), codes=st.lists(st.integers(0, 3), max_size=80))
def test_uniform_where_draws_for_one_status_and_marks_the_rest_out(seed, day, codes):
    rs = RandomStreams(seed)
    status = np.array(codes, dtype=np.int8)
    u, n = rs.uniform_where("draw", day, status, 0)
    assert n == np.count_nonzero(status == 0)
    assert np.array_equal(u, np.where(status == 0, rs.uniform("draw", day, status.size), -1.0))


def test_below_refuses_chances_that_do_not_match_the_people():
    with pytest.raises(ValueError, match="3 probabilities for 2 people"):
        RandomStreams(0).below("post", 1, np.array([0, 1]), np.array([0.1, 0.2, 0.3]))


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


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["churn", "activity", "log.actions"]),
       st.lists(st.integers(0, 50_000), min_size=1, max_size=20))
def test_a_day_s_key_is_the_splitmix_of_its_stream_base_whatever_days_were_asked_before(seed, name, days):
    """Keys are made for many days at once and looked up; each is still SplitMix64(base + day x step)
    mod 2^64, in whatever order days are asked (later ones grow the table)."""
    from commsim.sim.random_streams import _DAY_STEP, _MASK64, _splitmix64

    rs = RandomStreams(seed)
    for day in days:
        key = rs.key(name, day)
        assert type(key) is np.uint64
        assert int(key) == _splitmix64((rs._stream_base(name) + day * _DAY_STEP) & _MASK64)
    assert rs.key(name, days[0]) == RandomStreams(seed).key(name, days[0])
