"""Each strategy moves outcomes through its lever in the documented direction (paired seeds)."""

import numpy as np
import pytest

from commsim.sim import CommunityModel, ConfigError, simulate, validate
from commsim.sim.defaults import default_config
from commsim.sim.graph import neighbour_sum
from commsim.sim.population import Channel, Role, Status


def paired_interval(diffs):
    from commsim.experiments.analyses.stats import mean_ci

    return mean_ci(diffs)

SEEDS = (0, 1, 2)


def scenario(plan=(), seed=0, days=120, n=4000, params=None, **extra):
    """A small scenario running the strategies in ``plan``, with strategy ``params``."""
    cfg = {"days": days, "seed": seed, "network": {"kind": "barabasi_albert", "n": n},
           "plan": {"strategies": list(plan)}, "strategies": params or {}}
    cfg.update(extra)
    return cfg


def paired(metric, strategies, seeds=SEEDS, **kw):
    """metric(plan result) - metric(baseline result), per seed."""
    return np.array([metric(simulate(scenario(strategies, seed=s, **kw)))
                     - metric(simulate(scenario((), seed=s, **kw))) for s in seeds])


def mau_at_90(result):
    return result.timeseries["mau"].iloc[89]


def test_content_frequency_has_an_inverted_u_effect():
    def at(per_week):
        return np.mean([mau_at_90(simulate(scenario(["content"], seed=s, days=90,
                                                    params={"content": {"posts_per_week": per_week}})))
                        for s in SEEDS])
    none, weekly_7, flood = at(0), at(7), at(42)
    assert weekly_7 > 1.1 * none, "too little content starves activity"
    assert weekly_7 > 1.5 * flood, "too much breeds fatigue and churn"


def activity_rate(result):
    ts = result.timeseries
    return (ts["dau"] / ts["members"]).to_numpy()


def test_rewards_habituate_and_withdrawal_leaves_activity_below_baseline():
    kw = dict(days=170, params={"incentive": {"end_day": 100}})
    lift = np.mean([activity_rate(simulate(scenario(["incentive"], seed=s, **kw)))
                    - activity_rate(simulate(scenario((), seed=s, **kw))) for s in SEEDS], axis=0)
    early, late = lift[0:20].mean(), lift[60:99].mean()
    assert early > late > 0, "rewards lift activity while they run, less and less"
    assert early > 1.15 * late
    assert lift[110:170].mean() < 0, "after withdrawal activity stays below the no-reward path"


def test_kempe_central_seeds_beat_random_seeds_on_a_scale_free_graph():
    """The diffusion-level fact: 30 seeds by degree or PageRank reach more than 30 random ones."""
    from commsim.sim import generators
    from commsim.sim.centrality import pagerank
    from commsim.sim.diffusion import independent_cascade

    g = generators.barabasi_albert(20_000, 3, np.random.default_rng(0))

    def reach(seeds):
        return np.mean([independent_cascade(g, seeds, 0.05, np.random.default_rng(s)).sum() for s in range(30)])
    by_degree = reach(np.argsort(-g.degree)[:30])
    by_pagerank = reach(np.argsort(-pagerank(g))[:30])
    at_random = np.mean([reach(np.random.default_rng(s).choice(g.n, 30, replace=False)) for s in range(5)])
    assert by_degree > 3 * at_random and by_pagerank > 3 * at_random


@pytest.mark.parametrize("method", ["degree", "pagerank"])
def test_central_kols_beat_random_kols_on_reach(method):
    """In the model: shares reach more people when the KOLs are central (more sharing for power).

    Everyone's voice is made equal here (population.voice_sd=0) so that the comparison isolates where
    the KOLs sit in the network -- the Kempe fact -- from how much the people chosen happen to share."""
    sharing = {"behaviour": {"actions": {"share_prob": 0.1}}, "population": {"voice_sd": 0.0}}

    from scipy.stats import binomtest

    def reach(m):
        return np.array([simulate(scenario(["kol"], seed=s, days=60, params={"kol": {"k": 30, "method": m}},
                                           **sharing)).timeseries["reached"].sum() for s in range(48)])
    central, random = reach(method), reach("random")
    # paired over seeds (CRN), a one-sided sign test at the level the former 6-of-6 test had (p < 1/50).
    # Since model 4.1 a KOL sways each friend no more than anyone (kol_reach_mult 1.0, Hinz et al. 2011),
    # and since 4.3 perks lift a KOL's activity by 0.3 log-odds, not 1.0 (Wang, Hui & Li 2022): central
    # KOLs reach ~6% more than random ones (was ~16%) and win ~70% of seeds: a sign test at p < 0.02
    # over 48 seeds detects that with 75% power (over 16 seeds, 25%; 16 sufficed for the larger gain)
    wins = int(np.sum(central > random))
    assert binomtest(wins, central.size, alternative="greater").pvalue < 0.02, f"central won {wins} of 48 seeds"


