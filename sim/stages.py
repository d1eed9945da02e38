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
