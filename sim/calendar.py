"""The calendar: a weekly rhythm and dated outside events (holidays, term breaks, launches, outages).

Each day t gets two numbers and a flag (:class:`Calendar`):

* ``activity_offset[t] = log(weekly[weekday(t)]) + Σ log(event.activity)`` over the events
  running on day t: added to everyone's log-odds of being active, i.e. the odds of activity
  are multiplied by the weekday's factor and by each event's factor;
* ``joining[t] = Π event.joining``: multiplies the join chances of prospects and the day's
  arrivals into the audience;
* ``away[t]``: whether an event with ``away: true`` runs on day t -- everyone is away (a holiday,
  a shutdown), so nobody's silence that day counts: habits do not fade (:mod:`agents.state`), no
  one lapses, and the churn hazard's clock of days since a member was last active skips the day
  (:mod:`agents.churn`, through ``present[t]``, the days up to t that were not away).

``weekday(t) = (start_weekday + t - 1) mod 7`` (0 = Monday; day 1 is the first simulated day).
Events come from ``calendar.events`` in the config and/or a CSV file (``calendar.file``) with
the header ``name,start,end,activity,joining,away`` (the last three optional, default 1, 1 and
false; days inclusive). With the defaults (a flat week, no events) every offset is 0 and every multiplier
1, and the calendar changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from commsim.sim.delimited import read_records
from commsim.sim.errors import UserError
from commsim.sim.params import Source, param

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarFileError(UserError, ValueError):
    """A calendar (or arrivals) file could not be read; the message names the file and line."""


@dataclass
class CalendarEvent:
    name: str = param("event", "label of the event (holiday, term break, launch, outage ...)")
    start: int = param(1, "first day of the event (1 or later; from 1 - history_days in a run that replays a past)",
                       unit="day")
    end: int = param(1, "last day of the event (inclusive)", unit="day")
    activity: float = param(1.0, "multiplier of everyone's odds of being active on those days", gt=0, unit="×")
    joining: float = param(1.0, "multiplier of join chances and arrivals on those days", ge=0, unit="×")
    away: bool = param(False, "everyone is away (a holiday, a shutdown): silence on those days does not count -- "
                       "habits do not fade, no one lapses, churn clocks stop")

    def check(self) -> list[str]:
        if self.end < self.start:
            return [f"end: {self.end} is before start ({self.start})"]
        return []


@dataclass
class CalendarConfig:
    start_weekday: int = param(0, "weekday of day 1 (0 = Monday ... 6 = Sunday)", ge=0, le=6,
                               source=Source("user"), why="Which weekday the simulated period starts on.")
    weekly: list[float] = param(
        None, "multipliers of the odds of activity, Monday to Sunday (1 = no weekly rhythm)",
        factory=lambda: [1.0] * 7, source=Source("user"),
        why="Communities have a weekly rhythm (CollegeMsg: Saturday ~0.7, Wednesday ~1.2 of the mean DAU).")
    events: list[CalendarEvent] = param(None, "dated outside events", factory=list, source=Source("user"),
                                        why="Holidays, term breaks, launches and outages move everyone at once.")
    file: Optional[str] = param(None, "CSV of dated events: name,start,end[,activity][,joining][,away]",
                                source=Source("user"), why="Keep a long calendar in a file.")

    def check(self) -> list[str]:
        problems = []
        if len(self.weekly) != 7:
            problems.append(f"weekly: needs 7 multipliers (Monday to Sunday), got {len(self.weekly)}")
        bad = [w for w in self.weekly if not (isinstance(w, (int, float)) and math.isfinite(w) and w > 0)]
        if bad:
            problems.append(f"weekly: multipliers must be positive numbers, got {bad}")
        if self.file is not None and not Path(self.file).is_file():
            problems.append(f"file: {self.file!r} is not a file (a CSV with name,start,end,activity,joining,away)")
        return problems


def read_events(path: str | Path) -> list[CalendarEvent]:
    """Events from a CSV file; every problem names the file and line."""
    path = Path(path)
    events = []
    for number, values in read_records(path, ("name", "start", "end"),
                                       ("name", "start", "end", "activity", "joining", "away"), CalendarFileError):
        try:
            event = CalendarEvent(name=values["name"], start=int(values["start"]), end=int(values["end"]),
                                  activity=float(values.get("activity") or 1.0),
                                  joining=float(values.get("joining") or 1.0), away=yes_or_no(values.get("away")))
        except ValueError as err:
            raise CalendarFileError(f"{path}, line {number}: {err}") from None
        problems = event.check()
        if event.start < 1:
            problems.append(f"start: {event.start} must be a day of the run (1 or later)")
        if not (event.activity > 0 and math.isfinite(event.activity)):
            problems.append(f"activity: {event.activity} must be a positive number")
        if not (event.joining >= 0 and math.isfinite(event.joining)):
            problems.append(f"joining: {event.joining} must be zero or more")
        if problems:
            raise CalendarFileError(f"{path}, line {number}: " + "; ".join(problems))
        events.append(event)
    return events


YES = ("1", "true", "yes", "y")
NO = ("", "0", "false", "no", "n")


def yes_or_no(text: str | None) -> bool:
    """A CSV cell read as a yes/no flag (blank: no)."""
    word = (text or "").strip().lower()
    if word in YES or word in NO:
        return word in YES
    raise ValueError(f"away: {text!r} is not yes or no (1/0, true/false, yes/no)")


@dataclass
class Calendar:
    """Per-day activity offsets, joining multipliers and away days, for days ``-history .. days``: the
    arrays hold day ``t`` at position ``t + history`` (the run's first state, day ``-history``, at 0)."""

    activity_offset: np.ndarray
    joining: np.ndarray
    start_weekday: int
    away: np.ndarray = None  # bool per day; None: no day is away
    present: np.ndarray = None  # days of the run up to t that were not away, per day t (None: t itself)
    history: int = 0  # days of the past replayed before day 1 (Config.history_days)

    @classmethod
    def build(cls, cfg: CalendarConfig, days: int, history: int = 0) -> "Calendar":
        t = np.arange(-history, days + 1)
        weekly = np.log(np.asarray(cfg.weekly, float))
        offset = weekly[(cfg.start_weekday + t - 1) % 7]
        joining = np.ones(t.size)
        away = np.zeros(t.size, bool)
        events = list(cfg.events) + (read_events(cfg.file) if cfg.file else [])
        for event in events:
            lo, hi = max(event.start, 1 - history), min(event.end, days)
            if lo > hi:
                continue
            offset[lo + history:hi + history + 1] += math.log(event.activity)
            joining[lo + history:hi + history + 1] *= event.joining
            away[lo + history:hi + history + 1] |= bool(event.away)
        offset[0] = 0.0
        if not away.any():
            return cls(offset, joining, cfg.start_weekday, history=history)
        return cls(offset, joining, cfg.start_weekday, away, np.arange(t.size) - np.cumsum(away), history)

    def activity(self, day: int) -> float:
        """Day ``day``'s offset of everyone's log-odds of activity."""
        return float(self.activity_offset[day + self.history])

    def joining_on(self, day: int) -> float:
        """Day ``day``'s multiplier of join chances and arrivals."""
        return float(self.joining[day + self.history])

    def is_away(self, day: int) -> bool:
        return self.away is not None and bool(self.away[day + self.history])

    def days_present(self, since: np.ndarray, day: int) -> np.ndarray:
        """Days from day ``since`` (each person's; may be before the run's first day) to ``day`` that were
        not away: ``day - since`` when no day is away."""
        if self.present is None:
            return day - since
        at = since + self.history  # positions; before the run's first day every day counts
        before = self.present[np.clip(at, 0, self.present.size - 1)]
        return self.present[day + self.history] - np.where(at >= 0, before, at)

    def weekday(self, day: int) -> int:
        return (self.start_weekday + day - 1) % 7

    @property
    def flat(self) -> bool:
        return not np.any(self.activity_offset) and bool(np.all(self.joining == 1.0)) and self.away is None
