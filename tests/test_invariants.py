"""Invariants that hold every day of every run."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commsim.sim import CommunityModel
from commsim.sim.population import Status

NETWORKS = st.sampled_from([
    {"kind": "barabasi_albert", "n": 300, "m": 3},
    {"kind": "erdos_renyi", "n": 300, "mean_degree": 6},
    {"kind": "watts_strogatz", "n": 300, "k": 6},
    {"kind": "stochastic_block", "n": 300, "groups": 4},
    {"kind": "karate"},
    {"kind": "complete", "n": 60},
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    network=NETWORKS,
    seed=st.integers(0, 10_000),
    share=st.floats(0, 1),
    placement=st.sampled_from(["random", "cluster"]),
    q=st.floats(0, 1),
    hazard=st.floats(0, 0.2),
    invite=st.floats(0, 0.5),
    audience=st.sampled_from([1.0, 0.6, 0.2]),
    lapse_penalty=st.floats(0, 6),
    weekly=st.lists(st.floats(0.2, 3), min_size=7, max_size=7),
)
def test_daily_invariants(network, seed, share, placement, q, hazard, invite, audience, lapse_penalty, weekly):
    model = CommunityModel({
        "seed": seed, "days": 40, "network": network,
        "population": {"initial_member_share": share * audience, "placement": placement,
                       "audience_at_start": audience, "arrival_days": 20},
        "calendar": {"weekly": weekly, "events": [{"name": "break", "start": 10, "end": 15, "activity": 0.1,
                                                   "joining": 3.0}]},
        "behaviour": {"joining": {"q_social": q}, "churn": {"hazard_dormant": hazard},
                      "activity": {"lapse_penalty": lapse_penalty},
                      "actions": {"invite_prob": invite, "share_prob": 0.2}},
    })
    pop = model.population
    previous_outside = int(np.count_nonzero(pop.status == Status.OUTSIDE))
    previous_members = int(pop.is_member.sum())
    previous_lapsed = previous_churned_total = 0
    for _ in range(40):
        lapsed_before = pop.status == Status.LAPSED
        model.step()
        row = model.today
        status = pop.status
        assert row["members"] + row["prospects"] + row["lapsed"] + row["outside"] == pop.n
        # churn is no longer final: lapsed people may come back (docs/model.md, "Lapse and return")
        assert row["members"] == previous_members + row["joined"] + row["returned"] - row["churned"]
        assert row["lapsed"] == previous_lapsed + row["churned"] - row["returned"]
        assert row["churned_total"] == previous_churned_total + row["churned"]
        assert row["returned"] <= lapsed_before.sum()
        assert np.all(pop.active[lapsed_before & (status == Status.MEMBER)]), "coming back is being active"
        assert 0 <= row["dau"] <= row["wau"] <= row["mau"] <= row["members"]
        assert not np.any(pop.active & (status != Status.MEMBER)), "only members are active"
        assert np.all(pop.habit[status == Status.LAPSED] == 0), "leaving ends the habit"
        assert row["outside"] == previous_outside - row["arrived"], "people arrive, never leave the audience"
        previous_lapsed, previous_churned_total, previous_outside = row["lapsed"], row["churned_total"], row["outside"]
        assert row["referral_joins"] <= row["joined"]
        segs = row["seg_core"] + row["seg_active"] + row["seg_casual"] + row["seg_dormant"]
        assert segs == row["members"]
        assert np.all((pop.habit >= 0) & (pop.habit <= 1))
        assert np.all((pop.satisfaction >= 0) & (pop.satisfaction <= 1))
        assert np.all(pop.fatigue >= 0) and np.all(pop.churn_pressure >= 0)
        assert np.all(pop.active_friends >= -1e-4)
        assert np.all(pop.active_friends <= model.graph_degree + 1e-4)
        previous_members = row["members"]
    member = pop.status == Status.MEMBER
    refs = pop.referrer[pop.referrer >= 0]
    assert np.all(pop.join_day[refs] <= model.day), "referrers had joined"
    assert np.all(pop.join_day[member] >= 0)


def test_active_friends_tracks_the_true_count():
    model = CommunityModel({"seed": 3, "days": 30,
                            "network": {"kind": "erdos_renyi", "n": 500, "mean_degree": 8},
                            "behaviour": {"churn": {"hazard_dormant": 0.05, "hazard_active": 0.02}}})
    adjacency = model.graph.adjacency()
    for _ in range(30):
        model.step()
        np.testing.assert_allclose(model.population.active_friends,
                                   adjacency @ model.population.active.astype(float), atol=1e-4)

