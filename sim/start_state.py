"""A community's state on day 0, read from a file: a calibrated twin starts from the end of its log.

``population.state_file`` is a CSV, one row per person of the network who was ever active::

    person,status,join_day,last_active_day,recent
    alice,member,-120,0,7
    bob,left,-60,-45,0

* ``person`` -- a node label of the network file (as in an arrivals file);
* ``status`` -- ``member`` (still in the community on day 0) or ``left`` (gone: long dormant);
* ``join_day`` / ``last_active_day`` -- days relative to day 0 (the day the log ends: 0, -1, ...);
* ``recent`` -- who was active on the last 32 days as bits: bit 0 = day 0, bit k = k days earlier.

Everyone else in the network is a prospect. From these: ``active`` (bit 0), ``recent_activity``
(the bits), the tenure and the days since last active (join and last active days), and **habit**
= the share of the last :data:`HABIT_DAYS` days the person was active -- an *assumed* mapping (the
log shows how often someone came, the model's habit is what makes them come; docs/calibration.md).
People who left are churned on their last active day. Points, satisfaction, fatigue and trust are
not in an activity log and start at the model's defaults.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from commsim.sim.errors import ConfigError

COLUMNS = ["person", "status", "join_day", "last_active_day", "recent"]
STATUSES = ("member", "left")
HABIT_DAYS = 28  # habit on day 0 = share of these last days active (assumed mapping)


class StateFileError(ConfigError):
    """A state file could not be used."""

    def __init__(self, message: str):
        super().__init__([message])


def read_state(path, labels, n: int) -> dict[str, np.ndarray]:
    """The rows of ``path`` as arrays, each person as a node index of a network of ``n`` people whose
    node labels are ``labels`` (None: node numbers 0..n-1)."""
    path = Path(path)
    index = {str(label): i for i, label in enumerate(labels)} if labels is not None else None
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except OSError as err:
        raise StateFileError(f"population.state_file: cannot read {path} ({err})") from None
    if not rows or [h.strip().lower() for h in rows[0]] != COLUMNS:
        raise StateFileError(f"{path}, line 1: the header must be {','.join(COLUMNS)}")
    people, status, join, last, recent = [], [], [], [], []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(COLUMNS):
            raise StateFileError(f"{path}, line {number}: expected {len(COLUMNS)} values ({','.join(COLUMNS)})")
        label = row[0].strip()
        node = index.get(label) if index is not None else (int(label) if label.isdigit() and int(label) < n else None)
        if node is None:
            raise StateFileError(f"{path}, line {number}: {label!r} is not a person of the network")
        kind = row[1].strip().lower()
        if kind not in STATUSES:
            raise StateFileError(f"{path}, line {number}: status {row[1]!r}; allowed: {', '.join(STATUSES)}")
        try:
            j, a, bits = int(row[2]), int(row[3]), int(row[4])
        except ValueError:
            raise StateFileError(f"{path}, line {number}: join_day, last_active_day and recent must be whole "
                                 f"numbers") from None
        if not (j <= a <= 0) or not (0 <= bits < 2**32):
            raise StateFileError(f"{path}, line {number}: needs join_day <= last_active_day <= 0 and recent in "
                                 f"0..2^32-1, got {j}, {a}, {bits}")
        people.append(node)
        status.append(kind == "member")
        join.append(j)
        last.append(a)
        recent.append(bits)
    people_arr = np.asarray(people, np.int64)
    if np.unique(people_arr).size != people_arr.size:
        raise StateFileError(f"{path}: a person appears twice")
    return {"person": people_arr, "member": np.asarray(status, bool), "join_day": np.asarray(join, np.int32),
            "last_active_day": np.asarray(last, np.int32), "recent": np.asarray(recent, np.uint32)}


def apply_state(pop, state: dict[str, np.ndarray], member_status: int, churned_status: int, seed_channel: int) -> None:
    """Put ``state`` (:func:`read_state`) into the day-0 population ``pop``."""
    who = state["person"]
    member = state["member"]
    pop.join_day[who] = state["join_day"]
    pop.last_active_day[who] = state["last_active_day"]
    pop.channel[who] = seed_channel
    pop.status[who] = np.where(member, member_status, churned_status)
    left = who[~member]
    pop.churn_day[left] = state["last_active_day"][~member]
    stay = who[member]
    bits = state["recent"][member]
    pop.recent_activity[stay] = bits
    pop.active[stay] = (bits & 1).astype(bool)
    window = np.uint32((1 << HABIT_DAYS) - 1)
    days = np.bitwise_count(bits & window).astype(np.float32)
    there = np.minimum(HABIT_DAYS, 1 - state["join_day"][member]).astype(np.float32)  # days since joining, <= 28
    pop.habit[stay] = days / there
