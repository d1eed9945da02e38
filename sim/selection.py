"""Choosing the first ``k`` of many by a key, fast: what strategies use to pick people.

``smallest_k(values, k)`` returns exactly ``np.argsort(values, kind="stable")[:k]`` -- the same
people in the same order, ties broken by position -- in O(n + k log k) instead of a full
O(n log n) sort: a partition finds the k-th smallest value, and only the candidates at or below it
are sorted. At 1M prospects and k = 100 it is ~25x faster (paid acquisition sorted every prospect
three times a day: 95% of an all-strategies day at 1M people).
"""

from __future__ import annotations

import numpy as np


def smallest_k(values, k: int) -> np.ndarray:
    """Positions of the ``k`` smallest ``values`` in ascending order, ties by position
    (= ``np.argsort(values, kind="stable")[:k]``). NaN sorts last, as in argsort."""
    values = np.asarray(values)
    n = values.size
    k = max(0, min(int(k), n))
    if k == 0:
        return np.zeros(0, np.int64)
    if 4 * k >= n or values.dtype.kind not in "fiu":
        return np.argsort(values, kind="stable")[:k].astype(np.int64, copy=False)
    kth = np.partition(values, k - 1)[k - 1]
    if kth != kth:  # NaN among the k smallest: let argsort place the NaNs
        return np.argsort(values, kind="stable")[:k].astype(np.int64, copy=False)
    candidates = np.flatnonzero(values <= kth)  # every value that can be among the first k, ties included
    order = np.argsort(values[candidates], kind="stable")  # candidates ascend: ties stay in position order
    return candidates[order[:k]]


def race_keys(u: np.ndarray, log_weight: np.ndarray) -> np.ndarray:
    """Keys of an exponential race (Efraimidis & Spirakis 2006, weighted sampling without
    replacement): ``log(u) / w`` with ``w = exp(log_weight)``; the k largest keys are a sample of k
    drawn with probabilities proportional to ``w``."""
    return np.log(np.maximum(u, 1e-300)) / np.exp(log_weight)


def race_winners(u: np.ndarray, log_weight, k: int, bounds: tuple[float, float], racing: int | None = None) -> np.ndarray:
    """Positions of the ``k`` largest :func:`race_keys` in descending order, ties by position -- exactly
    ``smallest_k(-race_keys(u, log_weight(all)), k)`` -- computing weights only for those who can win.

    ``log_weight(positions)`` gives the log-weights of those positions; ``bounds`` = (lowest,
    highest) log-weight anyone can have. The k largest ``u`` give a key every winner must reach;
    only people whose ``u`` could reach it at the highest weight are weighed (at 1M prospects and a
    tilt of 6, about 4% of them). A negative ``u`` keeps that position out of the race (someone
    already taken), as if it were not in the arrays at all. ``racing``: how many ``u`` are not negative,
    when the caller knows (else counted)."""
    if racing is None:
        racing = int(np.count_nonzero(u >= 0))
    k = max(0, min(int(k), racing))
    if k == 0:
        return np.zeros(0, np.int64)
    lo, hi = bounds
    m = 4 * k + 64
    if m < racing:
        top = np.flatnonzero(u >= 1.0 - m / racing)  # the largest u's, about m of them
        if top.size >= k:
            first = top[np.argpartition(-u[top], k - 1)[:k]]  # the k largest u: k keys of at least...
            reach = race_keys(u[first], log_weight(first)).min()  # ...this; no one below it can win
            # key_i <= log(u_i) / exp(hi): only u_i >= exp(reach exp(hi)) can reach it (margin for rounding)
            floor = np.exp(reach * np.exp(hi)) * (1.0 - 1e-9)
            candidates = np.flatnonzero(u >= floor)
            keys = race_keys(u[candidates], log_weight(candidates))
            return candidates[smallest_k(-keys, k)]
    everyone = np.flatnonzero(u >= 0)
    return everyone[smallest_k(-race_keys(u[everyone], log_weight(everyone)), k)]
