"""Numba kernels for the activity log: Poisson counts and friends picked at random, from CRN keys."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from commsim.sim.random_streams import hash_uniform


@nb.njit(cache=True)
def _poisson(u, lam):
    # inverse CDF of Poisson(lam) at u (sequential search; lam is a few actions)
    k = 0
    p = math.exp(-lam)
    cdf = p
    while u > cdf and k < 10_000:
        k += 1
        p *= lam / k
        cdf += p
    return k


@nb.njit(cache=True, inline="always")
def action_mean(extra_mean, voice):
    """One active person's mean extra actions: ``extra_mean * voice`` in float32 (a Python float times a
    float32 array), then float64, as NumPy formed it."""
    return np.float64(np.float32(extra_mean) * voice)


@nb.njit(cache=True)
def active_day(people, voice, extra_mean, posted, key):
    """A day of the activity log in one pass over the active ``people`` (ascending): their visible
    actions ``1 + Poisson(extra_mean * voice)`` (the float32 product NumPy forms, then float64) and
    whether they posted (``posted``: ascending ids). What a Poisson draw per person and a sorted
    search gave."""
    n = people.size
    actions = np.empty(n, np.int64)
    posts = np.zeros(n, np.int64)
    p = 0
    for j in range(n):
        i = people[j]
        actions[j] = _poisson(hash_uniform(key, np.uint64(i)), action_mean(extra_mean, voice[i])) + 1
        while p < posted.size and posted[p] < i:
            p += 1
        if p < posted.size and posted[p] == i:
            posts[j] = 1
    return actions, posts


@nb.njit(cache=True)
def _friends_at_random(indptr, indices, status, people, counts, key, src, dst):
    outside = np.int8(3)
    w = 0
    for j in range(people.size):
        i = people[j]
        reachable = 0
        for k in range(indptr[i], indptr[i + 1]):
            if status[indices[k]] != outside:
                reachable += 1
        if reachable == 0:
            continue
        for a in range(counts[j]):
            u = hash_uniform(key, np.uint64(i) * np.uint64(1_000_003) + np.uint64(a))
            pick = min(int(u * reachable), reachable - 1)
            for k in range(indptr[i], indptr[i + 1]):
                if status[indices[k]] != outside:
                    if pick == 0:
                        src[w] = i
                        dst[w] = indices[k]
                        w += 1
                        break
                    pick -= 1
    return w


def friends_at_random(indptr, indices, status, people: np.ndarray, counts: np.ndarray, key) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``counts[j]`` actions of person ``people[j]``, a friend picked uniformly at random among
    those in the audience (one can only message people who are there)."""
    total = int(counts.sum())
    src = np.empty(total, np.int64)
    dst = np.empty(total, np.int64)
    w = _friends_at_random(indptr, indices, status, np.ascontiguousarray(people, np.int64),
                           np.ascontiguousarray(counts, np.int64), key, src, dst)
    return src[:w], dst[:w]
