"""Audience growth: people outside the audience arrive over time and become prospects.

With ``population.audience_at_start < 1`` the rest of the people start outside the audience
(``Status.OUTSIDE``) in a random arrival order (``sim.population._audience_at_start``). Each
day ``r(t) * joining(t)`` of them arrive, in that order, where ``r(t)`` is either the people
outside divided by ``population.arrival_days`` (an even spread) or the day's count from
``population.arrivals_file`` with the header ``day,people``, and ``joining(t)`` is the
calendar's joining multiplier (:mod:`sim.calendar`). Fractions carry over to the next day, so
arrivals are whole people and deterministic: no random number is drawn.

An arrivals file with the header ``person,day`` (or ``person,day,as``) says *who* arrives when
instead (the labels of a network file's nodes, or node numbers): a calibrated twin's schedule of
first appearances (:func:`person_arrivals`). Those people arrive exactly on their day (and never,
when it is after the run's last day); everyone else is present from the run's first state (day 0, or
``-history_days`` in a run that replays a past). Days before that first state are refused. ``as`` is ``prospect``
(the default) or ``member``: someone whose first appearance was an action of their own arrives as
a member, joining that day. Beside a state file (``population.state_file``: a twin starting from
the end of its log) such a file lists the newcomers projected after day 0; someone the state file
names cannot arrive later.
"""

from __future__ import annotations

import csv
import math
import weakref
from pathlib import Path

import numpy as np

from commsim.sim.calendar import CalendarFileError
from commsim.sim.errors import ConfigError
from commsim.sim.population import Population, Status


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


def _header(path: Path) -> list[str]:
    try:
        first = Path(path).read_text(encoding="utf-8-sig").splitlines()[:1]
    except (OSError, UnicodeDecodeError) as err:
        raise CalendarFileError(f"{path}: cannot read the arrivals file ({err})") from None
    return [h.strip().lower() for h in first[0].split(",")] if first else []


FROM_THE_START = -(2**40)  # the arrival day of someone an arrivals file does not list


def per_person_arrivals(path: str | Path) -> bool:
    """Whether the arrivals file at ``path`` says who arrives (``person,day[,as]``), not how many."""
    return _header(path) in (["person", "day"], ["person", "day", "as"])


# parsed arrivals files, per graph (by identity: a file network is cached, sim/network.py) and per file
# version; parsing a twin's file in Python was ~9 ms of each of a calibration's ~60 ms runs
_PARSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def person_arrivals(cfg, graph) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-person arrival days and whether each arrives as a member, from a ``person,day[,as]``
    arrivals file; None when there is no such file. The arrays are read-only (shared by the runs
    of a worker on the same graph and file)."""
    if not cfg.arrivals_file:
        return None
    path = Path(cfg.arrivals_file)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None  # _header says what is wrong
    cached = _PARSED.get(graph, {}).get(key, False) if key is not None else False
    if cached is not False:
        return cached
    parsed = _person_arrivals(cfg, graph)
    if parsed is not None:
        for array in parsed:
            array.setflags(write=False)
    if key is not None:
        _PARSED.setdefault(graph, {})[key] = parsed
    return parsed


def _person_arrivals(cfg, graph) -> tuple[np.ndarray, np.ndarray] | None:
    if not per_person_arrivals(cfg.arrivals_file):
        return None
    path = Path(cfg.arrivals_file)
    labels = graph.labels if graph.labels is not None else np.arange(graph.n).astype(str)
    index = {str(label): i for i, label in enumerate(labels)}
    days = np.full(graph.n, FROM_THE_START, np.int64)  # not listed: there from the run's first state
    member = np.zeros(graph.n, bool)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != width or row[0].strip() not in index:
            raise CalendarFileError(f"{path}, line {number}: expected a person of the network, a day"
                                    f"{' and prospect or member' if width == 3 else ''}, got {','.join(row)!r}")
        try:
            days[index[row[0].strip()]] = int(row[1])
        except ValueError:
            raise CalendarFileError(f"{path}, line {number}: the day {row[1]!r} is not a whole number") from None
        if width == 3:
            kind = row[2].strip().lower()
            if kind not in ("prospect", "member"):
                raise CalendarFileError(f"{path}, line {number}: as {row[2]!r}; allowed: prospect, member")
            member[index[row[0].strip()]] = kind == "member"
    return days, member


def check_arrival_days(days: np.ndarray, history: int, labels) -> None:
    """Refuse arrivals before the run's first state (day ``-history``): a file written for a run that
    replays a longer past (a twin's ``arrivals_replay.csv`` with ``history_days`` lowered)."""
    early = np.flatnonzero((days < -history) & (days != FROM_THE_START))
    if early.size:
        who = labels[early[0]] if labels is not None else int(early[0])
        raise ConfigError([f"population.arrivals_file: {early.size} people arrive before the run's first state (day "
                           f"{-history}; the first: {who!r} on day {int(days[early[0]])}); a file whose days up to 0 "
                           f"are a past needs history_days of at least {int(-days[early].min())}"])


class Arrivals:
    """Who arrives each day. ``history``: days of a past replayed before day 1 (``Config.history_days``);
    the rates are held from the run's first day, ``-history``, at position 0."""

    def __init__(self, pop: Population, cfg, days: int, scheduled: np.ndarray | None = None,
                 as_member: np.ndarray | None = None, history: int = 0):
        outside = np.flatnonzero(pop.status == Status.OUTSIDE)
        self.queue = outside[np.argsort(pop.arrival_order[outside], kind="stable")]
        self.next = 0
        self.carry = 0.0
        self.as_member = as_member
        self.scheduled = scheduled is not None
        self.history = history
        span = history + days
        if self.scheduled:  # exactly the people due each day
            due = scheduled[self.queue] + history  # positions; people due after the last day never arrive
            self.rate = np.bincount(np.maximum(due[due <= span], 0), minlength=span + 1).astype(float)
        elif cfg.arrivals_file:
            self.rate = read_arrivals(cfg.arrivals_file, days)
        else:
            self.rate = np.full(span + 1, self.queue.size / cfg.arrival_days)

    def arrive(self, pop: Population, day: int, multiplier: float) -> tuple[int, np.ndarray]:
        """Today's arrivals become prospects; returns how many arrived, and those of them who arrive
        as members (the caller makes them members)."""
        none = np.zeros(0, np.int64)
        if self.next >= self.queue.size:
            return 0, none
        self.carry += self.rate[min(day + self.history, self.rate.size - 1)] * (1.0 if self.scheduled else multiplier)
        k = min(int(self.carry + 1e-9), self.queue.size - self.next)
        if k <= 0:
            return 0, none
        self.carry -= k
        who = self.queue[self.next:self.next + k]
        self.next += k
        pop.status[who] = Status.PROSPECT
        members = who[self.as_member[who]] if self.as_member is not None else none
        return int(k), members
