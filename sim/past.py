"""The state a replayed past leaves (``Config.history_days``), kept per process and copied into runs.

A calibrated twin's what-ifs replay its whole log before day 1 (experiments/analyses/calibration/
twin.py ``build_today``), and the plan's strategies are off in that past (:mod:`sim.model`): every
plan of a comparison, at one seed and parameter draw, replays the same past to the same state. So
the first run to replay a past keeps what it left -- the population's arrays, the model's carried
state, how far the arrivals got -- under a key of everything that decides it (the config without
the plan, its strategies and the days after the past; the files it reads by size and time), and a
later run in the same process with the same key starts from a copy instead of replaying (a
CollegeMsg what-if of 90 days: 126 ms replaying its 194-day log, 61 ms from a state file).
Restored or replayed, the run's numbers are the same (tests/test_history.py). At most
:data:`CAPACITY` bytes are kept, the least recently used dropped first.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import numpy as np

from commsim.sim.calibrated import PATH_KEYS

CAPACITY = 256 * 2**20  # bytes of kept pasts per process
# what a replayed past changes outside the population's arrays (the levers, the ledger and the graph stay
# as built: no strategy runs in the past); tests/test_history.py compares every attribute of a restored
# model with a replayed one, so a new piece of carried state that is missing here fails there
MODEL_STATE = ("ugc_per_member", "ugc_by_topic", "cascade_sizes", "posted", "record", "today")
# what does not decide the past: the plan (its strategies are off there) and the days after it
NOT_THE_PAST = ("plan", "strategies", "days", "calibration", "calibration_draw")

_KEPT: OrderedDict[str, dict] = OrderedDict()
_stats = {"kept": 0, "restored": 0}


def key(cfg) -> str:
    """What decides the past of run config ``cfg`` (a :class:`sim.config.Config`), as a hash."""
    data = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in NOT_THE_PAST}
    for group, name in PATH_KEYS:  # the files a config names
        path = (data.get(group) or {}).get(name)
        if path:
            try:
                stat = Path(path).stat()
                data[group][name] = [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]
            except OSError:
                pass
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def keep(model, past: str) -> None:
    """Keep the state ``model`` is in after replaying the past ``past`` (:func:`key`)."""
    pop = model.population
    state = {"population": {name: getattr(pop, name).copy() for name in pop.arrays},
             "model": {name: copy.deepcopy(getattr(model, name)) for name in MODEL_STATE},
             "arrivals": (model.arrivals.next, model.arrivals.carry), "steps": model.steps}
    state["bytes"] = pop.nbytes
    _KEPT[past] = state
    _KEPT.move_to_end(past)
    _stats["kept"] += 1
    while sum(s["bytes"] for s in _KEPT.values()) > CAPACITY and len(_KEPT) > 1:
        _KEPT.popitem(last=False)


def restore(model, past: str) -> bool:
    """Put the kept state of the past ``past`` into ``model`` (just built, not stepped); False if none is kept."""
    state = _KEPT.get(past)
    if state is None:
        return False
    _KEPT.move_to_end(past)
    for name, array in state["population"].items():
        np.copyto(getattr(model.population, name), array)  # in place: nothing holding an array is left behind
    for name, value in state["model"].items():
        setattr(model, name, copy.deepcopy(value))
    model.arrivals.next, model.arrivals.carry = state["arrivals"]
    model.advance_clock(state["steps"])
    _stats["restored"] += 1
    return True


def stats() -> dict:
    """How many pasts this process kept and restored so far, and how many it holds."""
    return {**_stats, "held": len(_KEPT)}


def clear() -> None:
    _KEPT.clear()
    _stats.update(kept=0, restored=0)
