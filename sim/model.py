"""CommunityModel: the Mesa model of one community under one plan."""

from __future__ import annotations

import os
from operator import itemgetter
from time import perf_counter

import mesa
import numpy as np

from commsim.sim.activity_log import LogRecorder
from commsim.sim.arrivals import Arrivals, check_arrival_days, person_arrivals
from commsim.sim.calendar import Calendar
from commsim.sim.config import Config, validate
from commsim.sim.context import StrategyContext
from commsim.sim.day import DAY_PLAN, Member, make_strategies, run_hook
from commsim.sim.defaults import default_config
from commsim.sim.allocator import reuse_freed_memory
from commsim.sim.graph import neighbour_sum
from commsim.sim.ledger import Ledger
from commsim.sim.levers import Levers
from commsim.sim.memory import check as check_memory
from commsim.sim.metrics import TIMESERIES_COLUMNS
from commsim.sim import past as PAST
from commsim.sim.network import build_graph
from commsim.sim.population import Population
from commsim.sim.random_streams import RandomStreams
from commsim.sim.errors import StageContractError
from commsim.sim.stages import owned_changes, snapshot

DAILY_TABLE = "daily"
_ROW = itemgetter(*TIMESERIES_COLUMNS)  # a day's record -> its timeseries row, in column order


