"""Activity logs of communities with a known structure, made without the model.

The forecast bench (experiments/forecast_bench.py) scores the twin on communities unlike
CollegeMsg. They must not come from commsim's own model -- a twin fitted to its own model's output
would flatter it -- so each is a plain stochastic process whose structure is set by hand::

    person i, present from day join_i to day leave_i, is active on day t with probability
        1 - exp(-r_i · weekly[t mod 7] · trend(t) · burst(t) · holiday(t))
    r_i ~ lognormal(log rate, 1.0)   (heavy-tailed activity, as in real communities)
    an active day sends 1 + Poisson(2) messages, each to one of 8 fixed contacts (never oneself);
        a contact who has not arrived yet is replaced by someone else present

The multipliers act on the intensity, not on DAU: since the chance of a day's activity saturates
for the most active people, DAU moves less than the multiplier (the workplace's weekend DAU is
about 16% of its weekday DAU for an intensity of 10%).

=========  ======  ====  ==========================================================================
kind       people  days  structure
=========  ======  ====  ==========================================================================
workplace     300   140  weekend intensity 10% of weekdays, flat trend, a silent holiday week (days 84-90)
growing       600   140  people arrive evenly over the 140 days, mild weekly rhythm
declining     600   140  activity decays with e-folding time 70 days, a third leave on a uniform day
bursty        400   140  two-day bursts at 4x activity on six dates
tiny           50   140  a small, steady group
large      20,000   140  a large, steady community with a mild weekly rhythm
=========  ======  ====  ==========================================================================

Times are written as naive ISO datetimes (read as UTC), users and targets as ``u<index>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")  # a Monday: weekly[0] is Monday


@dataclass(frozen=True)
class Structure:
    people: int
    days: int = 140
    rate: float = 0.12  # median daily activity intensity
    weekly: tuple = (1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.8)
    arrivals: str = "start"  # start: all present on day 0; even: arrive evenly over the days
    decay_days: float = 0.0  # e-folding time of activity (0: none)
    leave_share: float = 0.0  # share who leave, at a uniform day
    bursts: tuple = ()  # first days of two-day bursts
    burst_mult: float = 4.0
    holiday: tuple = ()  # (first, last) day with no activity at all
    notes: str = field(default="")


KINDS = {
    "workplace": Structure(300, rate=0.5, weekly=(1, 1, 1, 1, 1, 0.1, 0.1), holiday=(84, 90),
                           notes="weekends at 10% of weekdays, a silent holiday week"),
    "growing": Structure(600, arrivals="even", notes="arrivals spread evenly over the log"),
    "declining": Structure(600, rate=0.2, decay_days=70, leave_share=0.33, notes="activity decays, a third leave"),
    "bursty": Structure(400, bursts=(20, 41, 62, 83, 111, 125), notes="two-day bursts at 4x activity"),
    "tiny": Structure(50, rate=0.3, notes="a small, steady group"),
    "large": Structure(20_000, rate=0.08, notes="a large, steady community"),
}


def intensity(s: Structure) -> np.ndarray:
    """The day multiplier of every day: weekly rhythm x trend x bursts x holiday."""
    t = np.arange(s.days)
    m = np.asarray(s.weekly, float)[(START.day_of_week + t) % 7]
    if s.decay_days:
        m = m * np.exp(-t / s.decay_days)
    for b in s.bursts:
        m[b:b + 2] *= s.burst_mult
    if s.holiday:
        m[s.holiday[0]:s.holiday[1] + 1] = 0.0
    return m


def generate(kind: str, seed: int = 0) -> pd.DataFrame:
    """The log of community ``kind`` (one of :data:`KINDS`): columns ``user, target, time``."""
    if kind not in KINDS:
        raise ValueError(f"unknown community kind {kind!r}; choose one of {', '.join(KINDS)}")
    s = KINDS[kind]
    rng = np.random.default_rng([seed, list(KINDS).index(kind)])
    n = s.people
    rate = s.rate * np.exp(rng.normal(0.0, 1.0, n))
    join = np.zeros(n, int) if s.arrivals == "start" else np.sort(rng.integers(0, s.days, n))
    leave = np.full(n, s.days)
    leaving = rng.random(n) < s.leave_share
    leave[leaving] = rng.integers(0, s.days, leaving.sum())
    contacts = (np.arange(n)[:, None] + rng.integers(1, n, (n, 8))) % n  # eight contacts, never oneself
    m = intensity(s)
    rows = []
    for day in range(s.days):
        present = (join <= day) & (leave > day)
        active = np.flatnonzero(present & (rng.random(n) < 1.0 - np.exp(-rate * m[day])))
        if not len(active):
            continue
        sends = 1 + rng.poisson(2.0, len(active))
        users = np.repeat(active, sends)
        targets = contacts[users, rng.integers(0, 8, len(users))]
        early = join[targets] > day  # nobody is written to before they arrive: another present person is
        if early.any():  # (never oneself: a draw among the others, shifted past the sender)
            others = np.flatnonzero(present)
            pick = np.zeros(early.sum(), int)
            if others.size > 1:
                pick = rng.integers(0, others.size - 1, early.sum())
                pick += others[pick] >= users[early]
            targets[early] = others[pick]
        seconds = rng.integers(0, 86_400, len(users))
        rows.append(pd.DataFrame({"user": users, "target": targets, "second": day * 86_400 + seconds}))
    log = pd.concat(rows, ignore_index=True).sort_values("second", kind="stable")
    return pd.DataFrame({"user": "u" + log.user.astype(str), "target": "u" + log.target.astype(str),
                         "time": (START + pd.to_timedelta(log.second, unit="s")).dt.strftime("%Y-%m-%dT%H:%M:%S")})


def write(kind: str, path: Path, seed: int = 0) -> Path:
    """:func:`generate` written as a gzipped CSV export."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    generate(kind, seed).to_csv(path, index=False, compression="gzip" if path.suffix == ".gz" else None)
    return path
