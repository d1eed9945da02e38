"""Strategies see the model through a context: read-only state, levers, their own ledger, streams, results."""

import numpy as np
import pytest

from commsim.sim import CommunityModel, simulate
from commsim.sim.errors import StrategyError
from commsim.sim.population import Status
from commsim.strategies import registry
from commsim.strategies.base import Strategy

from conftest import small


def run_with(strategy, days=3):
    model = CommunityModel(small(days=days), strategies=[strategy])
    for _ in range(days):
        model.step()
    return model


class Writer(Strategy):
    name = "writer"

    def before_day(self, ctx):
        ctx.population.habit[0] = 1.0


def test_writing_population_state_is_refused_with_the_way_out():
    with pytest.raises(StrategyError) as err:
        run_with(Writer())
    message = str(err.value)
    assert "strategy 'writer' (before_day)" in message and "ctx.levers" in message


def test_replacing_a_population_array_or_a_parameter_is_refused():
    class Replacer(Strategy):
        name = "replacer"

        def setup(self, ctx):
            ctx.population.habit = np.zeros(ctx.n)

    with pytest.raises(StrategyError, match="population.habit"):
        run_with(Replacer())

    class Tuner(Strategy):
        name = "tuner"

        def setup(self, ctx):
            ctx.behaviour.churn.contagion = 3.0

    with pytest.raises(StrategyError, match="behaviour.churn.contagion"):
        run_with(Tuner())


def test_the_graph_cannot_be_edited_in_place():
    class Rewirer(Strategy):
        name = "rewirer"

        def setup(self, ctx):
            ctx.graph.indices[0] = 1

    with pytest.raises(StrategyError, match="rewirer"):
        run_with(Rewirer())


def test_a_lever_array_must_be_changed_in_place():
    class Swapper(Strategy):
        name = "swapper"

        def before_day(self, ctx):
            ctx.levers.activity_uplift = np.ones(ctx.n, np.float32)

    with pytest.raises(AttributeError, match="change it in place"):
        run_with(Swapper())


class Watcher(Strategy):
    """Reads what a context offers; spends through its own ledger; records a declared result."""

    name = "watcher"
    results = {"members_seen": "members at the start of the day", "referrals": "referral joins today"}

    def setup(self, ctx):
        self.seen = []

    def before_day(self, ctx):
        assert dict(ctx.today) == {} and (ctx.day == 1) == (dict(ctx.yesterday) == {})
        members = int(np.count_nonzero(ctx.population.status == Status.MEMBER))
        self.seen.append((ctx.day, members, ctx.yesterday.get("members")))
        ctx.record("members_seen", members)
        assert ctx.ledger.spend(2.5) == 2.5

    def after_day(self, ctx):
        ctx.record("referrals", ctx.today["referral_joins"])
        assert "members" not in ctx.today, "the census comes after the strategies' evening"


def test_context_views_track_the_model_and_results_are_recorded_daily():
    watcher = Watcher()
    model = run_with(watcher, days=5)
    ts = model.timeseries()
    # what the strategy saw in the morning is what the census counted the evening before
    for day, members, yesterday in watcher.seen[1:]:
        assert members == yesterday == ts.loc[ts.day == day - 1, "members"].item()
    assert [row["watcher.members_seen"] for row in model.strategy_rows] == [m for _, m, _ in watcher.seen]
    assert [row["watcher.referrals"] for row in model.strategy_rows] == ts["referral_joins"].tolist()
    assert ts["cost"].tolist() == [2.5] * 5 and model.spend_by_strategy[-1] == {"watcher": 2.5}


def test_an_undeclared_result_is_an_error():
    class Sloppy(Strategy):
        name = "sloppy"
        results = {"sent": "messages sent"}

        def before_day(self, ctx):
            ctx.record("snet", 1)

    with pytest.raises(StrategyError, match="'snet', which it does not declare.*sent"):
        run_with(Sloppy())


def test_every_registered_strategy_declares_results_that_reach_the_output():
    for name in registry.available():
        cls = registry.get(name)
        result = simulate(small(days=40, plan={"strategies": [name]}), progress="never")
        expected = ["day"] + [f"{name}.{key}" for key in cls.results]
        assert list(result.strategy_results.columns) == expected, name
        assert len(result.strategy_results) == 40


def test_strategies_draw_from_streams_of_their_own():
    model = CommunityModel(small())
    from commsim.sim.context import StrategyContext

    a = StrategyContext(model, Watcher())
    b = StrategyContext(model, Writer())
    idx = np.arange(20)
    assert not np.array_equal(a.uniform("order", idx), b.uniform("order", idx)), "per-strategy streams"
    assert np.array_equal(a.uniform("order", idx), a.uniform("order")[:20]), "random access, same numbers"
    assert set(a.pick("order", idx, 5)) <= set(idx) and len(a.pick("order", idx, 5)) == 5