def test_greedy_and_kcore_kols_are_valid_members():
    model = CommunityModel(scenario(["kol"], n=1500, params={"kol": {"k": 5, "method": "greedy",
                                                                       "greedy_pool": 20, "greedy_samples": 5}}))
    kols = np.flatnonzero(model.population.role == Role.KOL)
    assert kols.size == 5 and np.all(model.population.status[kols] == Status.MEMBER)
    model = CommunityModel(scenario(["kol"], n=1500, params={"kol": {"k": 7, "method": "kcore"}}))
    assert np.count_nonzero(model.population.role == Role.KOL) == 7


def reactivation(plan, seed):
    """Shares of the people who went quiet (members idle 14-90 days, or lapsed within 14-90 days) on
    day 60 who are active again within 7 and within 30 days.

    The campaign launches on day 61, so both arms have the same quiet cohort (CRN)."""
    model = CommunityModel(scenario(plan, seed=seed, days=90, n=30_000, params={"winback": {"start_day": 61}}))
    for _ in range(60):
        model.step()
    pop = model.population
    since = model.day - pop.last_active_day
    quiet = np.flatnonzero(np.isin(pop.status, [Status.MEMBER, Status.LAPSED]) & (since >= 14) & (since <= 90))
    for _ in range(7):
        model.step()
    week = np.mean(pop.last_active_day[quiet] > 60)
    for _ in range(23):
        model.step()
    return np.array([week, np.mean(pop.last_active_day[quiet] > 60)])


def test_winback_raises_30_day_reactivation():
    """The recall campaign brings back more of the people who went quiet than no campaign, within a
    week and within 30 days, on paired seeds (the rates it reaches are in strategies/winback.py)."""
    diffs = np.array([reactivation(["winback"], s) - reactivation([], s) for s in range(6)])
    assert np.all(diffs > 0), f"a sign test over 6 paired seeds (p = 1/64) for 7 and 30 days: {diffs}"


def test_over_messaging_raises_churn():
    spam = {"winback": {"every_days": 1, "max_messages": 90, "dormant_days": 3}}
    gentle = {"winback": {"every_days": 7, "max_messages": 3, "dormant_days": 14}}
    churned = {name: np.array([simulate(scenario(["winback"], seed=s, params=st)).summary["total_churned"]
                               for s in SEEDS]) for name, st in (("spam", spam), ("gentle", gentle))}
    assert np.all(churned["spam"] > churned["gentle"])
    assert churned["spam"].sum() > 1.05 * churned["gentle"].sum()


def referral_outcome(seed, invitee_reward):
    """Share of people referred in days 1-100 who lapsed within 30 days of joining (many invitations for
    power). Within 30 days, not "ever": since lapsing is not final and most newcomers lapse at some point,
    "ever lapsed by day 150" saturates and hides how fast the two groups leave."""
    result = simulate(scenario(["referral"], seed=seed, days=150, n=10_000,
                               params={"referral": {"invitee_reward": invitee_reward}},
                               behaviour={"actions": {"invite_prob": 0.05}}), keep_model=True)
    pop = result.model.population
    referred = (pop.channel == Channel.REFERRAL) & (pop.join_day <= 100)
    assert referred.sum() > 100
    lapsed = (pop.churn_day[referred] > 0) & (pop.churn_day[referred] - pop.join_day[referred] <= 30)
    return result.summary["total_joined"], np.mean(lapsed)


def test_referral_raises_joins_but_reward_driven_joiners_churn_more():
    joins_gain = paired(lambda r: r.timeseries["referral_joins"].sum(), ["referral"], days=150)
    assert np.all(joins_gain > 0)
    rewarded = [referral_outcome(s, 10.0)[1] for s in SEEDS]
    unrewarded = [referral_outcome(s, 0.0)[1] for s in SEEDS]
    assert np.mean(rewarded) > 1.15 * np.mean(unrewarded)


