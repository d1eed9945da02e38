"""Common random numbers: one independent, random-access stream per decision kind.

Every random number the day loop uses is a pure function of
``(seed, stream name, day, index)``::

    u = splitmix64(key(seed, stream, day) + (index + 1) * GOLDEN) / 2**64

so the draw for person ``i`` on day ``t`` in the "churn" stream does not depend
on how many numbers any other stream, strategy or person consumed. This is the
common-random-numbers (CRN) design of Starsim (Klein et al. 2024,
arXiv:2409.02086) taken one step further: instead of drawing a full vector per
stream per day and indexing it, draws are counter-based, so a kernel can ask
for the number of any (index) directly, e.g. one per graph edge a cascade
actually crosses.

Set-up draws that are not per-day (initial habits, intrinsic fit, the graph
itself) come from :meth:`RandomStreams.generator`, a NumPy ``Generator``
seeded by ``(seed, stream name)`` -- again independent of every other stream.
"""

from __future__ import annotations

import zlib

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_SETUP, _DAILY = 0, 1  # domain tags: set-up generators and daily keys never share entropy


@nb.njit(cache=True, inline="always")
def hash_uniform(key: np.uint64, index: np.uint64) -> float:
    """Uniform [0, 1) number for ``index`` under ``key`` (SplitMix64 finaliser)."""
    z = key + (index + _ONE) * _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _TO_UNIT


@nb.njit(cache=True)
def _uniform_range(key: np.uint64, n: int, out: np.ndarray) -> None:
    for i in range(n):
        out[i] = hash_uniform(key, np.uint64(i))


@nb.njit(cache=True)
def _uniform_at(key: np.uint64, idx: np.ndarray, out: np.ndarray) -> None:
    for j in range(idx.size):
        out[j] = hash_uniform(key, np.uint64(idx[j]))


@nb.njit(cache=True)
def _below(key: np.uint64, idx: np.ndarray, p: np.ndarray, step: int) -> np.ndarray:
    # p[j * step]: a chance per person (step 1) or one for all (a 1-element p, step 0)
    out = np.empty(idx.size, np.int64)
    k = 0
    for j in range(idx.size):
        if hash_uniform(key, np.uint64(idx[j])) < p[j * step]:
            out[k] = idx[j]
            k += 1
    return out[:k]


@nb.njit(cache=True)
def _uniform_where(key: np.uint64, codes: np.ndarray, code, out: np.ndarray) -> int:
    count = 0
    for i in range(codes.size):
        if codes[i] == code:
            out[i] = hash_uniform(key, np.uint64(i))
            count += 1
        else:
            out[i] = -1.0
    return count


_MASK64 = (1 << 64) - 1
_DAY_STEP = 0xD1B54A32D192ED03  # odd constant, distinct from the per-index golden step


def _splitmix64(z: int) -> int:
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _day_keys(base: int, days: int) -> np.ndarray:
    """``_splitmix64((base + day * _DAY_STEP) mod 2^64)`` for days ``0 .. days-1``, in NumPy's
    unsigned 64-bit arithmetic (which wraps modulo 2^64, as the masks of the scalar form do)."""
    z = np.uint64(base) + np.arange(days, dtype=np.uint64) * np.uint64(_DAY_STEP)
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


