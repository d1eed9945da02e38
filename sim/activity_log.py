"""ActivityLog: who was active on which day -- the one type for imported data and simulated runs.

An imported export (``experiments.logs``) and a run with ``outputs.activity_log=true`` both
give an :class:`ActivityLog`, and :mod:`sim.observed` measures both with the same functions,
so a calibration compares like with like.

* ``days``: one row per active person-day -- ``person``, ``day``, ``actions`` (visible actions
  that day, at least 1: messages, posts, comments) and ``posts`` (of those, public posts);
* ``interactions``: optional, one row per (person, other, day) -- ``count`` actions of
  ``person`` aimed at ``other`` that day (messages, replies); they make a social graph;
* ``first_day`` .. ``last_day``: the observed window (a run's days are 1..T, an import's
  0..D-1); ``people``: everyone known (ids ``0 .. people-1``, including people who were only
  ever the *other* of an interaction); ``labels``: their original ids; ``first_weekday``: the
  weekday of ``first_day`` (0 = Monday), when known.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

DAY_COLUMNS = ("person", "day", "actions", "posts")
INTERACTION_COLUMNS = ("person", "other", "day", "count")


@dataclass
class ActivityLog:
    days: pd.DataFrame
    first_day: int
    last_day: int
    people: int
    interactions: pd.DataFrame | None = None
    labels: np.ndarray | None = None
    first_weekday: int | None = None
    source: str = "simulated"
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        missing = [c for c in DAY_COLUMNS if c not in self.days.columns]
        if missing:
            raise ValueError(f"an activity log needs the columns {DAY_COLUMNS}; missing {missing}")
        days = self.days[list(DAY_COLUMNS)].astype("int64")
        d, p = days.day.to_numpy(), days.person.to_numpy()
        # a window of a log (a calibration's measure) is already in order: sorting it again cost more than the rest
        ordered = bool(np.all((d[1:] > d[:-1]) | ((d[1:] == d[:-1]) & (p[1:] > p[:-1]))))
        self.days = days.reset_index(drop=True) if ordered else days.sort_values(["day", "person"], ignore_index=True)
        if self.interactions is not None:
            self.interactions = self.interactions[list(INTERACTION_COLUMNS)].astype("int64")
        if self.last_day < self.first_day:
            raise ValueError(f"an activity log needs at least one day (first_day {self.first_day}, "
                             f"last_day {self.last_day})")

    @property
    def n_days(self) -> int:
        return self.last_day - self.first_day + 1

    def window(self, first: int, last: int) -> "ActivityLog":
        """The same log restricted to days ``first .. last`` (a shallow copy when that is the whole log:
        a calibration run's measure, whose window is the run)."""
        if first == self.first_day and last == self.last_day:
            whole = copy.copy(self)
            whole.meta = dict(self.meta)
            return whole
        keep = (self.days.day >= first) & (self.days.day <= last)
        inter = None
        if self.interactions is not None:
            i = self.interactions
            inter = i[(i.day >= first) & (i.day <= last)]
        weekday = None if self.first_weekday is None else (self.first_weekday + first - self.first_day) % 7
        return ActivityLog(self.days[keep], first, last, self.people, inter, self.labels, weekday,
                           self.source, dict(self.meta))

    def to_actions(self) -> pd.DataFrame:
        """One row per action -- ``user``, ``day``, ``target`` (empty when the action had none) -- the
        shape an export has (:func:`sim.log_io.read_log` reads it back)."""
        users, days, targets = [], [], []
        aimed = pd.Series(0, index=pd.MultiIndex.from_frame(self.days[["person", "day"]]))
        if self.interactions is not None and len(self.interactions):
            inter = self.interactions
            reps = inter["count"].to_numpy()
            users.append(np.repeat(inter.person.to_numpy(), reps))
            days.append(np.repeat(inter.day.to_numpy(), reps))
            targets.append(np.repeat(inter.other.to_numpy(), reps).astype(object))
            counted = inter.groupby(["person", "day"])["count"].sum()
            aimed = aimed.add(counted, fill_value=0)
        rest = (self.days.set_index(["person", "day"]).actions - aimed.reindex(
            pd.MultiIndex.from_frame(self.days[["person", "day"]])).to_numpy()).clip(lower=0)
        rest = rest[rest > 0]
        users.append(np.repeat(rest.index.get_level_values(0).to_numpy(), rest.to_numpy().astype(int)))
        days.append(np.repeat(rest.index.get_level_values(1).to_numpy(), rest.to_numpy().astype(int)))
        targets.append(np.full(int(rest.sum()), None, dtype=object))
        label = (lambda ids: self.labels[ids]) if self.labels is not None else (lambda ids: ids)
        user = np.concatenate(users).astype(np.int64)
        target = np.concatenate(targets)
        has = np.array([t is not None for t in target])
        named = np.full(len(target), None, dtype=object)
        if has.any():
            named[has] = label(target[has].astype(np.int64))
        out = pd.DataFrame({"user": label(user), "day": np.concatenate(days), "target": named})
        return out.sort_values(["day", "user"], kind="stable", ignore_index=True)

    def save(self, folder: Path, write=None) -> list[Path]:
        """Write ``activity_log.parquet`` (and ``interactions.parquet``) into ``folder``.

        ``write(path, fn)`` lets a caller write atomically (``experiments.runner.outputs.atomic_write``)."""
        folder = Path(folder)
        write = write or (lambda path, fn: fn(path))
        meta = {"first_day": self.first_day, "last_day": self.last_day, "people": self.people,
                "first_weekday": self.first_weekday, "source": self.source}
        table = self.days.copy()
        table.attrs = {}
        out = [folder / "activity_log.parquet"]

        def days_file(path):
            import pyarrow as pa
            import pyarrow.parquet as pq

            arrow = pa.Table.from_pandas(table, preserve_index=False)
            arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                                   b"commsim": _json(meta).encode()})
            pq.write_table(arrow, path)

        write(out[0], days_file)
        if self.interactions is not None:
            out.append(folder / "interactions.parquet")
            write(out[1], lambda path: self.interactions.to_parquet(path, index=False))
        return out

    @classmethod
    def load(cls, folder: Path) -> "ActivityLog":
        """Read a log written by :meth:`save`."""
        import json

        import pyarrow.parquet as pq

        folder = Path(folder)
        arrow = pq.read_table(folder / "activity_log.parquet")
        meta = json.loads((arrow.schema.metadata or {}).get(b"commsim", b"{}"))
        inter_path = folder / "interactions.parquet"
        inter = pd.read_parquet(inter_path) if inter_path.is_file() else None
        return cls(arrow.to_pandas(), meta["first_day"], meta["last_day"], meta["people"], inter,
                   first_weekday=meta.get("first_weekday"), source=meta.get("source", str(folder)))


