"""Metric formulas of docs/metrics.md, checked by hand on small constructed cases."""

import math

import numpy as np
import pandas as pd
import pytest

from commsim.sim.metrics import SUMMARY_KEYS, TIMESERIES_COLUMNS, rolling_retention, summarise
from commsim.sim.population import NEVER, Channel, Population


def tiny_population(join_day, last_active_day, channel):
    n = len(join_day)
    z = np.zeros(n)
    return Population(
        status=np.ones(n, np.int8), active=np.zeros(n, bool), habit=z.astype(np.float32),
        satisfaction=z.astype(np.float32), fatigue=z.astype(np.float32), points=z.astype(np.float32),
        topic=np.zeros(n, np.int32), fit=z.astype(np.float32), role=np.zeros(n, np.int8),
        join_day=np.array(join_day, np.int32), last_active_day=np.array(last_active_day, np.int32),
        churn_day=np.full(n, NEVER, np.int32), referrer=np.full(n, -1, np.int32),
        channel=np.array(channel, np.int8), pending_inviter=np.full(n, -1, np.int32),
        exposures=np.zeros(n, np.int32), active_friends=z.astype(np.float32),
        churn_pressure=z.astype(np.float32), interactions=z.astype(np.float32),
        recent_activity=np.zeros(n, np.uint32), propensity=z.astype(np.float32),
        voice=np.ones(n, np.float32), frailty=np.ones(n, np.float32), arrival_order=np.full(n, -1, np.int32),
        trust=np.full(n, 0.5, np.float32), heard_day=np.full(n, NEVER, np.int32),
        corrected_day=np.full(n, NEVER, np.int32), value=np.zeros(n),
    )


def test_rolling_retention_by_hand():
    R, S = Channel.REFERRAL, Channel.SEED
    pop = tiny_population(
        join_day=[1, 2, 3, 10, 25, 0],
        last_active_day=[40, 5, 10, 17, 30, 50],
        channel=[R, R, R, R, R, S],
    )
    # horizon 7 on day 30: eligible joiners joined on days 1..23 -> persons 0..3 (seed excluded)
    # back on/after join+7: person 0 (40 >= 8), person 2 (10 >= 10), person 3 (17 >= 17) -> 3/4
    assert rolling_retention(pop, 30, 7) == pytest.approx(0.75)
    assert math.isnan(rolling_retention(pop, 30, 30))  # nobody joined early enough


def test_summary_formulas_by_hand():
    days = 40
    ts = pd.DataFrame({c: np.zeros(days) for c in TIMESERIES_COLUMNS})
    ts["day"] = np.arange(1, days + 1)
    ts["members"] = 100
    ts.loc[ts.day <= 10, "members"] = 80  # members at end of day 10 (start of last-30 window)
    ts["dau"] = 20
    ts["mau"] = 50
    ts["churned"] = 0
    ts.loc[ts.day > 10, "churned"] = 1  # 30 churned in the last 30 days
    ts["joined"] = 2
    ts["referral_joins"] = 1
    ts["cost"] = 5.0
    ts["revenue"] = 7.5
    ts["max_cascade"] = 0
    ts.loc[5, "max_cascade"] = 12
    pop = tiny_population([0] * 3, [0] * 3, [Channel.SEED] * 3)
    s = summarise(ts, pop, initial_members=60)
    assert set(SUMMARY_KEYS) == set(s)
    assert s["final_members"] == 100
    assert s["mean_dau_last30"] == 20
    assert s["stickiness_last30"] == pytest.approx(0.4)
    assert s["churn_rate_30d"] == pytest.approx(30 / (80 + 60))  # 30 left of 80 at the start + 60 joiners
    assert s["k_factor"] == pytest.approx(40 / (60 + 80))  # referral joins / members ever
    assert s["max_cascade"] == 12
    assert s["total_cost"] == 200 and s["total_revenue"] == 300
    assert s["roi"] == pytest.approx((300 - 200) / 200)


def test_what_several_kpis_share_is_computed_once_per_run_and_cannot_be_changed():
    from commsim.sim.metrics import Run, joined_in_run

    R, S = Channel.REFERRAL, Channel.SEED
    pop = tiny_population([1, 2, 0], [5, 6, 7], [R, S, S])
    ts = pd.DataFrame({c: np.zeros(10) for c in TIMESERIES_COLUMNS})
    ts["day"] = np.arange(1, 11)
    run = Run(ts, pop, initial_members=2)
    first = joined_in_run(run, R)
    assert first.tolist() == [0] and joined_in_run(run, channel=R).tolist() == [0]
    assert joined_in_run(run, R) is first and joined_in_run(run).tolist() == [0]
    with pytest.raises(ValueError):
        first[0] = 2  # shared by every KPI that asks: read-only
    assert joined_in_run(Run(ts, pop, initial_members=2), S).tolist() == [], "another run: computed again"


def test_roi_is_undefined_without_spending():
    ts = pd.DataFrame({c: np.zeros(5) for c in TIMESERIES_COLUMNS})
    ts["day"] = np.arange(1, 6)
    s = summarise(ts, tiny_population([0], [0], [Channel.SEED]), initial_members=0)
    assert math.isnan(s["roi"]) and math.isnan(s["churn_rate_30d"])


def test_fused_census_matches_the_segment_definitions():
    from commsim.sim import CommunityModel
    from commsim.sim.population import Status
    from commsim.sim.segments import SEGMENT_NAMES, segments

    model = CommunityModel({"days": 40, "network": {"n": 3000},
                            "population": {"initial_member_share": 0.3}})
    for _ in range(40):
        model.step()
    pop, row = model.population, model.today
    seg = segments(pop, model.day)
    for k, name in enumerate(SEGMENT_NAMES):
        assert row[f"seg_{name}"] == np.count_nonzero(seg == k)
    member = pop.status == Status.MEMBER
    assert row["mau"] == np.count_nonzero(member & (model.day - pop.last_active_day < 30))
    assert row["members"] == member.sum() and row["dau"] == pop.active.sum()