class CommunityModel(mesa.Model):
    """Members on a social graph, stepped one day at a time.

    >>> from commsim.sim import CommunityModel
    >>> model = CommunityModel({"network": {"kind": "karate"}, "days": 30})
    >>> model.step(); model.time
    1.0

    ``cfg`` is anything :func:`sim.config.validate` accepts (a Hydra
    DictConfig, a nested dict of overrides of the defaults, or a
    :class:`~sim.config.Config`). ``graph`` may be given to reuse a built
    graph across runs (it must match ``cfg.network``); ``strategies`` replaces
    the plan's strategies with these objects; ``activity_log=True`` records who was active on
    which day and at whom they aimed their actions (``model.activity_log()``, an
    :class:`~sim.activity_log.ActivityLog`); ``activity_log="days"`` only who was active.

    State lives in arrays (``model.population``); ``model.member(i)`` gives a
    mesa.Agent view of person ``i``. A step runs the stages of
    :data:`sim.day.DAY_PLAN` in order, checking that each returns exactly the
    outputs it declares; the day's record is ``model.today``, and the daily
    records are collected by ``model.datacollector`` (a mesa.DataCollector, table
    ``"daily"``; ``model.timeseries()`` gives it as a DataFrame).
    """

    def __init__(self, cfg=None, *, graph=None, strategies=None, activity_log: bool | str = False,
                 audit: bool | str | None = None, validated: bool = False):
        # validated=True: ``cfg`` is a Config that validate() has just returned (a worker's, which
        # validates each payload): checking it again was half of building a small model
        cfg = cfg if validated and isinstance(cfg, Config) else validate(_with_defaults(cfg))
        reuse_freed_memory()  # a day's temporaries come back without page faults (sim/allocator.py)
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self._clock_only = False  # advance_clock: Mesa's clock moves, nothing is simulated
        self.history = cfg.history_days  # days of the past replayed before day 1 (day 0 is its last)
        self.streams = RandomStreams(cfg.seed, self.history)
        if graph is None:
            check_memory(cfg)  # before allocating anything large
        self.graph = graph if graph is not None else build_graph(cfg.network, self.streams)
        self.graph_degree = self.graph.degree.astype(np.float32)
        schedule = person_arrivals(cfg.population, self.graph)
        scheduled, as_member = schedule if schedule is not None else (None, None)
        if scheduled is not None:
            check_arrival_days(scheduled, self.history, self.graph.labels)
        self.population = Population.create(cfg.population, self.graph, self.streams, scheduled, -self.history)
        self.calendar = Calendar.build(cfg.calendar, cfg.days, self.history)
        self.arrivals = Arrivals(self.population, cfg.population, cfg.days, scheduled, as_member, self.history)
        self.params = cfg.behaviour
        self.initial_habit = cfg.population.initial_habit
        self.levers = Levers(self.graph.n, self.population.n_topics)
        self.ledger = Ledger(cfg.plan.budget, cfg.plan.allowances)
        self.strategies = make_strategies(cfg) if strategies is None else list(strategies)
        self.contexts = [StrategyContext(self, s) for s in self.strategies]
        self.day_plan = DAY_PLAN
        # wall-clock seconds spent in each stage so far (inspection only: never part of a result)
        self.stage_seconds = dict.fromkeys((s.name for s in DAY_PLAN), 0.0)
        # audit=True: check every stage changes only the state it owns (slow: for tests and debugging)
        self.audit = (os.environ.get("COMMSIM_AUDIT_STAGES") == "1") if audit is None else audit
        self.stage_writes: dict[str, set] = {}
        self.seed_members = np.flatnonzero(self.population.is_member)
        self.initial_members = int(self.seed_members.size)
        self.ugc_per_member = np.zeros(self.population.n_topics)
        self.ugc_by_topic = np.zeros(self.population.n_topics, np.int64)
        self.cascade_sizes = np.zeros(0, np.int64)
        self.posted = np.zeros(0, np.int64)  # who posted today (agents/actions.py)
        self.churned_total = 0
        self.log = LogRecorder(self.graph.n, interactions=activity_log != "days") if activity_log else None
        self.record: dict = {}  # the day's outputs so far, stage by stage
        self.today: dict = {}  # the last finished day's record, one value per timeseries column
        self.spend_by_strategy: list[dict] = []
        self.strategy_rows: list[dict] = []
        self._views: dict[int, Member] = {}
        self._prime_social_state()
        # one table row per day (Mesa's add_table_row): the record is already a row of plain numbers
        self.datacollector = mesa.DataCollector(tables={DAILY_TABLE: list(TIMESERIES_COLUMNS)})
        self._daily_columns = [self.datacollector.tables[DAILY_TABLE][c] for c in TIMESERIES_COLUMNS]
        if self.history:
            past = PAST.key(cfg)
            if not PAST.restore(self, past):
                self._replay_history()
                PAST.keep(self, past)
            self._close_history()
        for strategy, ctx in zip(self.strategies, self.contexts):
            run_hook(strategy, ctx, "setup")
        self.apply_role_changes()

    # ------------------------------------------------------------------ the day
    @property
    def day(self) -> int:
        """Number of the day being (or last) simulated; day 0 is the initial state (in a run that replays
        a past, ``Config.history_days``, the last day of it: its days are ``-history_days + 1 .. 0``)."""
        return self.steps - self.history

    def _replay_history(self) -> None:
        """Simulate the past of ``Config.history_days`` -- everyone's behaviour and arrivals, the plan's
        strategies off (they are set up on day 0, from the community it leaves) -- and keep none of its
        records: the run's records, books and KPIs begin on day 1."""
        strategies, contexts = self.strategies, self.contexts
        self.strategies, self.contexts = [], []
        for _ in range(self.history):
            self.step()
        self.strategies, self.contexts = strategies, contexts

    def advance_clock(self, days: int) -> None:
        """Move Mesa's clock (``steps``, ``time``, its schedule) on by ``days`` without simulating them:
        for a run whose past was restored rather than replayed (sim/past.py)."""
        self._clock_only = True
        try:
            for _ in range(days):
                self.step()
        finally:
            self._clock_only = False

    def _close_history(self) -> None:
        """Day 0, after the past (replayed, or restored from one kept in this process: sim/past.py):
        the run's records, books and KPIs begin on day 1."""
        for column in self._daily_columns:
            column.clear()
        self.spend_by_strategy.clear()
        self.strategy_rows.clear()
        self.seed_members = np.flatnonzero(self.population.is_member)
        self.initial_members = int(self.seed_members.size)
        self.churned_total = 0

    def step(self) -> None:
        """Simulate one day: the stages of :data:`sim.day.DAY_PLAN`, in order, each checked
        against its declared outputs."""
        if self._clock_only:
            return
        record = self.record = {}
        params = self.params
        seconds = self.stage_seconds
        for stage in self.day_plan:
            start = perf_counter()
            try:
                before = snapshot(self) if self.audit else None
                out = stage.run(self, getattr(params, stage.group) if stage.group is not None else None)
                if out is None or out.keys() != stage.output_set:
                    stage.check(out)  # raises, naming the stage and the keys
                if before is not None:
                    self._check_ownership(stage, before)
            except Exception as err:
                err.add_note(f"commsim: on day {self.day}, in stage {stage.name!r} of the day plan (sim/day.py)")
                raise
            seconds[stage.name] += perf_counter() - start
            if out:
                record.update(out)
        record["day"] = self.day
        row = _ROW(record)  # KeyError if a stage left a column out
        self.today = dict(zip(TIMESERIES_COLUMNS, row))
        # Mesa's add_table_row, without its per-column checks (the row has every column, by _ROW):
        # it was 7% of a small community's day
        for column, value in zip(self._daily_columns, row):
            column.append(value)

    def _check_ownership(self, stage, before: dict) -> None:
        wrong = owned_changes(stage, before, self)
        self.stage_writes.setdefault(stage.name, set()).update(wrong)
        if wrong and self.audit != "record":
            raise StageContractError(
                f"stage {stage.name!r} changed {', '.join(wrong)}, which it does not own (its Stage(owns=...) "
                f"lists {', '.join(stage.owns) or 'nothing'}); state has one writer: declare it, or move the write "
                f"to the stage that owns it")

    def apply_role_changes(self) -> None:
        """Apply the roles strategies queued through ``levers.set_role``."""
        for people, role in self.levers.role_changes:
            self.population.role[people] = role
        self.levers.role_changes.clear()

    def apply_new_ties(self) -> int:
        """Add the friendships strategies queued through ``levers.add_ties``; returns how many were new.

        Degrees and friends active today move by the new ties alone: both are integer counts, so this
        gives exactly what recounting them over the whole new graph would."""
        if not self.levers.new_ties:
            return 0
        src = np.concatenate([s for s, _ in self.levers.new_ties])
        dst = np.concatenate([d for _, d in self.levers.new_ties])
        self.levers.new_ties.clear()
        self.graph, rows, cols = self.graph.adding_ties(src, dst)
        np.add.at(self.graph_degree, rows, np.float32(1.0))
        np.add.at(self.population.active_friends, rows, self.population.active[cols].astype(np.float32))
        return rows.size // 2

    def _prime_social_state(self) -> None:
        pop = self.population
        neighbour_sum(self.graph.indptr, self.graph.indices, pop.active.view(np.uint8), pop.active_friends)

    # ---------------------------------------------------------------- inspection
    def stage_times(self):
        """Where the time of the days simulated so far went: one row per stage of the day plan, in
        order, with ``seconds`` and ``share`` of the stepping time (wall clock; for profiling only)."""
        import pandas as pd

        total = sum(self.stage_seconds.values()) or 1.0
        return pd.DataFrame({"stage": list(self.stage_seconds), "seconds": list(self.stage_seconds.values()),
                             "share": [v / total for v in self.stage_seconds.values()]})

    def member(self, person: int) -> Member:
        """A mesa.Agent view of ``person`` (created on first use, then cached)."""
        if not 0 <= person < self.graph.n:
            raise IndexError(f"person {person} is not in 0..{self.graph.n - 1}")
        if person not in self._views:
            self._views[person] = Member(self, person)
        return self._views[person]

    def activity_log(self):
        """Who was active on which day so far (needs ``activity_log=True``)."""
        if self.log is None:
            raise RuntimeError("this model does not record its activity: build it with activity_log=True")
        log = self.log.log(1, max(self.day, 1), self.calendar.weekday(1))
        log.meta["established"] = self.seed_members
        return log

    def timeseries_columns(self) -> dict:
        """The collected daily metrics, one NumPy array per column (``timeseries()``'s columns: a summary
        and the run's files read these rather than a pandas Series per column)."""
        return {name: np.array(values) for name, values in zip(TIMESERIES_COLUMNS, self._daily_columns)}

    def timeseries(self, columns: dict | None = None):
        """The collected daily metrics as a DataFrame, one row per day (docs/metrics.md); ``columns``:
        :meth:`timeseries_columns`, if already made. The frame Mesa's ``get_table_dataframe`` gives, in a
        third of its time (it converts each column's list itself)."""
        if not self.steps:
            return self.datacollector.get_table_dataframe(DAILY_TABLE)  # no rows: its empty columns
        import pandas as pd

        return pd.DataFrame(self.timeseries_columns() if columns is None else columns)


def _with_defaults(cfg):
    """Let ``CommunityModel({...})`` take a partial dict: fill in the repo's defaults."""
    if cfg is None or isinstance(cfg, dict):
        return default_config(cfg or {})
    return cfg
