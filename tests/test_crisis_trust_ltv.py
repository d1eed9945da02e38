"""Crises, trust, acquisition channels, LTV and CAC: the direction of every trade-off on paired
seeds, the formulas by hand, and clear errors."""

import math

import numpy as np
import pandas as pd
import pytest

from commsim.sim.config import validate
from commsim.sim.crisis import spread_one_hop
from commsim.sim.defaults import default_config
from commsim.sim.errors import ConfigError
from commsim.sim.graph import CSRGraph
from commsim.sim.metrics import TIMESERIES_COLUMNS, summarise
from commsim.sim.population import NEVER, Channel, Status
from commsim.sim.simulation import simulate

from test_metrics import tiny_population

SEEDS = range(4)
COMMUNITY = {"days": 120, "network": {"n": 3000}}
CRISIS = {"crisis": {"day": 30, "severity": 0.8}}


def run(seed, **over):
    cfg = default_config({**COMMUNITY, "seed": seed, **over})
    return simulate(validate(cfg)).summary


def response(**params):
    return {**CRISIS, "plan": {"name": "crisis_response", "strategies": ["crisis_response"]},
            "strategies": {"crisis_response": params}}


@pytest.fixture(scope="module")
def outcomes():
    scenarios = {"none": {}, "crisis": CRISIS, "slow": response(response_days=14), "fast": response(response_days=1),
                 "fast_comp": response(response_days=1, compensation=10)}
    return {name: [run(s, **over) for s in SEEDS] for name, over in scenarios.items()}


def diff(outcomes, key, a, b):
    return np.array([x[key] - y[key] for x, y in zip(outcomes[a], outcomes[b])])


def test_a_crisis_lowers_activity_and_raises_churn(outcomes):
    assert all(o["total_crisis_reached"] > 300 for o in outcomes["crisis"]), "the news spreads well beyond its seeds"
    assert diff(outcomes, "mean_dau_last30", "crisis", "none").mean() < 0
    assert diff(outcomes, "total_churned", "crisis", "none").mean() > 0
    assert (diff(outcomes, "trust_end", "crisis", "none") < 0).all()


def test_a_fast_response_recovers_more_members_than_a_slow_one(outcomes):
    assert (diff(outcomes, "total_crisis_reached", "fast", "slow") < 0).all(), "answering early contains the news"
    assert diff(outcomes, "final_members", "fast", "slow").mean() > 0
    assert diff(outcomes, "mean_dau_last30", "fast", "slow").mean() > 0


def test_compensation_recovers_more_at_its_cost(outcomes):
    assert (diff(outcomes, "total_cost", "fast_comp", "fast") > 0).all()
    assert (diff(outcomes, "trust_end", "fast_comp", "fast") > 0).all()
    assert diff(outcomes, "final_members", "fast_comp", "fast").mean() > 0


def test_no_crisis_means_the_response_does_nothing():
    a, b = run(0), run(0, plan={"name": "ready", "strategies": ["crisis_response"]})
    assert a == {**b, "total_cost": a["total_cost"]} and b["total_cost"] == 0


def test_trust_lost_to_over_messaging_lowers_conversion():
    """Daily messages to every quiet member: fatigue above the threshold erodes trust, and members who
    trust less buy less on the days they are active. The same plan with erosion switched off
    (``fatigue_threshold`` out of reach) is the pair. Trust's other effects (on activity, churn and
    joining) are switched off in both arms, so the same people are active on the same days and the
    difference in conversion is trust's effect on buying alone (with them on, who stays and who is
    active shifts too: fewer, better-fitting members)."""
    spam = {"plan": {"name": "pushy", "strategies": ["winback"]},
            "strategies": {"winback": {"dormant_days": 1, "every_days": 1, "max_messages": 10_000,
                                       "max_dormant_days": None}}}
    # purchases made common (5% of active days, not 0.2%) so that seed noise does not hide the effect
    only_buying = {"actions": {"buy_prob": 0.05}, "activity": {"trust": 0.0}, "churn": {"trust": 0.0},
                   "joining": {"trust": 0.0}}
    spam["behaviour"] = only_buying
    calm = {**spam, "behaviour": {**only_buying, "trust": {"fatigue_threshold": 100.0}}}

    def conversion(over, seed):
        res = simulate(validate(default_config({**COMMUNITY, "seed": seed, **over})))
        ts = res.timeseries
        return ts["purchases"].sum() / ts["dau"].sum(), res.summary["trust_end"]

    for seed in range(3):
        (eroded, t_eroded), (kept, t_kept) = conversion(spam, seed), conversion(calm, seed)
        assert t_eroded < t_kept - 0.05, "over-messaging erodes trust"
        assert eroded < kept, "and members who trust less convert less"
    same_days = [simulate(validate(default_config({**COMMUNITY, "seed": 0, **arm}))).timeseries["dau"] for arm in (spam, calm)]
    assert (same_days[0] == same_days[1]).all(), "the pair differs in trust only, not in who is active"


