"""The strategy interface.

A strategy is a small object with a ``name``, a ``Params`` dataclass (its
parameters and unit costs, validated like every other config key under
``strategies.<name>``), and three hooks the engine calls:

* ``setup(model)`` once, after the population exists (e.g. pick KOLs);
* ``before_day(model)`` each day, first thing: set today's levers
  (``model.levers``, see :mod:`sim.levers`) and pay for them through
  ``model.ledger`` (which never grants more than the plan's remaining budget);
* ``after_day(model)`` each day, after churn: observe the outcome (pay
  rewards, book costs).

A strategy reads model state freely but changes it only through the levers and
the ledger; it never edits population arrays or another strategy. Random
choices use :meth:`Strategy.uniform`, a stream of the strategy's own, so adding
one strategy never shifts the random numbers of anything else.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np


@dataclasses.dataclass
class NoParams:
    pass


def window_problems(start_day: int, end_day: int | None, what: str) -> list[str]:
    """Problems of a ``start_day``/``end_day`` window (for a Params ``check()``)."""
    if end_day is not None and end_day <= start_day:
        return [f"end_day: {end_day} must be after start_day ({start_day}): the {what} would never run"]
    return []


class Strategy:
    name: ClassVar[str] = "strategy"
    Params: ClassVar[type] = NoParams

    def __init__(self, params=None):
        self.params = params if params is not None else self.Params()

    # hooks ------------------------------------------------------------------
    def setup(self, model) -> None:  # noqa: B027 - hooks are optional
        pass

    def before_day(self, model) -> None:  # noqa: B027
        pass

    def after_day(self, model) -> None:  # noqa: B027
        pass

    # helpers ----------------------------------------------------------------
    def uniform(self, model, purpose: str, index=None) -> np.ndarray:
        """Common random numbers of this strategy: one per person (or per ``index``) today."""
        stream = f"strategy.{self.name}.{purpose}"
        if index is None:
            return model.streams.uniform(stream, model.day, model.population.n)
        return model.streams.uniform_at(stream, model.day, index)

    def pick(self, model, purpose: str, candidates: np.ndarray, k: int) -> np.ndarray:
        """``k`` of ``candidates`` (ids) in random order, the same whatever else is in the plan."""
        candidates = np.asarray(candidates, dtype=np.int64)
        if k >= candidates.size:
            return candidates
        u = self.uniform(model, purpose, candidates)
        return candidates[np.argsort(u, kind="stable")[:k]]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params})"
