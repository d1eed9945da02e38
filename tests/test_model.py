"""The Mesa face of the model: a mesa.Model stepping days, a DataCollector, Member views."""

import mesa
import numpy as np

from commsim.agents import Member
from commsim.sim import CommunityModel, simulate
from commsim.sim.day import DAY_PLAN, describe
from commsim.sim.metrics import TIMESERIES_COLUMNS
from commsim.sim.population import Channel, Status

from conftest import small


def test_is_a_mesa_model_stepping_one_day_at_a_time():
    model = CommunityModel(small())
    assert isinstance(model, mesa.Model)
    assert model.time == 0 and model.day == 0
    model.step()
    model.step()
    assert model.time == 2.0 and model.day == 2
    df = model.datacollector.get_table_dataframe("daily")
    assert len(df) == 2 and list(df.columns) == TIMESERIES_COLUMNS
    assert df.equals(model.timeseries())


def test_the_daily_series_is_mesas_frame_and_its_arrays_give_the_frames_summary():
    """The run's series is built from its column arrays (faster than Mesa's get_table_dataframe) and its
    summary computed on those arrays: exactly Mesa's frame, and the summary the frame gives (the golden
    baseline holds the summaries pandas' reductions gave)."""
    import pandas as pd

    from commsim.sim.metrics import summarise
    from commsim.strategies import registry

    plan = [name for name in registry.available() if name != "baseline"]
    result = simulate(small(days=45, plan={"name": "all", "strategies": plan}), keep_model=True, progress="never")
    model = result.model
    mesa_frame = model.datacollector.get_table_dataframe("daily")
    pd.testing.assert_frame_equal(result.timeseries, mesa_frame, check_exact=True)
    assert list(result.columns) == list(mesa_frame.columns)
    for name, values in result.columns.items():
        assert values.dtype == mesa_frame[name].dtype and np.array_equal(values, mesa_frame[name].to_numpy())
    from_frame = summarise(mesa_frame, model.population, model.initial_members,
                           model.params.actions.discount_rate)
    assert json_equal(result.summary, from_frame)


def test_the_codes_numba_kernels_write_as_numbers_are_the_enums_values():
    """Kernels (agents/*.py, sim/metrics.py) compare and write status, role and channel codes as
    literal numbers, and numba's cache keeps their compiled code until their own file changes:
    renumbering an enum needs those kernels changed (and __pycache__ cleared) too."""
    assert (Status.PROSPECT, Status.MEMBER, Status.LAPSED, Status.OUTSIDE) == (0, 1, 2, 3)
    assert (Channel.NONE, Channel.SEED, Channel.ORGANIC, Channel.SOCIAL, Channel.REFERRAL) == (0, 1, 2, 3, 4)
    from commsim.sim.population import Role

    assert (Role.MEMBER, Role.KOL) == (0, 1)


def json_equal(a: dict, b: dict) -> bool:
    """Equal, NaN equal to NaN (a KPI that is not defined for the run)."""
    return a.keys() == b.keys() and all(x == y or (x != x and y != y) for x, y in zip(a.values(), b.values()))


def test_member_view_reads_the_arrays_live():
    model = CommunityModel({"network": {"kind": "karate"},
                            "population": {"initial_members": 10}})
    view = model.member(0)
    assert isinstance(view, Member) and view in model.agents
    assert view is model.member(0)
    assert view.friends == sorted(model.graph.neighbours(0).tolist())
    model.population.habit[0] = 0.25
    assert view.habit == 0.25
    assert view.status in set(Status)
    import pytest

    with pytest.raises(IndexError):
        model.member(34)


def test_day_plan_is_the_documented_order():
    names = [s.name for s in DAY_PLAN]
    assert names == ["levers", "join", "activity", "act", "state", "crisis", "trust", "churn", "observe", "ties",
                     "content", "census", "books", "log"]
    assert describe().splitlines()[1].startswith("2. join")


def internal_tie_share(model):
    """Share of members' ties that lead to another member."""
    member = model.population.status == Status.MEMBER
    rows = np.repeat(np.arange(model.population.n), model.graph.degree)
    return np.mean(member[model.graph.indices[member[rows]]])


def test_initial_population_respects_the_config():
    cluster = CommunityModel(small(population={"initial_members": 123, "placement": "cluster"}))
    scattered = CommunityModel(small(population={"initial_members": 123, "placement": "random"}))
    pop = cluster.population
    assert pop.count(Status.MEMBER) == 123 == scattered.population.count(Status.MEMBER)
    assert np.all(pop.channel[pop.status == Status.MEMBER] == Channel.SEED)
    assert internal_tie_share(cluster) > 2.5 * internal_tie_share(scattered)


def test_interest_groups_become_topics():
    model = CommunityModel(small(network={"kind": "stochastic_block", "n": 1000, "groups": 5}))
    assert model.population.n_topics == 5
    assert np.array_equal(model.population.topic, model.graph.groups)


def test_people_join_through_every_channel_and_referrals_name_their_inviter():
    result = simulate(small(days=120, behaviour={"actions": {"invite_prob": 0.2}}), keep_model=True)
    pop = result.model.population
    channels = set(np.unique(pop.channel[pop.status != Status.PROSPECT]).tolist())
    assert {Channel.SEED, Channel.ORGANIC, Channel.SOCIAL, Channel.REFERRAL} <= channels
    referred = pop.channel == Channel.REFERRAL
    assert np.all(pop.referrer[referred] >= 0)
    inviters = pop.referrer[referred]
    # an inviter is a friend of the person they invited
    for person, inviter in zip(np.flatnonzero(referred)[:50], inviters[:50]):
        assert inviter in model_neighbours(result.model, person)
    assert result.summary["k_factor"] > 0


def model_neighbours(model, person):
    return set(model.graph.neighbours(person).tolist())


def test_each_prospect_gets_at_most_one_invitation_a_day():
    model = CommunityModel({"network": {"kind": "complete", "n": 300},
                            "population": {"initial_members": 290},
                            "behaviour": {"actions": {"invite_prob": 1.0}, "joining": {"invite_accept": 0.0}}})
    model.step()
    pending = model.population.pending_inviter
    assert model.today["invites"] == np.count_nonzero(pending >= 0) <= 10


def test_an_invitation_waits_only_for_a_prospect_and_the_first_inviter_wins():
    from commsim.agents.actions import _invite_prospects

    status = np.array([0, 1, 0, 2, 0], np.int8)  # prospects: 0, 2, 4
    pending = np.full(5, -1, np.int32)
    inviters = np.array([10, 11, 12, 13, 14, 15])
    targets = np.array([2, 1, 2, 3, 0, 0])
    kept = _invite_prospects(inviters, targets, status, pending)
    assert pending.tolist() == [14, -1, 10, -1, -1]
    assert sorted(kept.tolist()) == [10, 14]


def test_public_names_survive_submodule_imports():
    import commsim.sim.simulation  # noqa: F401  (a submodule must not shadow the function)
    from commsim.sim import CommunityModel as CM, simulate as run

    assert callable(run) and isinstance(CM, type)


def test_time_per_stage_is_reported_for_every_stage_of_the_day():
    from commsim.sim.day import DAY_PLAN

    result = simulate({"days": 20, "network": {"n": 500}}, progress="never")
    times = result.stage_times
    assert list(times.stage) == [s.name for s in DAY_PLAN]
    assert (times.seconds >= 0).all() and times.seconds.sum() > 0
    assert abs(times.share.sum() - 1) < 1e-9
