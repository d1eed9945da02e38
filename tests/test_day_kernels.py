"""The day's fused kernels choose exactly what the NumPy formulations they replaced chose.

A kernel that folds a stage's many small NumPy calls into one pass must reproduce NumPy's
arithmetic type for type (a Python float times a float32 array is float32; a float64 multiplier
makes it float64), or a draw near its chance flips and the run's numbers move. The golden baseline
checks whole runs within a relative 1e-12; these check each choice exactly, on random inputs that
include KOLs, a per-person boost, people without ties and no one active at all.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.agents.actions import _choose, post_chance, share_chance
from commsim.sim.log_draws import _poisson, action_mean, active_day
from commsim.sim.population import Role
from commsim.sim.random_streams import RandomStreams, hash_uniform

chance = st.floats(0.0, 1.0)


def community(seed: int, n: int):
    rng = np.random.default_rng(seed)
    degree = rng.integers(0, 6, n)  # some people have no ties
    indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
    indices = rng.integers(0, n, indptr[-1]).astype(np.int32)
    role = rng.choice(np.array([0, 1, 2], np.int8), n, p=[0.8, 0.15, 0.05])
    voice = rng.lognormal(0.0, 0.8, n).astype(np.float32)
    boost = (rng.random(n) * rng.integers(0, 2)).astype(np.float32)  # zero, or a boost per person
    active = rng.random(n) < rng.random()
    return rng, indptr, indices, degree.astype(np.float32), role, voice, boost, active


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 300), chance, st.floats(1.0, 6.0), chance, chance, st.integers(0, 400))
def test_the_act_kernel_chooses_who_posts_shares_invites_and_buys_as_numpy_did(seed, n, post, kol_mult, share,
                                                                              invite, day):
    rng, indptr, indices, degree, role, voice, boost, active = community(seed, n)
    idx = np.flatnonzero(active)
    p_buy = np.minimum(1.0, (0.3 * 2.0 * rng.random(n).astype(np.float32)[idx]))
    streams = RandomStreams(seed % 1000)
    got = _choose(idx, role, np.int8(Role.KOL), voice, boost, degree, indptr, indices, p_buy, post, kol_mult, share,
                  invite, streams.key("post", day), streams.key("share", day), streams.key("invite", day),
                  streams.key("invite.target", day), streams.key("buy", day))

    # the NumPy formulation agents/actions.py used before the kernel
    kol = role[idx] == Role.KOL
    v = voice[idx]
    p_post = post * v * np.where(kol, kol_mult, 1.0) * (1.0 + boost[idx])
    posted = streams.below("post", day, idx, p_post)
    sharers = streams.below("share", day, idx, share * v)
    inviters = streams.below("invite", day, idx, invite)
    d = degree[inviters]
    inviters, d = inviters[d > 0], d[d > 0]
    pick = (streams.uniform_at("invite.target", day, inviters) * d).astype(np.int64)
    targets = indices[indptr[inviters] + pick]
    bought = streams.below("buy", day, idx, p_buy)
    for name, mine, theirs in zip(("posted", "sharers", "inviters", "targets", "bought"), got,
                                  (posted, sharers, inviters, targets, bought)):
        assert np.array_equal(mine, theirs), name


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 300), st.floats(0.0, 5.0), st.integers(0, 400))
def test_the_log_kernel_records_the_day_numpy_did(seed, n, extra_mean, day):
    rng, _, _, _, _, voice, _, active = community(seed, n)
    posted = np.flatnonzero(rng.random(n) < 0.3)  # ascending, some of them no longer active
    key = RandomStreams(seed % 1000).key("log.actions", day)
    who = np.flatnonzero(active)
    actions, posts = active_day(who, voice, extra_mean, posted, key)

    # the NumPy formulation sim/day.py's record_log used before the kernel
    lam = np.ascontiguousarray(extra_mean * voice[who], np.float64)
    want_actions = np.array([_poisson(hash_uniform(key, np.uint64(i)), lam[j]) for j, i in enumerate(who)],
                            np.int64) + 1
    want_posts = np.zeros(who.size, np.int64)
    at = np.minimum(np.searchsorted(who, posted), max(who.size - 1, 0))
    if who.size:
        want_posts[at[who[at] == posted]] = 1
    assert np.array_equal(actions, want_actions.reshape(-1)) and np.array_equal(posts, want_posts)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), chance, st.floats(1.0, 6.0), chance, st.floats(0.0, 5.0))
def test_each_chance_is_numpy_s_number_to_the_last_bit(seed, post, kol_mult, share, extra_mean):
    """A choice flips only when a draw falls between two values a bit apart, which random draws never
    show: the chances themselves must be NumPy's, bit for bit."""
    _, _, _, _, role, voice, boost, _ = community(seed, 200)
    kol = role == Role.KOL
    numpy_post = post * voice * np.where(kol, kol_mult, 1.0) * (1.0 + boost)
    numpy_share = (share * voice).astype(np.float64)
    numpy_mean = np.ascontiguousarray(extra_mean * voice, np.float64)
    for i in range(voice.size):
        assert post_chance(post, voice[i], kol_mult if kol[i] else 1.0, boost[i]) == numpy_post[i]
        assert share_chance(share, voice[i]) == numpy_share[i]
        assert action_mean(extra_mean, voice[i]) == numpy_mean[i]
