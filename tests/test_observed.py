"""Observed metrics (sim/observed.py): by hand on tiny logs, and on the real CollegeMsg log."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.experiments.stylized_facts import collegemsg_log
from commsim.sim.activity_log import ActivityLog, from_actions
from commsim.sim.observed import (daily, hill_tail_index, newcomer_share, participation, retention_shape,
                          stylized_facts, weekday_profile, weekly_retention)


def log_of(rows, first=0, last=None, people=None, **kw):
    days = pd.DataFrame(rows, columns=["person", "day", "actions", "posts"])
    return ActivityLog(days, first, last if last is not None else int(days.day.max()),
                       people or int(days.person.max()) + 1, **kw)


def test_daily_counts_by_hand():
    # person 0 active days 0, 1, 8; person 1 day 1; person 2 day 40
    log = log_of([(0, 0, 1, 0), (0, 1, 2, 1), (1, 1, 1, 0), (0, 8, 1, 0), (2, 40, 3, 0)], last=40)
    d = daily(log).set_index("day")
    assert d.dau[[0, 1, 8, 40]].tolist() == [1, 2, 1, 1]
    assert d.new_people[[0, 1, 40]].tolist() == [1, 1, 1] and d.new_people.sum() == 3
    assert d.wau[7] == 2 and d.wau[8] == 1, "person 1 (last seen day 1) drops out of WAU on day 8"
    assert d.mau[30] == 2 and d.mau[31] == 1
    assert d.dormant[22] == 2, "dormant: active before, not in the last 14 days"
    assert (d.churned[37], d.churned[38], d.churned[40]) == (1, 2, 2), "churned: 30 days without activity"
    assert d.actions.sum() == 8


def test_the_newcomer_share_counts_the_recent_active_days_of_people_first_seen_recently():
    # days 0..39, the last 28 are days 12..39. Person 0: active days 0, 20, 30 (seen before); 1: days 15
    # and 16 (first seen in them); 2: day 12 only (the window's first day: new); 3: days 11 and 20
    # (seen the day before); 4: day 25, named by person 0 on day 5 (seen before, as a target)
    rows = [(0, 0, 1, 0), (0, 20, 1, 0), (0, 30, 1, 0), (1, 15, 1, 0), (1, 16, 1, 0), (2, 12, 1, 0),
            (3, 11, 1, 0), (3, 20, 1, 0), (4, 25, 1, 0)]
    named = pd.DataFrame({"person": [0], "other": [4], "day": [5], "count": [1]})
    log = log_of(rows, last=39, interactions=named)
    assert newcomer_share(log) == pytest.approx(3 / 7), "person 1's two days and person 2's one of seven"
    assert newcomer_share(log_of(rows, last=39)) == pytest.approx(4 / 7), "unnamed, person 4 is new too"
    assert newcomer_share(log, days=10) == 0.0, "days 30..39: person 0 only, seen long before"
    assert math.isnan(newcomer_share(log_of([(0, 0, 1, 0)], last=39))), "no activity in the last 28 days"


@settings(max_examples=60, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 7), st.integers(0, 60)), min_size=1, max_size=60),
       st.sets(st.integers(0, 7), max_size=3))
def test_daily_counts_and_retention_follow_their_definitions_on_any_log(person_days, established):
    """The vectorised counts against the module docstring's definitions, day by day."""
    log = log_of([(p, d, 1, 0) for p, d in sorted(person_days)], last=60, people=8,
                 meta={"established": np.array(sorted(established), dtype=np.int64)})
    active = {t: {p for p, d in person_days if d == t} for t in range(61)}
    d = daily(log)
    for t in range(61):
        last = {p: max(day for q, day in person_days if q == p and day <= t)
                for p in {q for q, day in person_days if day <= t}}
        since = [t - day for day in last.values()]
        assert d.dau[t] == len(active[t])
        assert d.wau[t] == sum(s < 7 for s in since) and d.mau[t] == sum(s < 30 for s in since)
        assert d.dormant[t] == sum(s >= 14 for s in since) and d.churned[t] == sum(s >= 30 for s in since)
    first = {p: min(day for q, day in person_days if q == p) for p, _ in person_days if p not in established}
    assert d.new_people.tolist() == [sum(f == t for f in first.values()) for t in range(61)]
    curve = weekly_retention(log).set_index("week")
    for k in range(1, 8):
        eligible = [p for p, f in first.items() if f + 7 * k + 6 <= 60]
        if not eligible:
            assert k not in curve.index
            break
        back = sum(any(first[p] + 7 * k <= day <= first[p] + 7 * k + 6 for q, day in person_days if q == p)
                   for p in eligible)
        assert curve.eligible[k] == len(eligible) and curve.retention[k] == back / len(eligible)


