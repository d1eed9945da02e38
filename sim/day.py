"""The day plan, and the composition root that assembles it.

This is the one module of the engine that imports the member rules
(:mod:`agents`) and the strategies (:mod:`strategies`); everything else in
:mod:`sim` is a leaf that knows neither. ``DAY_PLAN`` is the whole day, in
order -- nothing runs between steps outside it::

    >>> print(describe())  # doctest: +ELLIPSIS
    1. levers: strategies set today's levers ...

Each stage declares the behaviour parameter group it reads and the columns of
the day's record it writes (:class:`sim.stages.Stage`); the behaviour schema
(:class:`BehaviourConfig`, the ``behaviour.*`` config keys) is assembled from
those declarations, one group per stage. Decisions within a day read
yesterday's social state (who was active, who was reached by a share), so the
order in which people are processed never matters.
"""

from __future__ import annotations

import dataclasses

import numba as nb
import numpy as np

from commsim.agents import actions, activity, churn, crisis, joining, state, trust
from commsim.sim.errors import StrategyError
from commsim.sim.log_draws import active_day, friends_at_random
from commsim.sim.metrics import CENSUS_OUTPUTS, SPEND_CHANNELS, TIMESERIES_COLUMNS, census
from commsim.sim.stages import Stage, fields
from commsim.strategies import registry


# ------------------------------------------------------------- strategy hooks
def run_hook(strategy, ctx, hook: str) -> None:
    """Call ``strategy.<hook>(ctx)``; errors name the strategy, and a write to
    read-only state says how strategies change the community instead."""
    try:
        getattr(strategy, hook)(ctx)
    except ValueError as err:
        if "read-only" in str(err):
            raise StrategyError(
                f"strategy {strategy.name!r} ({hook}) tried to change population or graph state directly "
                f"({err}); strategies act only through ctx.levers (sim/levers.py) and pay through ctx.ledger"
            ) from err
        err.add_note(f"commsim: in strategy {strategy.name!r} ({hook})")
        raise
    except Exception as err:
        err.add_note(f"commsim: in strategy {strategy.name!r} ({hook})")
        raise


def strategies_before(model, _params) -> dict:
    if model.strategies:  # only strategies set levers: without any they stay neutral (1M people: 0.8 ms a day)
        model.levers.reset()
    for strategy, ctx in zip(model.strategies, model.contexts):
        run_hook(strategy, ctx, "before_day")
    model.apply_role_changes()
    return {}


def strategies_after(model, _params) -> dict:
    row = {"day": model.day}
    for strategy, ctx in zip(model.strategies, model.contexts):
        run_hook(strategy, ctx, "after_day")
        row.update(ctx._take_results())
    model.strategy_rows.append(row)
    return {}


# --------------------------------------------------------- end-of-day stages
@nb.njit(cache=True)
def members_per_topic(status, topic, n_topics):
    """Members in each topic (= bincount(topic[status == MEMBER]) without building the mask and the copy)."""
    out = np.zeros(n_topics, np.int64)
    for i in range(status.size):
        if status[i] == 1:  # Status.MEMBER
            out[topic[i]] += 1
    return out


def apply_ties(model, _params) -> dict:
    """Friendships strategies made today (events, interest groups) join the graph."""
    return {"new_ties": model.apply_new_ties()}


def member_content(model, _params) -> dict:
    """Today's member posts per member in each topic: tomorrow's member-made content supply."""
    pop = model.population
    members_by_topic = members_per_topic(pop.status, pop.topic, pop.n_topics)
    model.ugc_per_member = np.divide(model.ugc_by_topic, members_by_topic,
                                     out=np.zeros(pop.n_topics), where=members_by_topic > 0)
    return {}


def take_census(model, _params) -> dict:
    return census(model.population, model.day)


def record_log(model, _params) -> dict:
    """When the run records its activity log: each active person's visible actions today,
    ``1 + Poisson((actions_mean - 1) voice)``, each aimed at a random friend in the audience. Draws come from
    streams of their own ("log.*"), so recording never changes a simulated number."""
    if model.log is None or model.day < 1:  # a replayed past (Config.history_days) is not recorded
        return {}
    pop, day = model.population, model.day
    # who is active today, their actions, and whether they posted today (and are still active)
    active = pop.active.nonzero()[0]
    actions, posts = active_day(active, pop.voice, model.params.actions.actions_mean - 1.0, model.posted,
                                model.streams.key("log.actions", day))
    src = dst = None
    if model.log.interactions:
        src, dst = friends_at_random(model.graph.indptr, model.graph.indices, pop.status, active, actions,
                                     model.streams.key("log.targets", day))
    model.log.add(day, active, actions, posts, src, dst)
    return {}


