"""One parameter space (sim/space.py) for calibration, sensitivity and the optimiser: a strategy
defined in one new file -- here, in this test -- is listed, searchable and analysable with no
other edit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import optuna
import pytest

from commsim.experiments import optimize, sensitivity
from commsim.experiments.analyses.calibration.priors import priors_for
from commsim.experiments.settings import OptimizeSettings
from commsim.sim import space
from commsim.sim.params import param
from commsim.strategies import registry
from commsim.strategies.base import Strategy


@pytest.fixture
def newsletter():
    """A strategy written as a user would, in one file: a weekly newsletter with one lever."""

    @dataclass
    class NewsletterParams:
        per_month: int = param(4, "newsletters a month", ge=0, unit="issues/month", plausible=(1, 30), lever=True)
        open_rate: float = param(0.3, "share of members who open one", ge=0, le=1, plausible=(0.1, 0.6))
        tone: str = param("warm", "the newsletter's tone", choices=("warm", "formal"), lever=True)

    class Newsletter(Strategy):
        name = "newsletter_test"
        Params = NewsletterParams

    registry.available()  # load the built-in ones first
    registry.register(Newsletter)
    yield Newsletter
    registry._REGISTRY.pop("newsletter_test", None)


def test_the_space_lists_every_declared_parameter_once():
    infos = space.parameters()
    assert "behaviour.churn.hazard_dormant" in infos and "population.initial_habit" in infos
    assert "strategies.content.posts_per_week" in infos
    assert set(space.model_parameters()) < set(infos)
    assert all(k.startswith(("behaviour.", "population.")) for k in space.model_parameters())


def test_levers_come_from_the_declarations_including_every_kol_method():
    assert [i.name for i in space.levers("kol")] == ["k", "method"]
    method = space.levers("kol")[1]
    assert "greedy" in method.choices, "every declared KOL method is searchable"
    assert set(space.searchable()) >= {"content", "events", "incentive", "kol", "referral", "winback"}
    assert "crisis_response" not in space.searchable(), "a strategy without levers is not searched"


def test_a_strategy_defined_elsewhere_is_searchable_and_analysable_with_no_other_edit(newsletter):
    assert "newsletter_test" in space.searchable()
    assert [i.name for i in space.levers("newsletter_test")] == ["per_month", "tone"]
    assert "newsletter_test" in OptimizeSettings().strategies, "searched by default"
    assert OptimizeSettings(strategies=["newsletter_test"], name="n").check() == []
    problems = OptimizeSettings(strategies=["crisis_response"], name="n").check()
    assert problems and "declares no levers" in problems[0]

    # the optimiser proposes values for its levers inside their declared ranges
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = set()
    for _ in range(12):
        plan = optimize.suggest(study.ask(), ["newsletter_test"])
        if plan["strategies"]:
            assert 1 <= plan["values"]["strategies.newsletter_test.per_month"] <= 30
            seen.add(plan["values"]["strategies.newsletter_test.tone"])
            assert optimize.describe(plan).startswith("newsletter_test (per_month=")
    assert seen == {"warm", "formal"}

    # sensitivity varies its response parameter (a pattern finds it) on the declared range
    ranges = {r.key: r for r in sensitivity.ranges_for(["strategies.newsletter_test.*", "behaviour.churn.hazard_dormant"], {})}
    assert ranges["strategies.newsletter_test.open_rate"].low == 0.1
    assert ranges["strategies.newsletter_test.per_month"].log, "1-30 spans a factor of 30: a log scale"


def test_calibration_priors_and_sensitivity_ranges_agree_on_a_shared_parameter():
    key = "behaviour.activity.habit"
    (prior,) = priors_for([key], {}, [])
    (rng,) = [r for r in sensitivity.ranges_for([key, "behaviour.churn.hazard_dormant"], {}) if r.key == key]
    declared = space.search_range(space.parameters()[key])
    assert (prior.low, prior.high, prior.log) == (rng.low, rng.high, rng.log) == (declared.low, declared.high, declared.log)


def test_search_range_rules():
    info = space.parameters()["behaviour.churn.hazard_dormant"]
    r = space.search_range(info)
    assert r.log == (r.low > 0 and r.high / r.low >= space.LOG_SPAN)
    assert space.search_range(info, (0.01, 0.02)).log is False
    assert space.expand(["behaviour.churn.*", "behaviour.churn.hazard_dormant"]).count("behaviour.churn.hazard_dormant") == 1
    assert space.expand(["no.such.*"]) == ["no.such.*"]
    assert not math.isnan(r.low)


def test_the_comparison_report_shows_a_new_strategys_levers(newsletter):
    from types import SimpleNamespace

    from commsim.experiments.reports.tables import settings_rows
    import pandas as pd

    config = SimpleNamespace(plan=SimpleNamespace(strategies=["newsletter_test"], budget=None, name="n"),
                             strategies={"newsletter_test": newsletter.Params()})
    rows = settings_rows({"n": config}, pd.DataFrame({"scenario": ["n"]}), "CNY")
    assert "newsletter_test (per_month 4, tone warm)" in rows[-1]
