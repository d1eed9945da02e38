"""A stage of the day, with its contract: the parameter group it reads and the outputs it writes.

Each stage is a function ``run(model, params) -> dict`` declared with
:class:`Stage`. ``params`` is the stage's own parameter group
(``behaviour.<group>``, a dataclass declared next to the stage), or None; the
returned dict holds exactly the day-record keys the stage declares in
``outputs`` (each a column of ``timeseries.parquet``, defined in
:data:`sim.metrics.COLUMNS`). The engine checks the contract every day: a stage
that returns a key it did not declare, or leaves out one it did, stops the run
with a :class:`~sim.errors.StageContractError` naming the stage and the key --
a typo never becomes a silent column of zeros.

A stage also declares the state it owns -- the population arrays, levers and model attributes it
may change (``owns``) -- and the state it reads (``reads``). A model built with ``audit=True``
(or with ``COMMSIM_AUDIT_STAGES=1`` in the environment) snapshots the state around every stage
and stops with a :class:`~sim.errors.StageContractError` when a stage changes something it does
not own, or sets a new model attribute: state has one writer, and a newcomer finds it from the
day plan (docs/model.md).

The day plan (:data:`sim.day.DAY_PLAN`) is the ordered tuple of stages; it is
the whole day: nothing else runs between steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from commsim.sim.errors import StageContractError


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable  # run(model, params) -> dict with exactly the keys of ``outputs``
    doc: str
    group: str | None = None  # behaviour.<group>: the parameter group this stage reads
    params: type | None = None  # that group's dataclass
    outputs: tuple[str, ...] = ()
    # the state the stage changes ("population.<field>", "levers.<field>", "model.<attribute>"),
    # checked when the model audits its stages (CommunityModel(audit=True), COMMSIM_AUDIT_STAGES=1)
    owns: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()  # the state it reads (documentation: reads cannot be checked cheaply)
    output_set: frozenset = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if (self.group is None) != (self.params is None):
            raise ValueError(f"stage {self.name!r}: declare both a parameter group and its dataclass, or neither")
        object.__setattr__(self, "output_set", frozenset(self.outputs))

    def check(self, out) -> None:
        """Raise unless ``out`` holds exactly the declared outputs."""
        if out is None:
            out = {}
        if out.keys() == self.output_set:
            return
        extra = sorted(set(out) - self.output_set)
        missing = sorted(self.output_set - set(out))
        parts = []
        if extra:
            parts.append(f"returned {', '.join(map(repr, extra))}, which it does not declare")
        if missing:
            parts.append(f"did not return {', '.join(map(repr, missing))}, which it declares")
        raise StageContractError(
            f"stage {self.name!r} {' and '.join(parts)}; its declared outputs are "
            f"{', '.join(self.outputs) or 'none'} (a misspelt key? declare new outputs in the stage's "
            f"Stage(outputs=...) and define them in sim/metrics.py COLUMNS)")


COARSE = ("levers", "graph", "calendar", "arrivals")  # whole objects a stage may read


def fields(*names: str) -> tuple[str, ...]:
    """State names as stages declare them: a bare name is a population array (``"habit"`` ->
    ``"population.habit"``); ``"model.<attribute>"``, ``"levers.<array>"`` and the coarse
    :data:`COARSE` names are kept as they are."""
    return tuple(n if "." in n or n in COARSE else f"population.{n}" for n in names)


def owned_changes(stage: Stage, before: dict, model) -> list[str]:
    """What ``stage`` changed that it does not own, from a :func:`snapshot` taken before it ran."""
    after = snapshot(model)
    changed = {key for key, value in after.items() if key not in before or _differs(before[key], value)}
    changed |= before.keys() - after.keys()  # an attribute a stage deleted
    return sorted(changed - set(stage.owns))


def snapshot(model) -> dict:
    """Copies of the population's and the levers' arrays, and the identity of every model attribute."""
    import numpy as np

    out = {f"model.{key}": id(value) for key, value in vars(model).items()}
    for prefix, obj in (("population", model.population), ("levers", model.levers)):
        for key, value in vars(obj).items():
            if isinstance(value, np.ndarray):
                out[f"{prefix}.{key}"] = value.copy()
    return out


def _differs(a, b) -> bool:
    import numpy as np

    if isinstance(a, np.ndarray):
        return a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    return a != b
