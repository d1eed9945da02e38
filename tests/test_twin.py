"""The twin a calibration fits: built from the training days only, with the known inputs it was given."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from commsim.experiments.analyses.calibration.twin import TwinError, build, english
from commsim.sim.log_io import read_log

LOG = """user,target,time
ann,bob,2024-01-01 09:00
bob,ann,2024-01-01 10:00
cat,,2024-01-02 09:00
ann,dan,2024-01-03 09:00
eve,ann,2024-01-09 09:00
ann,,2024-01-10 09:00
"""


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG)
    return read_log(path)[0]


def test_only_days_before_the_cut_off_build_the_graph_and_the_arrivals(log, tmp_path):
    twin = build(log, 5, tmp_path)  # days 0-4: eve (day 8) is not seen yet
    graph = nx.read_graphml(tmp_path / "twin" / "graph.graphml")
    assert sorted(graph.nodes) == ["ann", "bob", "cat", "dan"]
    assert sorted(tuple(sorted(e)) for e in graph.edges) == [("ann", "bob"), ("ann", "dan")]
    arrivals = pd.read_csv(tmp_path / "twin" / "arrivals.csv")
    got = {r.person: (r.day, r["as"]) for _, r in arrivals.iterrows()}
    # model day = data day + 1; dan was written to before he ever acted: a prospect
    assert got == {"ann": (1, "member"), "bob": (1, "member"), "cat": (2, "member"), "dan": (3, "prospect")}
    assert twin.people == 4 and twin.ties == 2
    assert twin.config["population"]["initial_members"] == 0


def test_calendar_and_campaign_files_are_known_inputs(log, tmp_path):
    (tmp_path / "cal.csv").write_text("name,start,end,activity,joining,away\nholiday,2024-01-02,2024-01-03,,,yes\n"
                                      "launch,2024-01-05,2024-01-05,2.0,1.5,\nnew year,2023-12-30,2024-01-01,1.5,,\n")
    (tmp_path / "camp.csv").write_text("start,end,strategy,target,spend\n2024-01-04,2024-01-06,winback,,300\n")
    twin = build(log, 9, tmp_path, calendar_file=str(tmp_path / "cal.csv"), campaigns_file=str(tmp_path / "camp.csv"))
    events = twin.config["calendar"]["events"]
    assert [(e["name"], e["start"], e["end"]) for e in events] == [("holiday", 2, 3), ("launch", 5, 5),
                                                                  ("new year", 1, 1)], "begun before the log: clipped"
    assert events[1]["activity"] == 2.0 and events[1]["joining"] == 1.5
    assert events[0]["away"] and not events[1]["away"], "everyone is away for the holiday, not for the launch"
    assert twin.fitted_events == [0], "a blank activity is fitted"
    assert twin.config["plan"]["strategies"] == ["winback"] and twin.config["plan"]["budget"] == 300
    assert twin.config["strategies"]["winback"] == {"start_day": 4, "end_day": 7}


def test_a_campaign_log_with_kind_size_and_cost_names_the_responses_a_calibration_fits(log, tmp_path):
    from commsim.experiments.analyses.calibration.priors import priors_for
    from commsim.experiments.analyses.calibration.twin import campaign_responses

    (tmp_path / "camp.csv").write_text("kind,start,end,size,cost\n"
                                      "winback,2024-01-04,2024-01-06,120,300\nevents,2024-01-08,2024-01-08,40,500\n")
    twin = build(log, 9, tmp_path, campaigns_file=str(tmp_path / "camp.csv"))
    assert twin.config["plan"]["strategies"] == ["winback", "events"] and twin.config["plan"]["budget"] == 800
    assert twin.config["strategies"]["events"]["capacity"] == 40, "an event's size is its capacity"
    assert any("size" in note and "noted, not used" in note for note in english(twin.notes)), "a win-back's size is its budget"
    assert not any("replayed as one event" in note for note in english(twin.notes)), "a one-day event: nothing to say"
    (tmp_path / "camp2.csv").write_text("kind,start,end\nevents,2024-01-08,2024-01-10\n")
    two_days = build(log, 9, tmp_path / "b", campaigns_file=str(tmp_path / "camp2.csv"))
    assert two_days.config["strategies"]["events"]["first_day"] == 8
    assert any("line 2: an events campaign is replayed as one event, on its first day; its last day '2024-01-10'"
               in note for note in english(two_days.notes)), "a multi-day event's end is not silently dropped"
    keys = campaign_responses(twin.config)
    assert keys == ["strategies.winback.uplift", "strategies.winback.lapsed_uplift", "strategies.events.attend_prob",
                    "strategies.events.uplift"]
    priors = {p.key: p for p in priors_for([], {"strategies.winback.uplift": (0.5, 1.0)}, [], keys)}
    assert (priors["strategies.winback.uplift"].low, priors["strategies.winback.uplift"].high) == (0.5, 1.0)
    assert (priors["strategies.events.uplift"].low, priors["strategies.events.uplift"].high) == (0.5, 3.0), \
        "the declared plausible range (strategies/events.py)"
    assert campaign_responses({}) == []



@pytest.mark.parametrize("given, expected", [
    ({"calendar.events.0.activity": (0, 2)}, r"calendar.events.0.activity: \[0, 2\] must be increasing and above 0"),
    ({"calendar.events.0.activity": (2, 1)}, "must be increasing and above 0"),
    ({"calendar.events.3.activity": (0.5, 2)}, r"calendar.events.3.activity: no calendar event .* fitted here: "
                                                 r"calendar.events.0.activity"),
])
def test_a_calendar_events_prior_is_checked_like_any_other(given, expected):
    from commsim.experiments.analyses.calibration.priors import priors_for
    from commsim.sim.errors import ConfigError

    with pytest.raises(ConfigError, match=expected):
        priors_for([], given, [0])
    (prior,) = priors_for([], {"calendar.events.0.activity": (0.5, 2)}, [0])
    assert (prior.low, prior.high, prior.log) == (0.5, 2.0, True)

@pytest.mark.parametrize("name, text, expected", [
    ("cal.csv", "title,from,to\nx,2024-01-02,2024-01-03\n", "cal.csv, line 1: the header needs name,start,end"),
    ("cal.csv", "name,start,end\nx,2024-01-05,2024-01-02\n", "cal.csv, line 2: the event must end"),
    ("cal.csv", "name,start,end\nx,2023-12-01,2023-12-05\n", "cal.csv, line 2: the event ends before the log's first"),
    ("cal.csv", "name,start,end\nx,soon,2024-01-02\n", "cal.csv, line 2: 'soon' is not a date"),
    ("camp.csv", "start,end,strategy\n2024-01-02,2024-01-03,kol_seeding\n", "camp.csv, line 2: strategy 'kol_seeding'"),
    ("camp.csv", "start,end,strategy,spend\n2024-01-02,2024-01-03,winback,lots\n", "spend 'lots' is not a number"),
    ("camp.csv", "start,end,strategy,kind\n2024-01-02,2024-01-03,winback,winback\n", "both 'strategy' and 'kind'"),
    ("camp.csv", "start,end,kind,size\n2024-01-02,2024-01-02,events,many\n", "size 'many' is not a positive number"),
    ("cal.csv", "name,start,end,away\nholiday,2024-01-02,2024-01-03,perhaps\n", "line 2: away: 'perhaps' is not"),
    ("missing.csv", None, "missing.csv: cannot read it"),
])
def test_bad_calendar_and_campaign_files_name_file_and_line(log, tmp_path, name, text, expected):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    kind = {"calendar_file": str(path)} if name == "cal.csv" else {"campaigns_file": str(path)}
    with pytest.raises(TwinError, match=expected):
        build(log, 9, tmp_path, **kind)


def test_a_twins_arrivals_are_parsed_once_per_file_version_and_shared_read_only(log, tmp_path):
    """sim/arrivals.py caches a parsed arrivals file per graph and file version: a calibration's runs
    share it, and an edited file is read again."""
    import os

    from commsim.sim.arrivals import person_arrivals
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config
    from commsim.sim.network import build_graph
    from commsim.sim.random_streams import RandomStreams

    twin = build(log, 9, tmp_path)
    cfg = validate(default_config(twin.model_config(9)))
    graph = build_graph(cfg.network, RandomStreams(0))
    first = person_arrivals(cfg.population, graph)
    assert person_arrivals(cfg.population, graph) is first, "parsed once"
    with pytest.raises(ValueError, match="read-only"):
        first[0][0] = 99
    path = tmp_path / "twin" / "arrivals.csv"
    path.write_text(path.read_text().replace("ann,1,member", "ann,2,member"))
    os.utime(path, ns=(1, 1))  # a different version even within the file system's clock tick
    again = person_arrivals(cfg.population, graph)
    assert again is not first and again[0].tolist() != first[0].tolist()


@pytest.mark.parametrize("text, expected", [
    ('"kind",start,end,size\nevents,2024-01-08,2024-01-08,40\n', None),  # a quoted header reads as any other
    ("kind,start,end,size\nevents,2024-01-08,2024-01-08,inf\n", "size 'inf' is not a positive number"),
    ("kind,start,end,size\nincentive,2024-01-04,2024-01-06,-2\n", "size '-2' is not a positive number"),
    ("kind,start,end,size\nevents,2024-01-08,2024-01-08,2.5\n", "size '2.5' is not a positive number"),
])
def test_a_campaigns_size_is_a_positive_number_named_by_line(log, tmp_path, text, expected):
    (tmp_path / "camp.csv").write_text(text)
    if expected is None:
        twin = build(log, 9, tmp_path, campaigns_file=str(tmp_path / "camp.csv"))
        assert twin.config["strategies"]["events"]["capacity"] == 40
    else:
        with pytest.raises(TwinError, match=f"camp.csv, line 2: {expected}"):
            build(log, 9, tmp_path, campaigns_file=str(tmp_path / "camp.csv"))


def test_people_due_after_the_last_day_never_arrive(log, tmp_path):
    """An arrivals schedule longer than the run: those due after its last day stay outside (they
    all arrived on the last day before)."""
    from commsim.sim.model import CommunityModel
    from commsim.sim.population import Status

    twin = build(log, 9, tmp_path)  # eve is first seen on data day 8: model day 9
    for days, outside in ((8, ["eve"]), (9, [])):
        model = CommunityModel(twin.model_config(days))
        for _ in range(days):
            model.step()
        labels = np.array([str(x) for x in model.graph.labels])
        assert sorted(labels[model.population.status == Status.OUTSIDE]) == outside, days


def test_a_quiet_spell_the_community_came_back_from_is_one_everyone_was_away_for():
    from commsim.experiments.analyses.calibration.twin import quiet_events

    dau = np.full(30, 40.0)
    dau[10:15] = 0  # closed for five days, then back
    dau[27:] = 0  # silent at the cut-off: nothing says it comes back
    notes = []
    events = quiet_events(dau, [], notes)
    assert [(e["start"], e["end"], e["away"]) for e in events] == [(11, 15, True), (28, 30, False)]
    first, second = english(notes)
    assert "everyone is away" in first and "away" not in second
    known = [{"name": "holiday", "start": 11, "end": 12}]
    notes = []
    assert [e["start"] for e in quiet_events(dau, known, notes)] == [28], "a known event covers the first"
    assert "inside the calendar's 'holiday': if everyone was away then, mark it away=yes" in english(notes)[0]
    notes = []
    quiet_events(dau, [{**known[0], "away": True}], notes)
    assert len(notes) == 1 and "inside the calendar" not in english(notes)[0], "marked away: nothing to say"