def test_events_create_ties_and_lift_activity():
    model = CommunityModel(scenario(["events"], days=40))
    edges = model.graph.n_edges
    for _ in range(40):
        model.step()
    assert model.graph.n_edges > edges
    assert model.timeseries()["new_ties"].sum() == model.graph.n_edges - edges
    # degrees and friends active today were moved by the new ties alone: the same as recounting them
    assert np.array_equal(model.graph_degree, model.graph.degree.astype(np.float32))
    recount = np.empty_like(model.population.active_friends)
    neighbour_sum(model.graph.indptr, model.graph.indices, model.population.active.view(np.uint8), recount)
    assert np.array_equal(model.population.active_friends, recount)
    assert np.all(paired(lambda r: r.timeseries["dau"].iloc[7:30].sum(), ["events"], days=40) > 0)


def test_segmentation_targets_topics_and_lifts_activity():
    gain = paired(lambda r: r.summary["mean_dau_last30"], ["segmentation"], days=90)
    assert np.all(gain > 0)


def test_moderation_protects_satisfaction_from_spam():
    spammy = {"behaviour": {"state": {"spam_share": 0.3}}}

    def mean_satisfaction(strategies, seed):
        r = simulate(scenario(strategies, seed=seed, days=90, **spammy), keep_model=True)
        pop = r.model.population
        return pop.satisfaction[pop.status == Status.MEMBER].mean(), r.summary["mean_dau_last30"]
    for s in SEEDS:
        (sat_m, dau_m), (sat_b, dau_b) = mean_satisfaction(["moderation"], s), mean_satisfaction([], s)
        assert sat_m > sat_b and dau_m > dau_b


def test_admins_are_promoted_from_core_members():
    model = CommunityModel(scenario(["moderation"], days=36))
    for _ in range(36):
        model.step()
    pop = model.population
    admins = np.flatnonzero((pop.role == Role.ADMIN) & (pop.status == Status.MEMBER))
    assert set(admins) <= set(model.strategies[0].admin_ids)
    results = {row["day"]: row["moderation.admins"] for row in model.strategy_rows}
    assert all(results[day] == 10 for day in (14, 21, 28, 35)), "admins who leave are replaced weekly"
    assert results[13] == 0


ALL = ["content", "events", "incentive", "kol", "referral", "winback", "segmentation", "moderation"]


@pytest.mark.parametrize("budget", [0.0, 1500.0, 20_000.0])
def test_spending_never_exceeds_the_budget_and_stops_when_it_is_gone(budget):
    cfg = scenario(ALL, days=90)
    cfg["plan"]["budget"] = budget
    result = simulate(cfg)
    spent = result.timeseries["cost"].cumsum()
    assert spent.iloc[-1] <= budget + 1e-6
    by_strategy = result.spend.drop(columns="day").sum()
    assert by_strategy.sum() == pytest.approx(result.timeseries["cost"].sum())
    if budget == 1500.0:
        assert spent.iloc[-1] > 0.9 * budget, "strategies do spend up to the budget"
        assert (result.timeseries["cost"].iloc[-10:] < 1e-9).all() or spent.iloc[-1] == pytest.approx(budget, abs=50)


def test_unknown_strategy_and_bad_parameters_get_clear_errors():
    def problems(overrides):
        with pytest.raises(ConfigError) as err:
            validate(default_config(overrides))
        return str(err.value)
    assert "plan.strategies[0]: unknown strategy 'kols'; available: acquisition, baseline, content" in problems(
        {"plan": {"strategies": ["kols"]}})
    assert "strategies.kol.method: 'magic' is not allowed; choose one of random, degree" in problems(
        {"strategies": {"kol": {"method": "magic"}}})
    assert "strategies.content.posts_per_week: -1.0 is out of range" in problems(
        {"strategies": {"content": {"posts_per_week": -1}}})
    assert "strategies.winback.colour: unknown key" in problems({"strategies": {"winback": {"colour": 1}}})
    assert "strategies.teleport: unknown strategy" in problems({"strategies": {"teleport": {}}})
    assert "strategies.events.target: 'vips' names unknown segments" in problems(
        {"strategies": {"events": {"target": "vips"}}})
    assert "names a strategy twice" in problems({"plan": {"strategies": ["content", "content"]}})


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budget=st.floats(0, 5000), seed=st.integers(0, 1000), subset=st.sets(st.sampled_from(ALL), min_size=1))
def test_cumulative_spend_never_exceeds_budget_on_any_day(budget, seed, subset):
    plan = [name for name in ALL if name in subset]
    cfg = scenario(plan, seed=seed, days=40, n=1500)
    cfg["plan"]["budget"] = budget
    result = simulate(cfg)
    spent = result.timeseries["cost"].cumsum().to_numpy()
    assert np.all(spent <= budget + 1e-6)
    assert np.all(result.spend.drop(columns="day").to_numpy() >= 0)


