"""The twin's newcomers after the cut-off (experiments/analyses/calibration/newcomers.py): the trend
of first appearances, the whole-people schedule, and the placeholder people a twin gains."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.experiments.analyses.calibration import newcomers as NEW
from commsim.experiments.analyses.calibration.twin import build, build_today, twins_before, with_newcomers
from commsim.sim.log_io import read_log


@pytest.mark.parametrize("rate, slope", [(5.0, 0.0), (20.0, -0.05), (3.0, 0.02), (40.0, -0.2)])
def test_the_trend_recovers_a_known_rate_and_slope(rate, slope):
    x = np.arange(NEW.WINDOW) - (NEW.WINDOW - 1)
    fits = [NEW.trend(np.random.default_rng(seed).poisson(rate * np.exp(slope * x))) for seed in range(20)]
    rates, slopes = np.array(fits).T
    assert np.median(slopes) == pytest.approx(slope, abs=0.006)
    assert np.median(rates) == pytest.approx(rate, rel=0.15)


def test_the_trend_of_a_launch_wave_dies_out_and_of_nothing_is_nothing():
    wave = np.r_[[360, 120, 53, 37, 14, 5, 0, 4, 0, 0, 1], np.zeros(45)]  # the declining community's first days
    rate, slope = NEW.trend(wave)
    assert rate < 0.01 and slope < -0.1
    assert NEW.trend(np.zeros(56)) == (0.0, 0.0)
    assert NEW.trend([2, 4, 0]) == (2.0, 0.0), "too few days for a slope: the mean"
    assert NEW.trend(np.r_[np.zeros(100), np.full(56, 3.0)]) == pytest.approx((3.0, 0.0), abs=1e-6), "the last 56 days"


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(0, 50), slope=st.floats(-0.5, 0.5), days=st.integers(0, 200))
def test_the_schedule_is_whole_people_summing_to_the_rate_held_or_declining(rate, slope, days):
    per_day = NEW.schedule(rate, slope, days)
    assert per_day.shape == (days,) and per_day.dtype.kind == "i" and (per_day >= 0).all()
    ahead = np.arange(1, days + 1)
    expected = (rate * np.exp(min(slope, 0.0) * ahead)).sum()
    assert expected - 1 < per_day.sum() <= expected + 1e-6
    if slope > 0:
        assert per_day.tolist() == NEW.schedule(rate, 0.0, days).tolist(), "a rise is held, not extrapolated"


@pytest.fixture
def steady_log(tmp_path):
    """Three people arrive every day for 70 days (p1, p2, ...); each writes to the one before."""
    start = pd.Timestamp("2024-01-01")
    rows = [(f"p{me}", f"p{me - 1}", (start + pd.Timedelta(days=day, hours=k + 1)).isoformat())
            for day in range(70) for k in range(3) for me in [3 * day + k + 1]]
    path = tmp_path / "steady.csv"
    pd.DataFrame(rows, columns=["user", "target", "time"]).to_csv(path, index=False)
    return read_log(path)[0]


def test_a_twin_gains_the_projected_newcomers_after_its_cut_off_wired_like_recent_arrivals(steady_log, tmp_path):
    twin = build(steady_log, 56, tmp_path, horizon=14, newcomers="trend")
    assert twin.newcomers["rate"] == pytest.approx(3.0, rel=0.02) and twin.newcomers["count"] in (41, 42)
    graph_file, arrivals_file = twin.newcomers["files"]
    assert (graph_file, arrivals_file) == ("twin/graph_newcomers.graphml", "twin/arrivals_newcomers.csv")
    arrivals = pd.read_csv(tmp_path / arrivals_file)
    new = arrivals[arrivals.person.str.startswith("(newcomer")]
    assert len(new) == twin.newcomers["count"] and new.day.between(57, 70).all()
    assert new.groupby("day").size().between(2, 4).all(), "about three a day, as before the cut-off"
    graph = nx.read_graphml(tmp_path / graph_file)
    real = arrivals[~arrivals.person.str.startswith("(newcomer")]
    recent = set(real.person[real.day > 56 - NEW.TEMPLATE_DAYS])
    for person in new.person:  # each newcomer's ties are those of someone first seen in the last 28 days
        ties = set(graph.neighbors(person))
        assert any(ties == set(graph.neighbors(t)) - {p for p in graph.neighbors(t) if p.startswith("(")}
                   for t in recent), person
    assert twin.people == len(real) == 169, "p0 (written to on day 0) to p168 (arrived on day 55)"
    # the twin fitted on the training days is the one without them
    plain = pd.read_csv(tmp_path / "twin" / "arrivals.csv")
    assert plain.equals(real.reset_index(drop=True)) and twin.config["population"]["arrivals_file"] == "twin/arrivals.csv"
    assert set(nx.read_graphml(tmp_path / "twin" / "graph.graphml").nodes) == set(real.person)

    none = build(steady_log, 56, tmp_path / "none", horizon=14, newcomers="none")
    assert none.newcomers is None and not (tmp_path / "none" / "twin" / "arrivals_newcomers.csv").exists()


def test_what_ifs_from_today_gain_the_newcomers_the_forecast_has(steady_log, tmp_path):
    """The twin from the end of the log: its graph and state as before, and beside them the newcomers
    projected after the log, which a what-if gets when the forecast used them (with_newcomers)."""
    from commsim.sim import CommunityModel
    from commsim.sim.calibrated import resolve_paths

    (tmp_path / "twin").mkdir()
    calendar = {"weekly": [1.0] * 7}
    plain = build_today(steady_log, tmp_path, calendar, left_after=60)
    assert "newcomers" not in plain and plain["config"]["population"]["arrivals_file"] is None
    today = build_today(steady_log, tmp_path, calendar, left_after=60, ahead=20)
    projected = today["newcomers"]
    assert projected["rate"] == pytest.approx(3.0, rel=0.02) and 58 <= projected["count"] <= 60
    assert not projected["used"] and today["config"] == plain["config"], "unused until the forecast uses them"
    arrivals = pd.read_csv(tmp_path / projected["files"][1])
    assert arrivals.person.str.startswith("(newcomer").all() and len(arrivals) == projected["count"]
    assert arrivals.day.between(1, 20).all() and arrivals.groupby("day").size().between(2, 4).all()
    graph = nx.read_graphml(tmp_path / projected["files"][0])
    assert set(graph.nodes) == set(nx.read_graphml(tmp_path / "twin" / "graph_today.graphml").nodes) | set(arrivals.person)

    used = with_newcomers(today)
    assert used["newcomers"]["used"] and used["config"]["network"]["path"] == projected["files"][0]
    assert used["config"]["population"]["arrivals_file"] == projected["files"][1]
    assert used["config"]["population"]["state_file"] == "twin/state.csv"
    runs = {}
    for way, spec in (("without", today), ("with", used)):
        config = resolve_paths({k: dict(v) for k, v in spec["config"].items()}, tmp_path)
        model = CommunityModel({**config, "days": 20, "seed": 1})
        for _ in range(20):
            model.step()
        runs[way] = model.timeseries()
    assert runs["without"].arrived.sum() == 0
    assert runs["with"].arrived.sum() == projected["count"], "every newcomer arrives on their day"
    assert runs["with"].members.iloc[-1] > runs["without"].members.iloc[-1]
    assert with_newcomers(plain) is plain, "nothing projected: nothing changes"


def test_a_twin_that_replays_its_log_numbers_the_last_day_zero_and_its_newcomers_after_it(steady_log, tmp_path):
    """calibrate.start=replay: everyone seen arrives on the day first seen, the log's last day being day 0,
    and the what-if's newcomers on days 1 ..; a run replays the log before day 1."""
    from commsim.sim import CommunityModel
    from commsim.sim.calibrated import resolve_paths

    (tmp_path / "twin").mkdir()
    today = build_today(steady_log, tmp_path, {"weekly": [1.0] * 7}, left_after=60, ahead=20, start="replay")
    config = today["config"]
    assert today["start"] == "replay" and today["replay"] == {"people": 211, "ties": 210, "days": 70}
    assert config["history_days"] == 70 and config["population"]["state_file"] is None
    arrivals = pd.read_csv(tmp_path / config["population"]["arrivals_file"])
    assert arrivals.day.min() == -69 and arrivals.day.max() == 0, "log day 0 is day -69; its last day 0"
    assert (arrivals.set_index("person").day[["p1", "p3", "p210"]] == [-69, -69, 0]).all()
    new = pd.read_csv(tmp_path / today["newcomers"]["files"][1])
    new = new[new.person.str.startswith("(newcomer")]
    assert len(new) == today["newcomers"]["count"] and new.day.between(1, 20).all()
    used = with_newcomers(today)
    model = CommunityModel({**resolve_paths({k: (dict(v) if isinstance(v, dict) else v)
                                             for k, v in used["config"].items()}, tmp_path), "days": 20, "seed": 1})
    assert model.day == 0 and model.population.status[model.population.status == 3].size == len(new), \
        "after the replay only the newcomers are still to arrive"
    for _ in range(20):
        model.step()
    assert model.timeseries().arrived.sum() == len(new)


