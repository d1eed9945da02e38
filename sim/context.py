"""What a strategy's hooks see: :class:`StrategyContext`.

A strategy never gets the model. Its hooks (``setup``, ``before_day``,
``after_day``) receive a context with

* ``population``: read-only views of the population arrays (status, habit,
  last_active_day, ...); writing one raises an error that points to the levers;
* ``graph``: the social graph (read-only arrays);
* ``levers`` (:mod:`sim.levers`): the only way to change the community;
* ``ledger``: the plan's money, booked under the strategy's own name;
* ``uniform`` / ``pick`` / ``generator``: the strategy's own random streams
  (common random numbers: adding a strategy never shifts anyone else's draws);
* ``behaviour``: the behaviour parameters, read-only;
* ``today`` (in ``after_day``: the day's record so far -- joins, actions, churn)
  and ``yesterday`` (the whole record of the day before);
* ``record(name, value)``: a daily result the strategy declared in
  ``results`` (written to ``strategy_results.parquet``).
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import numpy as np

from commsim.sim.errors import StrategyError
from commsim.sim.ledger import StrategyLedger
from commsim.sim.selection import smallest_k

LEVERS_HINT = ("strategies change the community only through ctx.levers (sim/levers.py: activity_uplift, "
               "messages, posts_all, set_role, add_ties, ...) and pay through ctx.ledger")


def read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class ReadOnlyState:
    """Attribute access to an object's arrays as read-only views; assignment refused."""

    __slots__ = ("_target", "_what")

    def __init__(self, target, what: str):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_what", what)

    def __getattr__(self, name):
        value = getattr(self._target, name)
        return read_only(value) if isinstance(value, np.ndarray) else value

    def __setattr__(self, name, value):
        raise StrategyError(f"a strategy tried to replace {self._what}.{name}; {LEVERS_HINT}")

    def __repr__(self) -> str:
        return f"<read-only {self._what}>"


class ReadOnlyParams:
    """A dataclass of parameters (nested groups included) that cannot be changed."""

    __slots__ = ("_target", "_path")

    def __init__(self, target, path: str):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if dataclasses.is_dataclass(value):
            return ReadOnlyParams(value, f"{self._path}.{name}")
        return value

    def __setattr__(self, name, value):
        raise StrategyError(f"a strategy tried to set {self._path}.{name}; parameters are fixed for a run "
                            f"(set them in the config)")

    def __repr__(self) -> str:
        return f"<read-only {self._path}: {self._target!r}>"


class StrategyContext:
    """The view one strategy has of the running model (see the module docstring)."""

    def __init__(self, model, strategy):
        self._model = model
        self.name = strategy.name
        self._declared = dict(getattr(strategy, "results", {}) or {})
        self._results: dict[str, float] = {}
        self.ledger = StrategyLedger(model.ledger, strategy.name)
        self.population = ReadOnlyState(model.population, "population")
        self.behaviour = ReadOnlyParams(model.params, "behaviour")
        self._graph_source = self._graph_view = None

    # ------------------------------------------------------------ the world
    @property
    def day(self) -> int:
        """The day being simulated (1, 2, ...); 0 during ``setup``."""
        return self._model.day

    @property
    def n(self) -> int:
        """People in the audience."""
        return self._model.population.n

    @property
    def levers(self):
        return self._model.levers

    @property
    def graph(self):
        """The social graph, read-only (a new object after the day's new ties are added)."""
        graph = self._model.graph
        if self._graph_source is not graph:
            self._graph_source, self._graph_view = graph, graph.read_only()
        return self._graph_view

    @property
    def today(self):
        """Today's record so far (in ``after_day``: joins, actions and churn of the day)."""
        return MappingProxyType(self._model.record)

    @property
    def yesterday(self):
        """The complete record of the day before (empty on day 1)."""
        return MappingProxyType(self._model.today)

    # ------------------------------------------------------ random numbers
    def _stream(self, purpose: str) -> str:
        return f"strategy.{self.name}.{purpose}"

    def uniform(self, purpose: str, index=None) -> np.ndarray:
        """Today's common random numbers of this strategy: one per person (or per ``index``)."""
        streams = self._model.streams
        if index is None:
            return streams.uniform(self._stream(purpose), self.day, self.n)
        return streams.uniform_at(self._stream(purpose), self.day, index)

    def uniform_of(self, purpose: str, status: int) -> tuple[np.ndarray, int]:
        """Today's numbers of the people with ``status`` (a :class:`sim.population.Status`), each what
        :meth:`uniform` gives them, and -1 for everyone else (out of a race: ``sim.selection``);
        with how many have a number."""
        return self._model.streams.uniform_where(self._stream(purpose), self.day, self.population.status, status)

    def pick(self, purpose: str, candidates, k: int) -> np.ndarray:
        """``k`` of ``candidates`` (ids) in random order, the same whatever else is in the plan."""
        candidates = np.asarray(candidates, dtype=np.int64)
        if k >= candidates.size:
            return candidates
        u = self.uniform(purpose, candidates)
        return candidates[smallest_k(u, k)]

    def generator(self, purpose: str) -> np.random.Generator:
        """A NumPy generator for this strategy's set-up draws (not per day)."""
        return self._model.streams.generator(self._stream(purpose))

    # ------------------------------------------------------------- results
    def record(self, result: str, value) -> None:
        """Record today's value of a result the strategy declared in ``results``."""
        if result not in self._declared:
            declared = ", ".join(self._declared) or "none"
            raise StrategyError(f"strategy {self.name!r} recorded {result!r}, which it does not declare "
                                f"(declared results: {declared}); add it to the strategy's `results`")
        self._results[result] = float(value)

    def _take_results(self) -> dict[str, float]:
        """The day's declared results (0 for those not recorded); starts a new day."""
        row = {f"{self.name}.{key}": self._results.get(key, 0.0) for key in self._declared}
        self._results = {}
        return row
