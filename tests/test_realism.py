"""The default model looks like a real community: stylized facts measured on its activity log with the
same functions that measure CollegeMsg (sim/observed.py), and effects of honest size.

Bands come from the real data (CollegeMsg's value, README of data/collegemsg/) or from the wave-2
brief, never from what the model happens to produce; where a mechanism is responsible, a control run
without it shows the fact goes away.
"""

import math

import numpy as np
import pytest

from commsim.experiments.analyses.stats import mean_ci
from commsim.experiments.stylized_facts import collegemsg_log
from commsim.sim.observed import daily, stylized_facts, weekday_profile
from commsim.sim.simulation import simulate

SEEDS = (0, 1, 2)
HOMOGENEOUS = {"propensity_sd": 0.0, "voice_sd": 0.0, "frailty_variance": 0.0}


def facts(seed=0, **cfg):
    return stylized_facts(simulate({"seed": seed, **cfg}, progress="never", activity_log=True).activity_log)


@pytest.fixture(scope="module")
def runs():
    return [facts(s) for s in SEEDS]


@pytest.fixture(scope="module")
def default_facts(runs):
    return {k: float(np.nanmean([r[k] for r in runs])) for k in runs[0]}


@pytest.fixture(scope="module")
def homogeneous_runs():
    """The control: everyone's propensity, voice and frailty alike (tenure and fit still differ)."""
    return [facts(s, population=HOMOGENEOUS) for s in SEEDS]


def test_participation_is_unequal_and_the_traits_make_it_more_so(runs, default_facts, homogeneous_runs):
    """CollegeMsg: the top 10% of users hold 40% of active days; 18.5% are active on one day only."""
    assert 0.3 <= default_facts["top10_share_of_active_days"] <= 0.6
    assert 0.05 <= default_facts["one_day_share"] <= 0.35
    for with_traits, alike in zip(runs, homogeneous_runs):  # paired seeds
        assert with_traits["top10_share_of_active_days"] > alike["top10_share_of_active_days"]


def test_actions_per_person_are_heavy_tailed(runs, default_facts, homogeneous_runs):
    """CollegeMsg: messages per sender median 14, max 1,091 (78x), tail index ~1.6 (Hill, top 10%)."""
    assert default_facts["actions_tail_index"] < 2.5, "a tail heavy enough to have no useful variance"
    assert default_facts["actions_max"] > 30 * default_facts["actions_median"]
    for with_traits, alike in zip(runs, homogeneous_runs):  # voice makes the tail heavier
        assert with_traits["actions_tail_index"] < alike["actions_tail_index"]


def test_cohort_retention_declines_and_flattens_like_a_power_law(default_facts):
    """CollegeMsg: 53% back in week 1, 28% in week 4, 12% in week 7, 6.4% in week 19; a power law fits
    better than an exponential."""
    r = [default_facts[f"retention_week{k}"] for k in (1, 4, 10, 19)]
    assert r[0] > r[1] > r[2] > r[3] > 0
    assert 0.3 <= r[0] <= 0.8, "most newcomers come back in their first week, not all"
    assert 0.10 <= r[1] <= 0.45, "week-4 cohort retention of real communities (issue 23; CollegeMsg 28%)"
    assert default_facts["power_law_fits_better"] == 1.0


def test_stickiness_is_in_the_range_of_real_communities(default_facts):
    assert 0.1 <= default_facts["dau_over_mau"] <= 0.5  # CollegeMsg 0.12


def test_a_calendar_gives_the_weekly_rhythm():
    """With CollegeMsg's weekly profile as the calendar, the model's DAU shows the same rhythm."""
    data = weekday_profile(collegemsg_log())
    weekly = [float(data[d]) for d in range(7)]
    result = simulate({"seed": 0, "calendar": {"weekly": weekly, "start_weekday": 2}}, progress="never",
                      activity_log=True)
    model = weekday_profile(result.activity_log)
    assert model.idxmin() == data.idxmin() == 5, "Saturday is the quiet day"
    assert np.corrcoef(model, data)[0, 1] > 0.8
    assert np.abs(model - data).max() < 0.15


def test_a_dated_event_moves_everyone_at_once():
    """A term break (activity x 0.1 on days 60-72, as CollegeMsg's DAU fell from 153 to 9) empties the
    community for those days; activity comes back afterwards."""
    term = {"calendar": {"events": [{"name": "term break", "start": 60, "end": 72, "activity": 0.1}]}}
    dau = simulate({"seed": 0, **term}, progress="never").timeseries.set_index("day").dau
    base = simulate({"seed": 0}, progress="never").timeseries.set_index("day").dau
    assert dau[60:72].mean() < 0.25 * base[60:72].mean()
    assert dau[90:120].mean() > 0.6 * base[90:120].mean(), "the community comes back"


def test_a_holiday_everyone_is_away_for_ages_no_habit_and_no_churn_clock():
    """The same closure (activity x 0.001 on days 60-74), as a quiet spell and as one everyone is away for
    (``away``, sim/calendar.py): away, nobody lapses during it and members' habits come back as they
    were; as a plain quiet spell two weeks of silence push the churn hazard to its dormant level and
    the habits fade, and fewer members are left (same seed: the days before are identical)."""
    spell = {"name": "holiday", "start": 60, "end": 74, "activity": 0.001}
    runs = {away: simulate({"seed": 0, "calendar": {"events": [{**spell, "away": away}]}}, progress="never")
            .timeseries.set_index("day") for away in (False, True)}
    quiet, away = runs[False], runs[True]
    assert (quiet.loc[:59] == away.loc[:59]).all().all(), "nothing differs before the holiday"
    assert away.churned.loc[60:74].sum() == 0 and quiet.churned.loc[60:74].sum() > 0
    assert away.members.loc[75] > quiet.members.loc[75]
    assert away.dau.loc[76:100].mean() > quiet.dau.loc[76:100].mean()


