"""smallest_k picks exactly what a full stable argsort would: the same people, in the same order."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from commsim.sim.selection import smallest_k


@settings(max_examples=200, deadline=None)
@given(values=hnp.arrays(np.float64, st.integers(0, 300),
                         elements=st.sampled_from([-1.0, 0.0, -0.0, 0.5, 2.0, np.inf, -np.inf, np.nan])
                         | st.floats(-10, 10)),
       k=st.integers(-2, 320))
def test_the_same_as_a_stable_argsort_with_ties_and_nan(values, k):
    expected = np.argsort(values, kind="stable")[:max(k, 0)]
    np.testing.assert_array_equal(smallest_k(values, k), expected)


@settings(max_examples=50, deadline=None)
@given(values=hnp.arrays(np.int64, st.integers(1, 2000), elements=st.integers(0, 5)), k=st.integers(1, 40))
def test_integers_with_many_ties_keep_position_order(values, k):
    np.testing.assert_array_equal(smallest_k(values, k), np.argsort(values, kind="stable")[:k])


def test_large_input_small_k_takes_the_partition_path():
    u = np.random.default_rng(0).random(100_000)
    u[::7] = 0.25  # many exact ties at one value
    for k in (1, 10, 999, 20_000):
        np.testing.assert_array_equal(smallest_k(u, k), np.argsort(u, kind="stable")[:k])


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 3000), k=st.integers(0, 60), tilt=st.floats(-10, 10), seed=st.integers(0, 2**32 - 1),
       ties=st.booleans())
def test_race_winners_are_those_of_weighing_everyone(n, k, tilt, seed, ties):
    from commsim.sim.selection import race_keys, race_winners

    rng = np.random.default_rng(seed)
    u = rng.random(n)
    if ties:
        u[rng.integers(0, n, n // 3)] = u[0]  # exact ties in u
    fit = rng.random(n).astype(np.float32)
    log_w = tilt * fit.astype(np.float64)
    expected = np.argsort(-race_keys(u, log_w), kind="stable")[:k]
    bounds = (min(tilt * float(fit.min()), tilt * float(fit.max())), max(tilt * float(fit.min()), tilt * float(fit.max())))
    got = race_winners(u, lambda pos: tilt * fit[pos].astype(np.float64), k, bounds)
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 2000), k=st.integers(0, 40), tilt=st.floats(-6, 6), seed=st.integers(0, 2**32 - 1))
def test_a_negative_u_is_out_of_the_race_as_if_removed(n, k, tilt, seed):
    from commsim.sim.selection import race_keys, race_winners

    rng = np.random.default_rng(seed)
    u, fit = rng.random(n), rng.random(n)
    out = rng.random(n) < 0.3
    pool = np.flatnonzero(~out)
    expected = pool[np.argsort(-race_keys(u[pool], tilt * fit[pool]), kind="stable")[:k]]
    u[out] = -1.0
    got = race_winners(u, lambda pos: tilt * fit[pos], k, (-abs(tilt), abs(tilt)))
    np.testing.assert_array_equal(got, expected)
