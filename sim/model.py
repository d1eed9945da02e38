"""CommunityModel: the Mesa model of one community under one plan."""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from agents.member import Member
from sim.config import Config, validate
from sim.day import DAY_PLAN
from sim.ledger import Ledger
from sim.levers import Levers
from sim.metrics import TIMESERIES_COLUMNS, daily_record
from sim.network import build_graph
from sim.population import Population, Role, Status
from sim.random_streams import RandomStreams


class CommunityModel(mesa.Model):
    """Members on a social graph, stepped one day at a time.

    >>> from sim import CommunityModel
    >>> model = CommunityModel({"network": {"kind": "karate"}, "days": 30})
    >>> model.step(); model.time
    1.0

    ``cfg`` is anything :func:`sim.config.validate` accepts (a Hydra
    DictConfig, a nested dict of overrides of the defaults, or a
    :class:`~sim.config.Config`). ``graph`` may be given to reuse a built
    graph across runs (it must match ``cfg.network``).

    State lives in arrays (``model.population``); ``model.member(i)`` gives a
    mesa.Agent view of person ``i``. The daily metrics are collected by
    ``model.datacollector`` (a mesa.DataCollector).
    """

    def __init__(self, cfg=None, *, graph=None, strategies=None):
        cfg = validate(_with_defaults(cfg))
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.streams = RandomStreams(cfg.seed)
        if graph is None:
            from sim.memory import check

            check(cfg.network)  # before allocating anything large
        self.graph = graph if graph is not None else build_graph(cfg.network, self.streams)
        self.graph_degree = self.graph.degree.astype(np.float32)
        self.population = Population.create(cfg.population, self.graph, self.streams)
        self.params = cfg.behaviour
        self.initial_habit = cfg.population.initial_habit
        self.levers = Levers(self.graph.n, self.population.n_topics)
        self.ledger = Ledger(cfg.plan.budget)
        if strategies is None:
            from strategies import registry

            strategies = [registry.create(name, cfg.strategies[name]) for name in cfg.plan.strategies]
        self.strategies = list(strategies)
        self.day_plan = DAY_PLAN
        self.initial_members = int(self.population.is_member.sum())
        self.ugc_per_member = np.zeros(self.population.n_topics)
        self.ugc_by_topic = np.zeros(self.population.n_topics, np.int64)
        self.cascade_sizes = np.zeros(0, np.int64)
        self.record: dict = {}
        self.today: dict = {}
        self.spend_by_strategy: list[dict] = []
        self._views: dict[int, Member] = {}
        self._prime_social_state()
        reporters = {col: partial(_today, col) for col in TIMESERIES_COLUMNS if col != "day"}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        for strategy in self.strategies:
            strategy.setup(self)
        self.apply_role_changes()

    # ------------------------------------------------------------------ the day
    @property
    def day(self) -> int:
        """Number of the day being (or last) simulated; day 0 is the initial state."""
        return self.steps

    @property
    def reach_boost(self) -> np.ndarray:
        kol = self.population.role == Role.KOL
        return np.where(kol, self.params.actions.kol_reach_mult, 1.0)

    def step(self) -> None:
        """Simulate one day, running the stages of :data:`sim.day.DAY_PLAN` in order."""
        self.record = {}
        for stage in self.day_plan:
            stage.run(self)
        self._end_of_day()

    def apply_role_changes(self) -> None:
        """Apply the roles strategies queued through ``levers.set_role``."""
        for people, role in self.levers.role_changes:
            self.population.role[people] = role
        self.levers.role_changes.clear()

    def apply_new_ties(self) -> None:
        """Add the friendships strategies queued through ``levers.add_ties``."""
        if not self.levers.new_ties:
            return
        src = np.concatenate([s for s, _ in self.levers.new_ties])
        dst = np.concatenate([d for _, d in self.levers.new_ties])
        self.levers.new_ties.clear()
        before = self.graph.n_edges
        self.graph = self.graph.with_ties(src, dst)
        self.graph_degree = self.graph.degree.astype(np.float32)
        self.record["new_ties"] = self.record.get("new_ties", 0) + self.graph.n_edges - before
        self._prime_social_state()

    def _end_of_day(self) -> None:
        self.apply_new_ties()
        pop = self.population
        member = pop.status == Status.MEMBER
        members_by_topic = np.bincount(pop.topic[member], minlength=pop.n_topics)
        self.ugc_per_member = np.divide(self.ugc_by_topic, members_by_topic,
                                        out=np.zeros(pop.n_topics), where=members_by_topic > 0)
        spend = self.ledger.close_day()
        self.spend_by_strategy.append({s.name: spend.get(s.name, 0.0) for s in self.strategies})
        self.record["revenue"] = self.record.get("revenue", 0.0)
        self.today = daily_record(pop, self.day, self.record, self.spend_by_strategy[-1])
        self.datacollector.collect(self)

    def _prime_social_state(self) -> None:
        from sim.graph import neighbour_sum

        pop = self.population
        neighbour_sum(self.graph.indptr, self.graph.indices, pop.active.view(np.uint8), pop.active_friends)

    # ---------------------------------------------------------------- inspection
    def member(self, person: int) -> Member:
        """A mesa.Agent view of ``person`` (created on first use, then cached)."""
        if not 0 <= person < self.graph.n:
            raise IndexError(f"person {person} is not in 0..{self.graph.n - 1}")
        if person not in self._views:
            self._views[person] = Member(self, person)
        return self._views[person]

    def timeseries(self):
        """The collected daily metrics as a DataFrame, one row per day."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "day", np.arange(1, len(df) + 1))
        return df


def _today(column: str, model: CommunityModel):
    return model.today[column]


def _with_defaults(cfg):
    """Let ``CommunityModel({...})`` take a partial dict: fill in the repo's defaults."""
    if cfg is None or isinstance(cfg, dict):
        from sim.defaults import default_config

        return default_config(cfg or {})
    return cfg
