"""The strategy interface.

A strategy is a small object with a ``name``, a ``Params`` dataclass (its
parameters and unit costs, declared with :func:`sim.params.param` and
validated like every other config key under ``strategies.<name>``), optional
``results`` it records every day, and three hooks the engine calls with a
:class:`sim.context.StrategyContext` (never the model):

* ``setup(ctx)`` once, after the population exists (e.g. pick KOLs);
* ``before_day(ctx)`` each day, first thing: set today's levers
  (``ctx.levers``, see :mod:`sim.levers`) and pay for them through
  ``ctx.ledger`` (which never grants more than the plan's remaining budget);
* ``after_day(ctx)`` each day, after churn: observe the outcome
  (``ctx.today``), pay rewards, book costs.

A strategy reads state through ``ctx.population`` (read-only arrays) and
changes the community only through the levers and the ledger; writing
population state raises an error that says so. Random choices use
``ctx.uniform`` / ``ctx.pick`` / ``ctx.generator``: streams of the strategy's
own, so adding one strategy never shifts the random numbers of anything else.
``results = {"attendees": "members who attended an event today"}`` declares
daily numbers the strategy records with ``ctx.record("attendees", n)``; they
land in ``strategy_results.parquet`` as ``<name>.<result>`` (0 on days
nothing is recorded).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar


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
    results: ClassVar[dict[str, str]] = {}

    def __init__(self, params=None):
        self.params = params if params is not None else self.Params()

    # hooks ------------------------------------------------------------------
    def setup(self, ctx) -> None:  # noqa: B027 - hooks are optional
        pass

    def before_day(self, ctx) -> None:  # noqa: B027
        pass

    def after_day(self, ctx) -> None:  # noqa: B027
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params})"