def close_books(model, _params) -> dict:
    spend, short, channels = model.ledger.close_day()
    today = {s.name: spend.get(s.name, 0.0) for s in model.strategies}
    model.spend_by_strategy.append(today)
    return {"cost": float(sum(today.values())), "liability": model.ledger.liability, "budget_short": int(short),
            **{f"spend_{name}": float(channels.get(name, 0.0)) for name in SPEND_CHANNELS}}


# what strategies may change through their hooks: the levers, and roles (applied from levers.set_role)
LEVER_ARRAYS = ("activity_uplift", "messages", "post_boost", "correction", "trust_repair", "posts_by_topic")
STRATEGY_OWNS = (*(f"levers.{name}" for name in LEVER_ARRAYS), "population.role")

DAY_PLAN: tuple[Stage, ...] = (
    Stage("levers", strategies_before, "strategies set today's levers (content, events, rewards, messages, perks)",
          owns=STRATEGY_OWNS, reads=("population", "graph", "levers")),
    joining.STAGE,
    activity.STAGE,
    actions.STAGE,
    state.STAGE,
    crisis.STAGE,
    trust.STAGE,
    churn.STAGE,
    Stage("observe", strategies_after, "strategies observe the outcome, pay rewards and record their results",
          owns=STRATEGY_OWNS, reads=("population", "graph", "levers")),
    Stage("ties", apply_ties, "friendships made today by strategies join the graph", outputs=("new_ties",),
          owns=fields("active_friends", "model.graph", "model.graph_degree"), reads=fields("levers", "active")),
    Stage("content", member_content, "today's member posts per member and topic become tomorrow's content",
          owns=fields("model.ugc_per_member"), reads=fields("status", "topic", "voice", "model.ugc_by_topic")),
    Stage("census", take_census, "count members, prospects, churned, DAU/WAU/MAU and segments",
          outputs=CENSUS_OUTPUTS, reads=("population",)),
    Stage("books", close_books, "close the day's books: money spent per strategy and per acquisition channel, "
          "money owed, whether the budget fell short",
          outputs=("cost", "liability", "budget_short", *(f"spend_{name}" for name in SPEND_CHANNELS)),
          reads=("model.ledger",)),
    Stage("log", record_log, "record the activity log, when asked (outputs.activity_log)",
          reads=fields("active", "status", "graph")),
)


def check_plan(plan=DAY_PLAN) -> None:
    """Every column of the time series (but ``day``) is written by exactly one stage."""
    writers: dict[str, list[str]] = {}
    for stage in plan:
        for key in stage.outputs:
            writers.setdefault(key, []).append(stage.name)
    problems = [f"column {key!r} is written by stages {names}" for key, names in writers.items() if len(names) > 1]
    problems += [f"stage {writers[key][0]!r} writes {key!r}, which sim/metrics.py COLUMNS does not define"
                 for key in writers if key not in TIMESERIES_COLUMNS]
    problems += [f"column {key!r} is written by no stage" for key in TIMESERIES_COLUMNS[1:] if key not in writers]
    groups = [s.group for s in plan if s.group]
    problems += [f"parameter group {g!r} is declared by two stages" for g in set(groups) if groups.count(g) > 1]
    if problems:
        raise ValueError("the day plan breaks its contract: " + "; ".join(problems))


check_plan()

# The behaviour.* schema: one group per stage that declares one, in the order of the day.
BehaviourConfig = dataclasses.make_dataclass(
    "BehaviourConfig",
    [(s.group, s.params, dataclasses.field(default_factory=s.params)) for s in DAY_PLAN if s.group],
    module=__name__,
)
BehaviourConfig.__doc__ = "The behaviour parameters of members: one group per stage of the day (sim.day.DAY_PLAN)."


def describe() -> str:
    """The day plan as numbered lines (for docs and ``--describe``)."""
    lines = []
    for i, s in enumerate(DAY_PLAN, start=1):
        extra = f" [behaviour.{s.group}]" if s.group else ""
        lines.append(f"{i}. {s.name}: {s.doc}{extra}")
    return "\n".join(lines)


# ------------------------------------------------------------------ strategies
def strategy_names() -> list[str]:
    return registry.available()


def strategy_params(name: str) -> type:
    """The Params dataclass of strategy ``name`` (raises if it is unknown or broken)."""
    return registry.get(name).Params


def strategy_defaults() -> dict[str, dict]:
    return registry.default_params()


def broken_strategies() -> dict[str, str]:
    return registry.broken()


def make_strategies(cfg) -> list:
    """The plan's strategies, in plan order, with their validated parameters."""
    return [registry.create(name, cfg.strategies[name]) for name in cfg.plan.strategies]


def __getattr__(name: str):
    """``Member``, the mesa.Agent view CommunityModel offers, on first use: it imports Mesa (~0.4-1 s),
    which validating a config (every command's preflight and ``--help``) never needs."""
    if name == "Member":
        from commsim.agents.member import Member

        return Member
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
