"""The day plan's contract: declared parameters and outputs, checked every day; errors that say where."""

import dataclasses

import numpy as np
import pytest

from commsim.agents import actions
from commsim.sim import CommunityModel
from commsim.sim.day import DAY_PLAN, BehaviourConfig, check_plan
from commsim.sim.errors import StageContractError
from commsim.sim.metrics import TIMESERIES_COLUMNS
from commsim.sim.stages import Stage

from conftest import small


def test_every_column_is_written_by_exactly_one_stage():
    writers = [key for stage in DAY_PLAN for key in stage.outputs]
    assert sorted(writers) == sorted(TIMESERIES_COLUMNS[1:])  # "day" is the engine's own
    check_plan()


def test_behaviour_schema_is_the_stages_parameter_groups():
    groups = {f.name: f.type for f in dataclasses.fields(BehaviourConfig)}
    assert groups == {s.group: s.params for s in DAY_PLAN if s.group}


def test_a_misspelt_output_stops_the_run_naming_the_stage_and_the_key(monkeypatch):
    """The `rec["shres"]` typo: a stage returning an undeclared key is an error, never a zero column."""
    real = actions.act

    def typo(model, params):
        out = real(model, params)
        out["shres"] = out.pop("shares")
        return out

    plan = tuple(dataclasses.replace(s, run=typo) if s.name == "act" else s for s in DAY_PLAN)
    model = CommunityModel(small())
    model.day_plan = plan
    with pytest.raises(StageContractError) as err:
        model.step()
    message = str(err.value)
    assert "stage 'act'" in message and "'shres'" in message and "'shares'" in message
    assert any("on day 1" in note and "'act'" in note for note in err.value.__notes__)


def test_a_stage_returning_nothing_it_declared_is_caught():
    stage = Stage("census", lambda model, params: {}, "", outputs=("members",))
    with pytest.raises(StageContractError, match="did not return 'members'"):
        stage.check({})
    stage.check({"members": 1})


def test_the_plan_check_refuses_two_writers_and_undefined_columns():
    one = Stage("a", lambda m, p: {}, "", outputs=("posts",))
    two = Stage("b", lambda m, p: {}, "", outputs=("posts", "likes"))
    with pytest.raises(ValueError) as err:
        check_plan((*DAY_PLAN, one, two))
    assert "'posts' is written by stages" in str(err.value) and "'likes'" in str(err.value)


def test_an_error_inside_a_stage_names_the_day_and_the_stage(monkeypatch):
    model = CommunityModel(small())

    def broken(model, params):
        if model.day == 3:
            raise ZeroDivisionError("boom")
        return {}

    model.day_plan = tuple(dataclasses.replace(s, run=broken) if s.name == "state" else s for s in DAY_PLAN)
    model.step()
    model.step()
    with pytest.raises(ZeroDivisionError) as err:
        model.step()
    assert any("on day 3, in stage 'state'" in note for note in err.value.__notes__)


def test_an_error_inside_a_strategy_names_the_strategy_and_hook():
    from commsim.strategies.base import Strategy

    class Faulty(Strategy):
        name = "faulty"

        def after_day(self, ctx):
            raise KeyError("nothing here")

    model = CommunityModel(small(), strategies=[Faulty()])
    with pytest.raises(KeyError) as err:
        model.step()
    notes = " ".join(err.value.__notes__)
    assert "strategy 'faulty' (after_day)" in notes and "stage 'observe'" in notes


def test_the_record_is_the_whole_day_in_column_order():
    model = CommunityModel(small(days=3))
    model.step()
    assert list(model.today) == TIMESERIES_COLUMNS and model.today["day"] == 1
    assert np.isfinite(list(model.today.values())).all()
