"""Stylized facts of the model (docs/model.md) that need no strategy."""

import numpy as np
import pytest

from commsim.sim import CommunityModel, simulate
from commsim.sim.population import Status


def bass_recursion(p, q, days):
    F = [0.0]
    for _ in range(days):
        F.append(F[-1] + (p + q * F[-1]) * (1 - F[-1]))
    return np.array(F[1:])


def test_bass_limit_on_a_complete_graph():
    p, q, days, n = 0.03, 0.38, 40, 2000
    runs = []
    for seed in range(5):
        result = simulate({
            "seed": seed, "days": days,
            "network": {"kind": "complete", "n": n},
            "population": {"initial_members": 0},
            # everyone equally ready to join (propensity_weight 0): the Bass model has one p and one q
            "behaviour": {"joining": {"p_organic": p, "q_social": q, "signal": "member",
                                      "exposure_p": 0.0, "invite_accept": 0.0, "propensity_weight": 0.0},
                          # shares would only feed exposure (off here); on a complete graph
                          # every cascade sweeps all n^2 ties, so skip them for speed
                          "actions": {"share_prob": 0.0},
                          "churn": {"enabled": False}},
        })
        runs.append(result.timeseries["members"].to_numpy() / n)
    mean = np.mean(runs, axis=0)
    expected = bass_recursion(p, q, days)
    assert np.max(np.abs(mean - expected)) < 0.02
    assert expected[10] > 0.5 and expected[0] == pytest.approx(0.03)  # the curve is non-trivial


def ribeiro(social: float):
    """No marketing, no joining, no churn: only habit decay vs re-activation by active friends.

    Everyone is alike (no personal propensity): Ribeiro's threshold is about the social loop, and a
    person with a high propensity of their own would stay active whatever their friends do."""
    return simulate({
        "days": 365, "seed": 1,
        "network": {"kind": "erdos_renyi", "n": 3000, "mean_degree": 12},
        "population": {"initial_member_share": 1.0, "seed_member_habit": 0.6, "propensity_sd": 0.0,
                       "seed_engagement": 0.0},
        "behaviour": {
            "joining": {"p_organic": 0.0, "q_social": 0.0, "exposure_p": 0.0, "invite_accept": 0.0},
            "churn": {"enabled": False},
            "activity": {"base": -5.0, "habit": 3.0, "social": social, "content": 0.0, "fit": 0.0,
                         "satisfaction": 0.0, "exposure": 0.0},
            "state": {"habit_decay": 0.1, "habit_gain": 0.1},
        },
    }).timeseries


def test_ribeiro_activity_sustains_only_if_reactivation_beats_decay():
    weak, strong = ribeiro(social=2.0), ribeiro(social=8.0)
    assert weak["members"].iloc[-1] == strong["members"].iloc[-1] == 3000  # nobody joins or leaves
    assert (weak["dau"] / weak["members"]).iloc[-30:].max() < 0.02, "decay wins: activity dies out"
    assert (strong["dau"] / strong["members"]).iloc[-30:].min() > 0.5, "friends win: activity sustains"


def test_each_churned_friend_multiplies_churn_hazard_by_contagion():
    """Mechanism: members alike in all but churn pressure c churn at rate ~ h0 * 1.8**c."""
    model = CommunityModel({"seed": 2, "days": 10,
                            "network": {"kind": "erdos_renyi", "n": 200_000, "mean_degree": 2},
                            "population": {"initial_member_share": 1.0},
                            "behaviour": {"churn": {"hazard_active": 0.01, "hazard_dormant": 0.01,
                                                    "contagion_fade_days": 1e9}}})
    pop = model.population
    pop.satisfaction[:] = 0.5
    pop.fatigue[:] = 0.0
    pressure = np.arange(pop.n) % 4
    pop.churn_pressure[:] = pressure
    from commsim.agents.churn import churn

    model.steps = 1
    churn(model, model.params.churn)
    left = pop.status == Status.LAPSED
    rates = np.array([left[pressure == c].mean() for c in range(4)])
    ratios = rates[1:] / rates[:-1]
    assert ratios == pytest.approx([1.8, 1.8, 1.8], rel=0.15)


def test_churn_spreads_to_friends_in_a_full_run():
    """Emergent: members who recently lost friends churn more than members who did not."""
    model = CommunityModel({"seed": 4, "days": 200,
                            "network": {"kind": "barabasi_albert", "n": 20_000, "m": 4},
                            "population": {"initial_member_share": 0.5}})
    pop = model.population
    exposed, exposed_churn, calm, calm_churn = 0, 0, 0, 0
    for _ in range(200):
        member_before = pop.status == Status.MEMBER
        pressured = member_before & (pop.churn_pressure > 0.5)
        model.step()
        churned_now = member_before & (pop.status == Status.LAPSED)
        exposed += pressured.sum()
        exposed_churn += (churned_now & pressured).sum()
        calm += (member_before & ~pressured).sum()
        calm_churn += (churned_now & ~pressured).sum()
    assert (exposed_churn / exposed) > 1.3 * (calm_churn / calm)
