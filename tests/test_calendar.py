"""The calendar (sim/calendar.py): away days and the clock of days present."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsim.sim.calendar import Calendar, CalendarConfig, CalendarEvent, CalendarFileError, read_events


def build(events, days=30):
    return Calendar.build(CalendarConfig(events=events), days)


def test_without_away_days_the_clock_is_the_day_itself():
    cal = build([CalendarEvent(start=5, end=9, activity=0.1)])
    assert cal.away is None and not cal.is_away(6)
    since = np.array([-3, 0, 4, 10], np.int32)
    assert np.array_equal(cal.days_present(since, 12), 12 - since)


def test_away_days_do_not_count_between_a_persons_last_day_and_today():
    cal = build([CalendarEvent(start=5, end=9, away=True), CalendarEvent(start=20, end=21, away=False)])
    assert [d for d in range(31) if cal.is_away(d)] == [5, 6, 7, 8, 9]
    since = np.array([-3, 0, 4, 5, 9, 10, 12])
    # today 12: days 5-9 do not count for anyone last seen before them
    assert cal.days_present(since, 12).tolist() == [10, 7, 3, 3, 3, 2, 0]
    assert not build([CalendarEvent(start=5, end=9, activity=0.5)]).flat
    assert not Calendar.build(CalendarConfig(), 30).is_away(3) and Calendar.build(CalendarConfig(), 30).flat


@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 6)), max_size=4), st.integers(-20, 40),
       st.integers(0, 40))
def test_days_present_count_the_days_after_since_up_to_today_that_are_not_away(spells, since, today):
    cal = build([CalendarEvent(start=a, end=a + n, away=True) for a, n in spells], days=40)
    since = min(since, today)
    away = cal.away if cal.away is not None else np.zeros(41, bool)
    expected = sum(1 for d in range(since + 1, today + 1) if d < 0 or not away[d])
    assert cal.days_present(np.array([since]), today)[0] == expected


def test_a_calendar_file_says_which_events_everyone_is_away_for(tmp_path):
    path = tmp_path / "cal.csv"
    path.write_text("name,start,end,activity,joining,away\nnew year,3,5,0.01,,yes\nsale,8,9,2,1,\n")
    holiday, sale = read_events(path)
    assert holiday.away and not sale.away and holiday.activity == 0.01
    path.write_text("name,start,end,away\nnew year,3,5,maybe\n")
    with pytest.raises(CalendarFileError, match=r"cal.csv, line 2: away: 'maybe' is not yes or no"):
        read_events(path)


def test_the_churn_hazard_the_day_after_an_away_spell_counts_only_the_days_present(monkeypatch):
    """With every multiplier of the hazard at 1 (agents/churn.py), a member's hazard on day 15, the first
    after an away spell on days 10-14, is the base hazard of the days since they were last active that
    were not away: someone last active on day 9 has been silent one day, not six."""
    from conftest import small

    from commsim.sim import CommunityModel

    neutral = {"satisfaction": 0.0, "trust": 0.0, "fatigue": 0.0, "contagion": 1.0,
               "hazard_active": 0.001, "hazard_dormant": 0.3, "dormancy_days": 3.0}
    spell = {"name": "holiday", "start": 10, "end": 14, "activity": 0.001, "away": True}
    model = CommunityModel(small(days=20, calendar={"events": [spell]}, behaviour={"churn": neutral},
                                 population={"frailty_variance": 0.0}))
    seen = {}
    below = model.streams.below

    def spy(name, day, index, p):
        if name == "churn":
            seen[day] = (np.array(index), np.broadcast_to(p, np.shape(index)).copy())
        return below(name, day, index, p)

    monkeypatch.setattr(model.streams, "below", spy)
    for _ in range(15):
        model.step()
    assert 10 not in seen and 14 not in seen, "nobody's hazard is drawn on an away day"
    idx, hazard = seen[15]
    pop = model.population
    last = np.maximum(pop.last_active_day[idx], pop.join_day[idx]).astype(int)
    present = np.array([sum(1 for d in range(a + 1, 16) if not 10 <= d <= 14) for a in last])
    c = neutral
    expected = c["hazard_active"] + (c["hazard_dormant"] - c["hazard_active"]) * -np.expm1(-present / 3.0)
    assert np.allclose(hazard, expected)
    before = last < 10
    assert before.sum() > 10, "members last active before the spell"
    naive = c["hazard_active"] + (c["hazard_dormant"] - c["hazard_active"]) * -np.expm1(-(15 - last) / 3.0)
    assert (hazard[before] < naive[before]).all() and (naive - hazard)[before].max() > 0.1, \
        "counting the away days would give a higher hazard"