def _json(data) -> str:
    import json

    return json.dumps(data, sort_keys=True)


class LogRecorder:
    """Collects a run's activity, day by day, into an :class:`ActivityLog` (``outputs.activity_log``).

    ``interactions=False`` records who was active only (what a calibration measures), skipping the
    targets of their actions."""

    def __init__(self, people: int, interactions: bool = True):
        self.people = people
        self.interactions = interactions
        self._days: list[tuple[np.ndarray, ...]] = []
        self._inter: list[tuple[np.ndarray, ...]] = []

    def add(self, day: int, persons: np.ndarray, actions: np.ndarray, posts: np.ndarray,
            sources: np.ndarray | None = None, targets: np.ndarray | None = None) -> None:
        self._days.append((persons.astype(np.int64), np.full(persons.size, day, np.int64),
                           actions.astype(np.int64), posts.astype(np.int64)))
        if self.interactions and sources is not None and sources.size:
            self._inter.append((np.asarray(sources, np.int64), np.asarray(targets, np.int64),
                                np.full(sources.size, day, np.int64)))

    def log(self, first_day: int, last_day: int, first_weekday: int | None) -> ActivityLog:
        cols = [np.concatenate(parts) for parts in zip(*self._days)] if self._days else [np.zeros(0, np.int64)] * 4
        days = pd.DataFrame(dict(zip(DAY_COLUMNS, cols)))
        inter = None
        if self.interactions:
            if self._inter:
                src, dst, day = (np.concatenate(parts) for parts in zip(*self._inter))
                # one row per (person, other, day) with the number of actions between them
                key = np.stack([src, dst, day], axis=1)
                unique, counts = np.unique(key, axis=0, return_counts=True)
                inter = pd.DataFrame({"person": unique[:, 0], "other": unique[:, 1], "day": unique[:, 2],
                                      "count": counts})
            else:
                inter = pd.DataFrame({c: np.zeros(0, np.int64) for c in INTERACTION_COLUMNS})
        return ActivityLog(days, first_day, last_day, self.people, inter, first_weekday=first_weekday)


def from_actions(user, day, target=None, kind=None, *, first_weekday: int | None = None,
                 source: str = "actions", post_kinds=("post",)) -> ActivityLog:
    """An :class:`ActivityLog` from one row per action: ``user`` and ``target`` labels (any
    hashable), ``day`` numbers (0 = the first day of the window), ``kind`` optional
    (actions whose kind is in ``post_kinds`` count as posts). People are numbered in order of
    first appearance as a user or target; ``labels`` keeps the originals."""
    user = pd.Series(np.asarray(user, dtype=object))
    day = np.asarray(day, dtype=np.int64)
    has_target = target is not None
    target = pd.Series(np.asarray(target, dtype=object)) if has_target else None
    if has_target:
        valid = target.notna().to_numpy() & (target.astype(str).str.len() > 0).to_numpy()
        codes, labels = pd.factorize(pd.concat([user, target[valid]], ignore_index=True))
        who = codes[: len(user)]
        other = np.full(len(user), -1, np.int64)
        other[np.flatnonzero(valid)] = codes[len(user):]
    else:
        codes, labels = pd.factorize(user)
        who, other = codes, None
    post = np.zeros(len(user), np.int64)
    if kind is not None:
        post = pd.Series(np.asarray(kind, dtype=object)).isin(post_kinds).to_numpy().astype(np.int64)
    first = int(day.min()) if day.size else 0
    frame = pd.DataFrame({"person": who, "day": day, "post": post})
    days = frame.groupby(["person", "day"]).agg(actions=("post", "size"), posts=("post", "sum")).reset_index()
    inter = None
    if other is not None:
        pairs = pd.DataFrame({"person": who, "other": other, "day": day})
        pairs = pairs[(pairs.other >= 0) & (pairs.other != pairs.person)]
        inter = pairs.value_counts().rename("count").reset_index()
    return ActivityLog(days, first, int(day.max()) if day.size else first, len(labels), inter,
                       labels=np.asarray(labels, dtype=object), first_weekday=first_weekday, source=source)
