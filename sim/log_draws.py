"""Numba kernels for the activity log: Poisson counts and friends picked at random, from CRN keys."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from sim.random_streams import hash_uniform


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


@nb.njit(cache=True)
def _poisson_at(key, index, lam, out):
    for j in range(index.size):
        out[j] = _poisson(hash_uniform(key, np.uint64(index[j])), lam[j])


def poisson_at(key, index: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson(lam[j]) draws for people ``index[j]`` under CRN ``key`` (one uniform each)."""
    out = np.empty(index.size, np.int64)
    _poisson_at(key, np.ascontiguousarray(index, np.int64), np.ascontiguousarray(lam, np.float64), out)
    return out


@nb.njit(cache=True)
def _friends_at_random(indptr, indices, people, counts, key, src, dst):
    w = 0
    for j in range(people.size):
        i = people[j]
        degree = indptr[i + 1] - indptr[i]
        if degree == 0:
            continue
        for a in range(counts[j]):
            u = hash_uniform(key, np.uint64(i) * np.uint64(1_000_003) + np.uint64(a))
            src[w] = i
            dst[w] = indices[indptr[i] + min(int(u * degree), degree - 1)]
            w += 1
    return w


def friends_at_random(indptr, indices, people: np.ndarray, counts: np.ndarray, key) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``counts[j]`` actions of person ``people[j]``, a friend picked uniformly at random."""
    total = int(counts.sum())
    src = np.empty(total, np.int64)
    dst = np.empty(total, np.int64)
    w = _friends_at_random(indptr, indices, np.ascontiguousarray(people, np.int64),
                           np.ascontiguousarray(counts, np.int64), key, src, dst)
    return src[:w], dst[:w]