def test_a_twin_at_a_rolling_origin_knows_only_the_days_before_it(steady_log, tmp_path):
    twin = build(steady_log, 56, tmp_path, horizon=14, newcomers="auto")
    at = twins_before(steady_log, twin, [35], 14)[35]
    assert at["without"] == ("twin/graph_before_35.graphml", "twin/arrivals_before_35.csv")
    assert at["with"] == ("twin/graph_before_35_newcomers.graphml", "twin/arrivals_before_35_newcomers.csv")
    without, with_ = (pd.read_csv(tmp_path / at[way][1]) for way in ("without", "with"))
    assert sorted(without.person, key=lambda p: int(p[1:])) == [f"p{i}" for i in range(106)], "seen before day 35"
    new = with_.person.str.startswith("(newcomer")
    assert with_[~new].equals(without)
    assert 40 <= new.sum() <= 42 and new.sum() == at["count"] and with_.day[new].between(36, 49).all(), \
        "projected from the origin, for 14 days"
    g = nx.read_graphml(tmp_path / at["without"][0])
    assert set(g.nodes) == set(without.person) and g.has_edge("p104", "p105") and "p106" not in g
    assert set(nx.read_graphml(tmp_path / at["with"][0]).nodes) == set(with_.person)
    assert twins_before(steady_log, twin, [35], 14, newcomers=False)[35]["with"] is None