def test_a_window_is_the_log_restricted_to_its_days_and_the_whole_window_the_log_itself():
    log = log_of([(0, 0, 1, 0), (0, 1, 2, 1), (1, 1, 1, 0), (0, 8, 1, 0), (2, 40, 3, 0)], last=40,
                 meta={"source": "test"})
    part = log.window(1, 8)
    assert (part.first_day, part.last_day) == (1, 8) and part.days.day.tolist() == [1, 1, 8]
    whole = log.window(0, 40)
    assert whole is not log and whole.meta == log.meta and whole.meta is not log.meta
    pd.testing.assert_frame_equal(whole.days, log.days)
    pd.testing.assert_frame_equal(daily(whole), daily(log))
    assert log.window(0, 41).last_day == 41 and log.window(0, 41).days.equals(log.days)


def test_weekly_retention_by_hand():
    # days 0..27; cohort: persons 0, 1 start day 0; person 2 starts day 14
    rows = [(0, 0, 1, 0), (0, 9, 1, 0), (0, 20, 1, 0), (1, 0, 1, 0), (1, 15, 1, 0), (2, 14, 1, 0)]
    curve = weekly_retention(log_of(rows, last=27)).set_index("week")
    # week 1 = days f+7..f+13: person 0 (day 9) back, person 1 not, person 2 (days 21..27) not -> 1/3
    assert curve.retention[1] == pytest.approx(1 / 3) and curve.eligible[1] == 3
    # week 2 = days f+14..f+20 needs f <= 7: persons 0 (day 20) and 1 (day 15) -> 2/2
    assert curve.retention[2] == 1.0 and curve.eligible[2] == 2


def test_established_members_are_left_out_of_cohorts():
    rows = [(0, 0, 1, 0), (0, 9, 1, 0), (1, 0, 1, 0)]
    log = log_of(rows, last=27, meta={"established": np.array([0])})
    assert weekly_retention(log).set_index("week").retention[1] == 0.0, "only newcomer 1 counts"
    assert daily(log).new_people.sum() == 1


def test_participation_and_tail_by_hand():
    rows = [(p, d, 1, 0) for p in range(10) for d in range(p + 1)]  # person p active on p + 1 days
    part = participation(log_of(rows))
    assert part["top10_share_of_active_days"] == pytest.approx(10 / 55)
    assert part["one_day_share"] == pytest.approx(0.1) and part["active_days_median"] == 5.5
    rng = np.random.default_rng(0)
    pareto = rng.pareto(1.5, 20_000) + 1  # P(X > x) = x^-1.5
    assert hill_tail_index(pareto) == pytest.approx(1.5, rel=0.1)
    assert math.isnan(hill_tail_index([1, 2, 3]))


def test_retention_shape_tells_power_law_from_exponential():
    weeks = np.arange(1, 20)
    power = retention_shape(pd.DataFrame({"week": weeks, "retention": 0.5 * weeks ** -0.8}))
    expo = retention_shape(pd.DataFrame({"week": weeks, "retention": 0.5 * np.exp(-0.2 * weeks)}))
    assert power["power_law_fits_better"] and power["power_exponent"] == pytest.approx(-0.8)
    assert not expo["power_law_fits_better"]


def test_weekday_profile_needs_a_known_weekday():
    rows = [(0, d, 1, 0) for d in range(28) if d % 7 != 5] + [(1, d, 1, 0) for d in range(28)]
    log = log_of(rows, first_weekday=0)
    profile = weekday_profile(log)
    assert profile.idxmin() == 5 and profile[5] < profile[0]
    assert weekday_profile(log_of(rows)) is None


def test_a_log_from_actions_numbers_people_and_keeps_interactions():
    log = from_actions(["ann", "bob", "ann", "ann"], [0, 0, 0, 2], ["bob", "ann", "cy", None],
                       kind=["msg", "msg", "post", "post"])
    assert log.people == 3 and list(log.labels) == ["ann", "bob", "cy"]
    ann = log.days[log.days.person == 0].set_index("day")
    assert ann.actions[0] == 2 and ann.posts[0] == 1 and ann.posts[2] == 1
    assert sorted(map(tuple, log.interactions[["person", "other", "day", "count"]].to_numpy())) == [
        (0, 1, 0, 1), (0, 2, 0, 1), (1, 0, 0, 1)]


def test_collegemsg_facts_as_published():
    """The numbers of the data's README and the wave-2 brief, by the project's own functions."""
    facts = stylized_facts(collegemsg_log())
    assert facts["active_people"] == 1350
    assert facts["top10_share_of_active_days"] == pytest.approx(0.396, abs=0.002)
    assert facts["one_day_share"] == pytest.approx(0.185, abs=0.001)
    assert (facts["actions_median"], facts["actions_max"]) == (14, 1091)
    assert facts["actions_mean"] == pytest.approx(44.3, abs=0.05)
    for week, value in ((1, 0.527), (4, 0.280), (7, 0.120), (19, 0.064)):
        assert facts[f"retention_week{week}"] == pytest.approx(value, abs=0.001)
    assert facts["power_law_fits_better"]
    assert facts["dau_over_mau"] == pytest.approx(0.12, abs=0.005)
    assert facts["weekday_sat"] < facts["weekday_fri"] < 1 < facts["weekday_wed"]
    assert 35 <= facts["peak_day"] <= 45
