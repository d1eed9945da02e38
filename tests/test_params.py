"""One home per parameter: every declaration carries what validation, docs, kernels, calibration and
sensitivity analysis read from it, and they all read it from there."""

import dataclasses

import pytest

from commsim.agents.activity import ActivityCoefficients, ActivityParams
from commsim.agents.state import StateCoefficients, StateParams
from commsim.sim.config import PopulationConfig
from commsim.sim.day import DAY_PLAN
from commsim.sim.params import SOURCE_KINDS, Source, coefficient_type, coefficients, declared, literature, param
from commsim.strategies import registry


def behaviour_params():
    out = []
    for stage in DAY_PLAN:
        if stage.group:
            out += declared(stage.params, f"behaviour.{stage.group}")
    return out + declared(PopulationConfig, "population")


def all_params():
    out = behaviour_params()
    for name in registry.available():
        out += declared(registry.get(name).Params, f"strategies.{name}")
    return out


@pytest.mark.parametrize("info", all_params(), ids=lambda i: i.key)
def test_every_parameter_declares_a_meaning_a_source_and_a_sane_plausible_range(info):
    assert info.doc, "a one-line meaning"
    assert info.source.kind in SOURCE_KINDS
    if info.plausible is not None:
        lo, hi = info.plausible
        assert info.numeric and lo < hi
        assert info.allows(lo) and info.allows(hi), "the plausible range lies within the hard bounds"


@pytest.mark.parametrize("info", behaviour_params(), ids=lambda i: i.key)
def test_every_behaviour_parameter_has_a_rationale_and_numbers_have_units(info):
    assert info.why, f"{info.key}: say why the default is what it is"
    if info.numeric and info.source.kind != "user":
        assert info.unit, f"{info.key}: a unit"
        assert info.plausible is not None, f"{info.key}: a plausible range for calibration and sensitivity"
        lo, hi = info.plausible
        assert lo <= info.default <= hi, f"{info.key}: the default lies in its plausible range"


def test_sources_are_checked():
    assert str(literature("Nitzan & Libai 2011")) == "literature: Nitzan & Libai 2011"
    with pytest.raises(ValueError, match="citation"):
        Source("literature")
    with pytest.raises(ValueError, match="allowed"):
        Source("hunch")


def test_kernels_take_every_numeric_parameter_by_name():
    for params, tuple_type in ((ActivityParams, ActivityCoefficients), (StateParams, StateCoefficients)):
        numeric = [i.name for i in declared(params, "") if i.numeric]
        assert list(tuple_type._fields) == numeric
        c = coefficients(params(), tuple_type)
        assert all(getattr(c, name) == float(getattr(params(), name)) for name in numeric)


def test_a_new_parameter_is_one_declaration_away_from_every_reader():
    """Declared once, a parameter is validated, documented and handed to kernels with no other edit."""
    from commsim.experiments.make_docs import table
    from commsim.sim.schema import build

    @dataclasses.dataclass
    class Grown(ActivityParams):
        novelty: float = param(0.2, "log-odds of something new to see", ge=0, unit="log-odds",
                               plausible=(0.0, 1.0), why="novelty draws people back")

    problems = []
    assert build(Grown, {"novelty": 0.5}, "behaviour.activity", problems).novelty == 0.5 and not problems
    build(Grown, {"novelty": -1}, "behaviour.activity", problems)
    assert problems == ["behaviour.activity.novelty: -1.0 is out of range; allowed: [0, inf)"]
    assert "| `behaviour.activity.novelty` | `0.2` | log-odds of something new to see" in table(Grown, "behaviour.activity")
    assert coefficients(Grown(), coefficient_type(Grown, "GrownCoefficients", __name__)).novelty == 0.2


def strategy_params():
    out = []
    for name in registry.available():
        out += declared(registry.get(name).Params, f"strategies.{name}")
    return out


@pytest.mark.parametrize("info", [i for i in strategy_params() if i.numeric], ids=lambda i: i.key)
def test_strategy_magnitudes_are_either_the_users_decision_or_an_assumption_with_a_range(info):
    """A strategy's parameter is a decision or price the user sets (source ``user``), or a guess at how
    members respond (``assumed``/``literature``) -- and then it needs a reason and a plausible range,
    so reports can say which numbers rest on assumptions and sensitivity analysis can vary them."""
    if info.source.kind == "user":
        return
    assert info.why and info.plausible is not None, f"{info.key}: say why, and give a plausible range"