def test_ltv_follows_its_formula_in_a_small_case():
    """Two members who joined on day 10 (one still a member, one lapsed) and a seed member; 60 days;
    the last 30 days hold 30 member-days of revenue 3 a day and 3 churn events: ρ = 90 / 300 = 0.3 per
    member-day, h = 3 / 300 = 0.01 a day."""
    T = 60
    ts = pd.DataFrame({c: np.zeros(T) for c in TIMESERIES_COLUMNS})
    ts["day"] = np.arange(1, T + 1)
    ts["members"] = 10
    ts.loc[ts.day > 30, "revenue"] = 3.0
    ts.loc[ts.day.isin([40, 50, 60]), "churned"] = 1
    ts["trust_mean"] = 0.5
    ts["spend_ads"] = 0.0
    ts.loc[ts.day == 10, "spend_ads"] = 40.0
    pop = tiny_population([10, 10, 0], [60, 20, 60], [Channel.ADS, Channel.ADS, Channel.SEED])
    pop.status[:] = [Status.MEMBER, Status.LAPSED, Status.MEMBER]
    pop.value[:] = [12.0, 4.0, 99.0]
    s = summarise(ts, pop, initial_members=1, discount_rate=0.10)
    rho, h = 0.3, 0.01
    delta = 1.1 ** (1 / 365) - 1
    keep = (1 - h) / (1 + delta)
    tail = rho * keep / (1 - keep) * (1 + delta) ** -(T - 10)
    assert s["ltv"] == pytest.approx((12.0 + tail + 4.0) / 2, rel=1e-9)
    assert s["ltv_ads"] == s["ltv"] and math.isnan(s["ltv_organic"])
    assert s["cac"] == pytest.approx(20.0) and s["cac_ads"] == pytest.approx(20.0)
    assert s["ltv_cac"] == pytest.approx(s["ltv"] / 20.0)
    assert s["payback_days"] == pytest.approx(math.log(1 - 20.0 * h / rho) / math.log(1 - h))
    # more churn, less value: the tail shrinks as the formula says
    ts["churned"] = 0
    ts.loc[ts.day.isin(range(31, 61, 2)), "churned"] = 1  # 15 churn events: h = 0.05
    more = summarise(ts, pop, initial_members=1, discount_rate=0.10)
    keep = (1 - 0.05) / (1 + delta)
    assert more["ltv"] == pytest.approx((12.0 + 4.0 + rho * keep / (1 - keep) * (1 + delta) ** -(T - 10)) / 2)
    assert more["ltv"] < s["ltv"]


def test_channels_bring_different_members_at_their_price():
    res = simulate(validate(default_config({**COMMUNITY, "plan": {"name": "acq", "budget": None,
                                                                "strategies": ["acquisition"]}})))
    ts, s = res.timeseries, res.summary
    from commsim.sim.day import strategy_defaults

    prices = strategy_defaults()["acquisition"]
    for name in ("ads", "partners", "offline"):
        cpa = prices[f"cpa_{name}"]
        assert ts[f"spend_{name}"].sum() == pytest.approx(cpa * ts[f"joined_{name}"].sum())
        assert s[f"cac_{name}"] == pytest.approx(cpa)
    assert ts["joined_ads"].sum() > 0 and ts["joined_offline"].sum() > 0
    joined = ts[[c for c in ts.columns if c.startswith("joined_")]].sum(axis=1) + ts["referral_joins"]
    assert (joined == ts["joined"]).all(), "every joiner has exactly one channel"


def test_offline_events_bring_better_fitting_members_than_ads():
    from commsim.sim.model import CommunityModel

    model = CommunityModel(default_config({**COMMUNITY, "days": 40, "plan": {"name": "acq", "strategies": ["acquisition"]}}))
    for _ in range(40):
        model.step()
    pop = model.population
    fit = {c: pop.fit[pop.channel == c].mean() for c in (Channel.ADS, Channel.PARTNERS, Channel.OFFLINE)}
    assert fit[Channel.ADS] < fit[Channel.PARTNERS] < fit[Channel.OFFLINE]


def test_the_crisis_spreads_one_hop_a_day_and_only_inside_the_audience():
    g = CSRGraph.from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]), 4)  # a path 0-1-2-3
    heard = np.full(4, NEVER, np.int32)
    heard[0] = 1
    status = np.array([Status.MEMBER, Status.PROSPECT, Status.OUTSIDE, Status.MEMBER], np.int8)
    assert spread_one_hop(g.indptr, g.indices, status, np.array([0]), heard, 2, 1.0, 7, np.int8(Status.OUTSIDE)) == 1
    assert heard.tolist() == [1, 2, NEVER, NEVER], "person 2 is outside the audience: the news stops there"
    assert spread_one_hop(g.indptr, g.indices, status, np.array([1]), heard, 3, 0.0, 7, np.int8(Status.OUTSIDE)) == 0


def test_a_crisis_after_the_last_day_is_refused():
    with pytest.raises(ConfigError, match="crisis.day: 400 is after the last simulated day"):
        validate(default_config({"days": 100, "crisis": {"day": 400}}))
    with pytest.raises(ConfigError, match="crisis.kind"):
        validate(default_config({"crisis": {"day": 5, "kind": "meteor"}}))


def test_a_channel_mix_must_add_up():
    with pytest.raises(ConfigError, match="the shares sum to 1.5"):
        validate(default_config({"strategies": {"acquisition": {"mix_ads": 1.0, "mix_partners": 0.5, "mix_offline": 0}}}))