def stream_id(name: str) -> int:
    """Stable 32-bit id of a stream name (``hash()`` is salted per process)."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Named, independent random streams for one replicate ``seed``.

    >>> rs = RandomStreams(seed=1)
    >>> u = rs.uniform("churn", day=3, n=5)          # one number per person 0..4
    >>> bool(np.all(rs.uniform_at("churn", 3, np.array([4, 0])) == u[[4, 0]]))
    True
    """

    def __init__(self, seed: int, day_offset: int = 0):
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        # a run that replays a past of H days numbers its days -H+1 .. 0, 1, ...; its draws are keyed by
        # the day counted from its first state (day + H), so that they are a plain run's of the same days
        self.day_offset = int(day_offset)
        self._base: dict[str, int] = {}
        self._keys: dict[str, np.ndarray] = {}  # per stream: its keys of days 0, 1, 2, ... made so far

    def key(self, name: str, day: int) -> np.uint64:
        """The 64-bit key of stream ``name`` on ``day``.

        ``SplitMix64(base(seed, name) + day * C)``, where the per-stream base comes from
        ``SeedSequence([seed, crc32(name), DAILY])`` once; deriving a SeedSequence per
        day cost a quarter of a small model's day. A stream's keys are made for a run of days at
        once (:func:`_day_keys`, the same numbers) and looked up: a day asks for a dozen keys.
        """
        day = int(day) + self.day_offset
        keys = self._keys.get(name)
        if keys is None or not 0 <= day < keys.size:
            if day < 0:
                return np.uint64(_splitmix64((self._stream_base(name) + day * _DAY_STEP) & _MASK64))
            keys = self._keys[name] = _day_keys(self._stream_base(name), max(2 * day + 1, 400))
        return keys[day]

    def _stream_base(self, name: str) -> int:
        base = self._base.get(name)
        if base is None:
            seq = np.random.SeedSequence([self.seed, stream_id(name), _DAILY])
            base = self._base[name] = int(seq.generate_state(1, dtype=np.uint64)[0])
        return base

    def uniform(self, name: str, day: int, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1): the draws of persons ``0 .. n-1``."""
        out = np.empty(n, dtype=np.float64)
        _uniform_range(self.key(name, day), n, out)
        return out

    def uniform_at(self, name: str, day: int, index: np.ndarray) -> np.ndarray:
        """Uniforms for arbitrary indices (same value as ``uniform(...)[index]``)."""
        index = np.ascontiguousarray(index, dtype=np.int64)
        out = np.empty(index.size, dtype=np.float64)
        _uniform_at(self.key(name, day), index, out)
        return out

    def uniform_where(self, name: str, day: int, codes: np.ndarray, code: int) -> tuple[np.ndarray, int]:
        """Everyone's draw where ``codes == code`` (e.g. the prospects, by status) and -1 elsewhere,
        with how many people have a draw: ``u = uniform(name, day, n); u[codes != code] = -1`` in one
        pass (paid acquisition at 1M people drew, masked and counted three full arrays a day).

        >>> rs, status = RandomStreams(seed=1), np.array([0, 1, 0, 2], np.int8)
        >>> u, n = rs.uniform_where("draw", 3, status, 0)
        >>> n, bool(np.array_equal(u, np.where(status == 0, rs.uniform("draw", 3, 4), -1.0)))
        (2, True)
        """
        out = np.empty(codes.size, dtype=np.float64)
        count = _uniform_where(self.key(name, day), codes, codes.dtype.type(code), out)
        return out, count

    def below(self, name: str, day: int, index: np.ndarray, p) -> np.ndarray:
        """The people of ``index`` whose draw is below their probability ``p`` (a number, or one per
        person of ``index``): ``index[uniform_at(name, day, index) < p]`` in one pass, without the
        draws, the mask or the copies (a small community's day makes a handful of these choices, and
        each was mostly allocation).

        >>> rs = RandomStreams(seed=1)
        >>> who, p = np.array([0, 3, 7, 9]), np.array([0.2, 0.9, 0.5, 0.1])
        >>> bool(np.array_equal(rs.below("churn", 3, who, p), who[rs.uniform_at("churn", 3, who) < p]))
        True
        """
        index = np.ascontiguousarray(index, dtype=np.int64)
        if np.ndim(p) == 0:
            return _below(self.key(name, day), index, np.array([float(p)]), 0)
        p = np.ascontiguousarray(p)
        if p.shape != index.shape:
            raise ValueError(f"below: {p.size} probabilities for {index.size} people")
        return _below(self.key(name, day), index, p, 1)

    def generator(self, name: str) -> np.random.Generator:
        """A NumPy generator for set-up draws of stream ``name`` (not per-day)."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, stream_id(name), _SETUP]))
