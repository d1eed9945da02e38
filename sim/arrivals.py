"""Audience growth: people outside the audience arrive over time and become prospects.

With ``population.audience_at_start < 1`` the rest of the people start outside the audience
(``Status.OUTSIDE``) in a random arrival order (:func:`sim.population.draw_traits` sibling
``_audience_at_start``). Each day ``r(t) * joining(t)`` of them arrive, in that order, where
``r(t)`` is either the people outside divided by ``population.arrival_days`` (an even spread)
or the day's count from ``population.arrivals_file`` (CSV ``day,people``), and ``joining(t)``
is the calendar's joining multiplier (:mod:`sim.calendar`). Fractions carry over to the next
day, so arrivals are whole people and deterministic: no random number is drawn.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from sim.calendar import CalendarFileError
from sim.population import Population, Status


def read_arrivals(path: str | Path, days: int) -> np.ndarray:
    """People arriving on each day 0..days from a CSV ``day,people`` (other days: 0)."""
    path = Path(path)
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as err:
        raise CalendarFileError(f"{path}: cannot read the arrivals file ({err})") from None
    if not rows or [h.strip().lower() for h in rows[0]] != ["day", "people"]:
        raise CalendarFileError(f"{path}, line 1: expected the header day,people")
    counts = np.zeros(days + 1)
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        try:
            day, people = int(row[0]), float(row[1])
        except (ValueError, IndexError):
            raise CalendarFileError(f"{path}, line {number}: expected a whole day and a number of people, "
                                    f"got {','.join(row)!r}") from None
        if day < 1 or not (people >= 0 and math.isfinite(people)):
            raise CalendarFileError(f"{path}, line {number}: day must be 1 or later and people zero or more")
        if day <= days:
            counts[day] += people
    return counts


class Arrivals:
    def __init__(self, pop: Population, cfg, days: int):
        outside = np.flatnonzero(pop.status == Status.OUTSIDE)
        self.queue = outside[np.argsort(pop.arrival_order[outside], kind="stable")]
        self.next = 0
        self.carry = 0.0
        if cfg.arrivals_file:
            self.rate = read_arrivals(cfg.arrivals_file, days)
        else:
            self.rate = np.full(days + 1, self.queue.size / cfg.arrival_days)

    def arrive(self, pop: Population, day: int, multiplier: float) -> int:
        """Today's arrivals become prospects; returns how many."""
        if self.next >= self.queue.size:
            return 0
        self.carry += self.rate[min(day, self.rate.size - 1)] * multiplier
        k = min(int(self.carry + 1e-9), self.queue.size - self.next)
        if k <= 0:
            return 0
        self.carry -= k
        who = self.queue[self.next:self.next + k]
        self.next += k
        pop.status[who] = Status.PROSPECT
        return int(k)
