"""Common random numbers: exact reproducibility, and strategies that do nothing change nothing."""

import numpy as np
import pandas as pd
import pytest

from sim import CommunityModel, simulate
from sim.population import Status
from strategies.base import Strategy

from conftest import small


def frames_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_same_seed_gives_bit_identical_outputs():
    a, b = simulate(small(days=90)), simulate(small(days=90))
    frames_identical(a.timeseries, b.timeseries)
    assert a.summary == pytest.approx(b.summary, nan_ok=True, rel=0, abs=0)


def test_different_seeds_differ():
    a, b = simulate(small(seed=1)), simulate(small(seed=2))
    assert not a.timeseries.equals(b.timeseries)


def test_registered_do_nothing_strategy_changes_nothing():
    plain = simulate(small(days=90))
    with_baseline = simulate(small(days=90, plan={"strategies": ["baseline"]}))
    frames_identical(plain.timeseries, with_baseline.timeseries)


class Observer(Strategy):
    """Reads everything, spends nothing, draws from its own stream: must not disturb the run."""

    name = "observer"

    def before_day(self, model):
        model.streams.uniform("observer.noise", model.day, model.population.n)
        self.seen = int(np.count_nonzero(model.population.status == Status.MEMBER))

    def after_day(self, model):
        model.ledger.spend(self.name, 0.0)


def test_strategy_drawing_its_own_random_numbers_changes_nothing():
    plain = CommunityModel(small())
    watched = CommunityModel(small(), strategies=[Observer()])
    for _ in range(60):
        plain.step()
        watched.step()
    frames_identical(plain.timeseries(), watched.timeseries())
    assert np.array_equal(plain.population.habit, watched.population.habit)


def test_reusing_a_built_graph_gives_the_same_run():
    first = CommunityModel(small())
    again = simulate(small(), graph=first.graph)
    frames_identical(simulate(small()).timeseries, again.timeseries)


def test_changing_a_later_stage_leaves_earlier_draws_alone():
    """A different churn setting must not change who is placed and how they start."""
    a = CommunityModel(small())
    b = CommunityModel(small(behaviour={"churn": {"hazard_dormant": 0.02}}))
    assert np.array_equal(a.population.status, b.population.status)
    assert np.array_equal(a.population.fit, b.population.fit)
    assert np.array_equal(a.graph.indices, b.graph.indices)