def test_a_small_seed_community_grows_then_levels_off():
    """From 20 members, three years: DAU grows, and its growth slows to a plateau (the third year's
    relative growth is under a third of the first year's)."""
    for seed in SEEDS:
        dau = simulate({"seed": seed, "days": 3 * 364, "population": {"initial_members": 20}},
                       progress="never").timeseries.dau.to_numpy()
        quarter = [dau[a:a + 91].mean() for a in range(0, 3 * 364, 91)]
        first, last = math.log(quarter[3] / quarter[0]), math.log(quarter[11] / quarter[8])
        assert quarter[3] > 2 * quarter[0], "it grows"
        assert last < first / 3, "and levels off"


def test_a_growing_audience_gives_a_rise_and_a_decline():
    """CollegeMsg's life cycle: people arrive for the first two months (population.audience_at_start,
    arrival_days), join when they arrive, and fade: DAU rises, peaks, then declines."""
    ts = simulate({"seed": 0, "days": 194, "population": {"audience_at_start": 0.05, "arrival_days": 60,
                                                          "initial_members": 20},
                   "behaviour": {"joining": {"p_organic": 0.02}}}, progress="never").timeseries
    smooth = ts.dau.rolling(7, min_periods=1).mean()
    peak = int(smooth.to_numpy().argmax())
    assert 20 < peak < 120, "the peak comes during or after the arrivals, not at the start or the end"
    assert smooth.iloc[-30:].mean() < 0.7 * smooth.max(), "and activity declines once arrivals stop"


def test_lapsed_members_come_back_and_retention_flattens_with_it():
    """Lapse is not final: people come back on their own, more with a higher return chance."""
    often = simulate({"seed": 0, "behaviour": {"activity": {"lapse_penalty": 2.0}}}, progress="never")
    rarely = simulate({"seed": 0, "behaviour": {"activity": {"lapse_penalty": 8.0}}}, progress="never")
    assert often.summary["total_returned"] > 5 * max(rarely.summary["total_returned"], 1)
    assert often.summary["mean_dau_last30"] > rarely.summary["mean_dau_last30"]


def paired_relative_change(change: dict, seeds=SEEDS, days=None) -> np.ndarray:
    out = []
    for s in seeds:
        base = simulate({"seed": s}, progress="never").timeseries.dau
        moved = simulate({"seed": s, **change}, progress="never").timeseries.dau
        window = slice(None) if days is None else days
        out.append(moved.iloc[window].mean() / base.iloc[window].mean() - 1)
    return np.array(out)


def test_the_default_core_is_off_the_tipping_point():
    """The brief's bound: a uniform +0.1 log-odds shift changes 180-day mean DAU by at most +25%
    (wave 1: +35% by this measure, +61% in the brief's; the habit loop no longer locks people in)."""
    from commsim.sim.day import BehaviourConfig

    base = BehaviourConfig().activity.base
    change = paired_relative_change({"behaviour": {"activity": {"base": base + 0.1}}})
    assert np.all(change > 0) and mean_ci(change).high <= 0.25


def test_a_temporary_push_fades_once_it_stops():
    """+0.5 log-odds for everyone on days 1-30: the effect in the last 30 days is under a fifth of the
    effect while the push ran."""
    push = {"calendar": {"events": [{"name": "push", "start": 1, "end": 30, "activity": math.exp(0.5)}]}}
    during = paired_relative_change(push, days=slice(0, 30))
    after = paired_relative_change(push, days=slice(-30, None))
    assert np.all(during > 0.2)
    assert np.mean(after) < np.mean(during) / 5


@pytest.mark.slow  # 21 s: every plan of the default comparison at full size; a model change shows first in
# the fast tier's golden baseline
def test_no_plan_of_the_default_comparison_moves_dau_by_more_than_about_60_percent():
    """The brief: "at the defaults, no single plan in the default comparison should move DAU by more
    than about +60%" (wave 1: +664% for points, +275% for content)."""
    from commsim.experiments.settings import model_config

    from conftest import composed

    scenarios = composed("experiment=default_comparison", config_name="compare").compare.scenarios
    base = [simulate(model_config(composed("plan=baseline", f"seed={s}")), progress="never").summary
            for s in SEEDS]
    for name, overrides in scenarios.items():
        if name == "baseline":
            continue
        runs = [simulate(model_config(composed(*overrides, f"seed={s}")), progress="never").summary for s in SEEDS]
        change = np.mean([r["mean_dau_last30"] / b["mean_dau_last30"] - 1 for r, b in zip(runs, base)])
        assert change < 0.65, f"{name}: {change:+.0%}"


def test_points_are_money_owed():
    """The points programme books earned, unredeemed points as a liability (wave 1: 71% of points never
    booked anywhere)."""
    result = simulate({"seed": 0, "plan": {"strategies": ["incentive"]}}, progress="never")
    owed = result.summary["liability"]
    assert owed > result.summary["total_cost"] > 0, "most points are still owed after 180 days"
    series = result.strategy_results["incentive.liability"].to_numpy()
    assert series[-1] == pytest.approx(owed) and np.all(series >= 0)
    assert result.timeseries["liability"].iloc[-1] == pytest.approx(owed)


def test_observed_dau_is_the_model_dau():
    """The same code measures data and model: DAU from the activity log equals the engine's census."""
    result = simulate({"seed": 1, "days": 60}, progress="never", activity_log=True)
    from_log = daily(result.activity_log).set_index("day").dau
    assert np.array_equal(from_log.to_numpy(), result.timeseries.dau.to_numpy())