def test_winback_counts_a_member_who_answers_on_the_message_day_as_back():
    from commsim.strategies.winback import WinBack

    model = CommunityModel(scenario(["winback"], n=3000, days=200, seed=1))
    wb = next(s for s in model.strategies if isinstance(s, WinBack))
    pop = model.population
    repeats_after_return = 0
    for _ in range(200):
        answered = (pop.last_active_day >= wb.last_message) & (wb.last_message == model.day)
        model.step()
        # anyone active on the day they were messaged starts the next spell from scratch
        repeats_after_return += int(np.count_nonzero(answered & (wb.spell_messages > 1)))
    assert wb.sent > 0 and repeats_after_return == 0


def test_newcomers_who_never_showed_up_are_dormant_from_joining():
    model = CommunityModel(scenario(["winback"], n=3000, days=40, params={"winback": {"max_dormant_days": None}}))
    for _ in range(40):
        model.step()
    wb, pop = model.strategies[0], model.population
    messaged = wb.last_message > -(2**29)
    never_active = pop.last_active_day < -(2**29)
    # a never-active newcomer is messaged no sooner than dormant_days after joining
    assert np.all(wb.last_message[messaged & never_active] - pop.join_day[messaged & never_active] > 14)


def test_kol_perks_are_all_or_nothing_and_greedy_pool_must_cover_k():
    cfg = scenario(["kol"], n=3000, days=10, params={"kol": {"k": 20, "perk_cost": 10.0}})
    cfg["plan"]["budget"] = 450.0
    model = CommunityModel(cfg)
    for _ in range(10):
        model.step()
    spent = model.timeseries()["cost"].to_numpy()
    assert np.all((spent == 0) | (spent == 200.0)), "never a part-payment for nothing"
    with pytest.raises(ConfigError, match="greedy_pool: 10 candidates cannot yield k = 30"):
        validate(default_config({"strategies": {"kol": {"method": "greedy", "k": 30, "greedy_pool": 10}}}))


def test_ledger_counts_whole_units_exactly():
    from commsim.sim.ledger import Ledger

    assert Ledger(0.6).spend_units("w", 0.2, 5) == 3


def test_a_broken_strategy_file_breaks_only_the_runs_that_use_it(tmp_path):
    """Validating or running any config imports the strategies; one that fails to import is named
    when asked for, and every other run works."""
    import subprocess
    import sys

    (tmp_path / "broken.py").write_text("import a_module_that_does_not_exist\n")
    script = f"""
import commsim.strategies
commsim.strategies.__path__.append({str(tmp_path)!r})
from commsim.sim import ConfigError, simulate
from commsim.strategies import registry
assert "broken" not in registry.available() and "content" in registry.available()
assert "a_module_that_does_not_exist" in registry.broken()["broken"]
simulate({{"days": 5, "network": {{"n": 300}}, "plan": {{"strategies": ["content"]}}}}, progress="never")
try:
    simulate({{"days": 5, "network": {{"n": 300}}, "plan": {{"strategies": ["broken"]}}}})
except ConfigError as err:
    assert "plan.strategies[0]: strategy 'broken' could not be loaded (strategies/broken.py" in str(err), err
    print("ok")
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


@pytest.mark.parametrize("budget, warned", [(3000.0, True), (50.0, False)])
def test_a_recruiting_plan_that_uses_up_its_audience_is_warned_about(caplog, budget, warned):
    """Paid acquisition buying 200 people a day from an audience of 300: from day 2 nobody is left to
    recruit, and the run says so (a twin's audience is only the people its log names)."""
    import logging

    from commsim.sim.simulation import audience_used_up, simulate

    with caplog.at_level(logging.WARNING, logger="commsim"):
        result = simulate({"days": 20, "seed": 0, "network": {"n": 300},
                           "plan": {"name": "a", "strategies": ["acquisition"]},
                           "strategies": {"acquisition": {"daily_budget": budget}}}, progress="never")
    said = [r.getMessage() for r in caplog.records if "no one was left to recruit" in r.getMessage()]
    assert bool(said) == warned and (audience_used_up(result.timeseries) is not None) == warned
    if warned:
        day = audience_used_up(result.timeseries)
        assert f"from day {day} on" in said[0] and "acquisition could bring in no more members" in said[0]
        assert (result.timeseries.set_index("day").loc[day:, ["prospects", "outside"]] == 0).all().all()
