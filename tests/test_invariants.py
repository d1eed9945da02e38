"""Invariants that hold every day of every run."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CommunityModel
from sim.population import Status

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
)
def test_daily_invariants(network, seed, share, placement, q, hazard, invite):
    model = CommunityModel({
        "seed": seed, "days": 40, "network": network,
        "population": {"initial_member_share": share, "placement": placement},
        "behaviour": {"joining": {"q_social": q}, "churn": {"hazard_dormant": hazard},
                      "actions": {"invite_prob": invite, "share_prob": 0.2}},
    })
    pop = model.population
    previous_members = int(pop.is_member.sum())
    ever_churned = np.zeros(pop.n, bool)
    for _ in range(40):
        model.step()
        row = model.today
        status = pop.status
        assert row["members"] + row["prospects"] + row["churned_total"] == pop.n
        assert row["members"] == previous_members + row["joined"] - row["churned"]
        assert 0 <= row["dau"] <= row["wau"] <= row["mau"] <= row["members"]
        assert not np.any(pop.active & (status != Status.MEMBER)), "only members are active"
        assert np.all(status[ever_churned] == Status.CHURNED), "churn is final"
        ever_churned |= status == Status.CHURNED
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