def test_auto_adds_the_newcomers_where_they_forecast_the_origins_days_better():
    observed = np.r_[np.full(30, 10.0), np.linspace(10, 20, 30)]  # growing after day 30
    flat = {30: np.full((4, 60), 10.0), 40: np.full((4, 60), 10.0)}
    rising = {o: np.tile(observed, (4, 1)) + 1.0 for o in (30, 40)}
    projected = {"count": 50, "rate": 2.0, "slope": 0.0, "files": ("g", "a")}
    got = NEW.choose("auto", projected, observed, flat, rising, 60, 30)
    assert got["used"] and got["origins"] == [30, 40] and got["rmse_with"] == pytest.approx(1.0)
    assert got["rmse_without"] > 4
    assert not NEW.choose("auto", projected, observed, rising, flat, 60, 30)["used"], "worse with them: left out"
    assert not NEW.choose("none", projected, observed, flat, rising, 60, 30)["used"]
    assert NEW.choose("trend", projected, observed, rising, flat, 60, 30)["used"], "trend: whatever the origins say"
    assert not NEW.choose("auto", projected, observed, flat, {}, 60, 30)["used"], "no origin to judge: left out"
    assert not NEW.choose("trend", {**projected, "count": 0}, observed, flat, rising, 60, 30)["used"]
    assert NEW.choose("auto", None, observed, flat, rising, 60, 30)["count"] == 0
    few = NEW.choose("auto", projected, observed, flat, rising, 60, 30, people=int(50 / NEW.MATERIAL) + 1)
    assert not few["used"] and not few["material"], "too few among the people seen to judge: left out"
    assert NEW.choose("auto", projected, observed, flat, rising, 60, 30, people=int(50 / NEW.MATERIAL))["used"]


def test_the_logs_first_days_where_everyone_already_there_is_first_seen_are_left_out():
    seen = {p: 0 for p in range(300)}  # a community that existed before its export: all seen at once
    seen.update({300 + k: 1 + k // 2 for k in range(2 * 69)})  # then two newcomers a day, days 1-69
    counts = NEW.first_seen_counts(seen, 0, 70)
    assert counts.size == 70 - NEW.BURN_IN and (counts == 2).all()
    rate, slope = NEW.trend(counts)
    assert rate == pytest.approx(2.0) and slope == pytest.approx(0.0, abs=1e-6)
    assert NEW.first_seen_counts(seen, 0, 30)[0] == 300, "under a week after the burn-in: every day counts"
