"""The strategy interface.

A strategy is a small object with a ``name``, its parameters, and three hooks
the engine calls:

* ``setup(model)`` once, after the population exists (e.g. pick KOLs);
* ``before_day(model)`` each day, first thing: set today's levers
  (``model.levers``, see :mod:`sim.levers`) and pay for them through
  ``model.ledger.spend(self.name, amount)``, which never grants more than
  the plan's remaining budget;
* ``after_day(model)`` each day, after churn: observe the outcome (pay
  rewards, book costs).

It acts only through the levers and the ledger; it never edits population
state or another strategy. Concrete strategies register themselves with
:func:`strategies.registry.register`.
"""

from __future__ import annotations

from typing import ClassVar


class Strategy:
    name: ClassVar[str] = "strategy"

    def setup(self, model) -> None:  # noqa: B027 - hooks are optional
        pass

    def before_day(self, model) -> None:  # noqa: B027
        pass

    def after_day(self, model) -> None:  # noqa: B027
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
