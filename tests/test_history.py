"""history_days: a run that replays a community's past before day 1 (a calibrated twin's what-ifs).

The past is the model itself, numbered -H+1 .. 0: its draws are keyed by the day counted from the
run's first state, so a replay of H days followed by N days is, day for day, a plain run of H + N
days -- which the first test checks number for number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.sim import CommunityModel
from commsim.sim.calendar import Calendar, CalendarConfig, CalendarEvent
from commsim.sim.errors import ConfigError
from commsim.sim.simulation import simulate

H, N = 40, 30


def community(history: int, weekday: int = 2, **extra) -> dict:
    """A community filling up over 60 days, with a weekly rhythm and a holiday on (plain) days 20-24,
    numbered for a run that replays ``history`` days."""
    return {"days": N if history else H + N, "seed": 3, "history_days": history,
            "network": {"kind": "barabasi_albert", "n": 1500},
            "population": {"audience_at_start": 0.5, "arrival_days": 60, "initial_members": 60},
            "calendar": {"start_weekday": (weekday + history) % 7, "weekly": [1.2, 1.1, 1, 1, 1.1, 0.6, 0.5],
                         "events": [{"name": "holiday", "start": 20 - history, "end": 24 - history,
                                     "activity": 0.3, "away": True}]},
            **extra}


def test_a_replayed_past_is_the_plain_run_of_those_days_number_for_number():
    plain = simulate(community(0), progress="never").timeseries
    replay = simulate(community(H), progress="never").timeseries
    assert replay.day.tolist() == list(range(1, N + 1)), "only the days after the past are recorded"
    later = plain[plain.day > H].reset_index(drop=True)
    for column in replay.columns.drop(["day", "churned_total"]):
        assert np.array_equal(replay[column].to_numpy(), later[column].to_numpy()), column
    before = int(plain.churned_total[plain.day == H].iloc[0])
    assert (replay.churned_total.to_numpy() == later.churned_total.to_numpy() - before).all(), \
        "lapses are counted from day 1"


def test_strategies_start_on_day_one_from_the_community_the_past_leaves():
    model = CommunityModel(community(H, plan={"strategies": ["kol"]}, strategies={"kol": {"k": 5}}))
    plain = simulate(community(0, days=H), progress="never").timeseries
    assert model.day == 0 and model.initial_members == int(model.population.is_member.sum()) == plain.members.iloc[-1]
    kols = np.flatnonzero(model.population.role == 1)
    assert kols.size == 5 and model.population.is_member[kols].all(), "KOLs picked among day 0's members"
    joined = model.population.join_day[model.population.join_day > -2**29]
    assert joined.min() == -H and joined.max() <= 0, "the first members joined on the past's first state"
    assert not model.spend_by_strategy and not model.strategy_rows and model.churned_total == 0
    for _ in range(3):
        model.step()
    assert model.timeseries().day.tolist() == [1, 2, 3]


def test_people_due_in_the_past_are_there_on_day_zero_and_later_ones_arrive_on_their_day(tmp_path):
    import networkx as nx

    g = nx.relabel_nodes(nx.barabasi_albert_graph(200, 3, seed=1), lambda i: f"p{i}")
    nx.write_graphml(g, tmp_path / "g.graphml")
    rows = [(f"p{i}", -H + 1 + i % H, "member" if i % 3 else "prospect") for i in range(140)]
    rows += [(f"p{i}", 1 + i % 5, "member") for i in range(150, 200)]  # p140-p149 not listed: there from the start
    pd.DataFrame(rows, columns=["person", "day", "as"]).to_csv(tmp_path / "a.csv", index=False)
    cfg = {"days": 10, "seed": 1, "history_days": H, "network": {"kind": "file", "path": str(tmp_path / "g.graphml"),
                                                                   "format": "graphml"},
           "population": {"initial_members": 0, "arrivals_file": str(tmp_path / "a.csv")}}
    model = CommunityModel(cfg)
    outside = np.flatnonzero(model.population.status == 3)
    assert sorted(model.graph.labels[outside]) == sorted(f"p{i}" for i in range(150, 200))
    unlisted = [list(model.graph.labels).index(f"p{i}") for i in range(140, 150)]
    assert (model.population.status[unlisted] != 3).all(), "not listed: in the audience from day -H on"
    assert model.population.join_day[model.population.join_day > -2**29].max() <= 0
    for _ in range(10):
        model.step()
    assert model.timeseries().arrived.tolist() == [10] * 5 + [0] * 5
    with pytest.raises(ConfigError, match=r"36 people arrive before the run's first state \(day -30; the first: "
                                          r"'p0' on day -39\); .* needs history_days of at least 39"):
        CommunityModel({**cfg, "history_days": 30})


def test_a_replayed_past_and_a_state_file_or_counted_arrivals_are_refused(tmp_path):
    state = tmp_path / "state.csv"
    state.write_text("person,status,join_day,last_active_day,recent\n0,member,-3,0,1\n")
    with pytest.raises(ConfigError, match="either from a replayed past .history_days. or from a state file"):
        simulate({"days": 5, "history_days": 10, "network": {"n": 100},
                  "population": {"initial_members": 0, "state_file": str(state)}})
    counts = tmp_path / "counts.csv"
    counts.write_text("day,people\n3,5\n")
    with pytest.raises(ConfigError, match="with history_days it must say who arrives"):
        simulate({"days": 5, "history_days": 10, "network": {"n": 100},
                  "population": {"audience_at_start": 0.5, "arrivals_file": str(counts)}})
    with pytest.raises(ConfigError, match=r"calendar.events.0.start: -12 is not a day of the run \(from -9"):
        simulate({"days": 5, "history_days": 10, "network": {"n": 100},
                  "calendar": {"events": [{"start": -12, "end": 2}]}})
    with pytest.raises(ConfigError, match=r"calendar.events.0.start: 0 is not a day of the run \(from 1\)"):
        simulate({"days": 5, "network": {"n": 100}, "calendar": {"events": [{"start": 0, "end": 2}]}})


@settings(max_examples=40, deadline=None)
@given(history=st.integers(0, 30), days=st.integers(1, 30), start=st.integers(1, 40), length=st.integers(0, 10),
       away=st.booleans(), weekday=st.integers(0, 6))
def test_a_calendar_with_a_past_is_the_plain_calendar_of_those_days(history, days, start, length, away, weekday):
    """Day t of a calendar with a past of H days is day t + H of the plain calendar of H + days days
    (its events and weekday moved by H): offsets, joining, away days and the days present."""
    def event(shift):
        return CalendarEvent(start=start - shift, end=start - shift + length, activity=0.4, joining=2.0, away=away)

    moved = Calendar.build(CalendarConfig(start_weekday=(weekday + history) % 7, weekly=[1, 2, 1, 1, 1, 0.5, 1],
                                          events=[event(history)]), days, history)
    plain = Calendar.build(CalendarConfig(start_weekday=weekday, weekly=[1, 2, 1, 1, 1, 0.5, 1], events=[event(0)]),
                           history + days)
    since = np.arange(-5, days + history + 1)
    for t in range(1 - history, days + 1):
        assert moved.activity(t) == plain.activity(t + history) and moved.joining_on(t) == plain.joining_on(t + history)
        assert moved.is_away(t) == plain.is_away(t + history)
        assert np.array_equal(moved.days_present(since - history, t), plain.days_present(since, t + history))


def test_a_past_kept_in_the_process_gives_the_run_it_replays_number_for_number():
    """sim/past.py: the second run with the same past (another plan) starts from a copy of the state the
    first left; every array and number of the model and its population, and then the run, are what
    replaying gives."""
    from commsim.sim import past

    def build(plan):  # members who post and share often: every piece of carried state is non-trivial
        return CommunityModel(community(H, plan={"strategies": plan}, strategies={"kol": {"k": 5}},
                                        behaviour={"actions": {"post_prob": 0.6, "share_prob": 0.3}}))

    past.clear()
    first = build([])
    assert past.stats() == {"kept": 1, "restored": 0, "held": 1}
    restored = build(["content", "kol"])
    assert past.stats()["restored"] == 1, "the same past under another plan is restored, not replayed"
    past.clear()
    replayed = build(["content", "kol"])
    assert past.stats() == {"kept": 1, "restored": 0, "held": 1}
    assert first.day == restored.day == replayed.day == 0 and restored.steps == replayed.steps == H
    assert restored.time == replayed.time
    for name in restored.population.arrays:
        assert np.array_equal(getattr(restored.population, name), getattr(replayed.population, name)), name
    plain = (int, float, np.ndarray, np.generic, dict, tuple, list)
    for name, value in vars(replayed).items():
        if isinstance(value, plain) and not name.startswith("_") and name not in ("stage_seconds", "stage_writes", "strategies", "contexts"):
            other = vars(restored)[name]
            same = (np.array_equal(value, other) if isinstance(value, np.ndarray) else value == other)
            assert same, name
    assert (restored.arrivals.next, restored.arrivals.carry) == (replayed.arrivals.next, replayed.arrivals.carry)
    assert replayed.ugc_per_member.any() and replayed.posted.size and replayed.cascade_sizes.size
    for model in (restored, replayed):
        for _ in range(N):
            model.step()
    a, b = restored.timeseries(), replayed.timeseries()
    assert a.equals(b) and a.day.tolist() == list(range(1, N + 1))
    assert restored.strategy_rows == replayed.strategy_rows
