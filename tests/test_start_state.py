"""population.state_file: a model that starts from a community's state (sim/start_state.py)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from commsim.sim import CommunityModel
from commsim.sim.errors import ConfigError
from commsim.sim.population import Status

HEADER = "person,status,join_day,last_active_day,recent\n"


@pytest.fixture
def network(tmp_path):
    g = nx.relabel_nodes(nx.barabasi_albert_graph(120, 3, seed=1), lambda i: f"p{i}")
    path = tmp_path / "g.graphml"
    nx.write_graphml(g, path)
    return path


def model(network, state_path, **population):
    return CommunityModel({"days": 10, "network": {"kind": "file", "path": str(network), "format": "graphml"},
                           "population": {"initial_members": 0, "state_file": str(state_path), **population}})


def test_the_state_file_sets_each_persons_day_zero(network, tmp_path):
    state = tmp_path / "state.csv"
    every_day = (1 << 28) - 1
    state.write_text(HEADER + f"p0,member,-100,0,{every_day}\np1,member,-30,-3,8\np2,left,-200,-90,0\n")
    m = model(network, state)
    labels = list(m.graph.labels)
    p0, p1, p2 = (labels.index(x) for x in ("p0", "p1", "p2"))
    pop = m.population
    assert [pop.status[i] for i in (p0, p1, p2)] == [Status.MEMBER, Status.MEMBER, Status.LAPSED]
    assert pop.habit[p0] == 1.0 and pop.habit[p1] == pytest.approx(1 / 28), "habit: share of the last 28 days"
    assert pop.active[p0] and not pop.active[p1] and pop.last_active_day[p1] == -3 and pop.join_day[p0] == -100
    assert pop.churn_day[p2] == -90 and int(pop.is_member.sum()) == 2
    for _ in range(10):
        m.step()
    assert m.timeseries().members.iloc[0] >= 1


@pytest.mark.parametrize("text, message", [
    ("person,status\n", "the header must be"),
    (HEADER + "zed,member,-1,0,1\n", "'zed' is not a person of the network"),
    (HEADER + "p1,gone,-1,0,1\n", "status 'gone'"),
    (HEADER + "p1,member,0,-5,1\n", "join_day <= last_active_day <= 0"),
    (HEADER + "p1,member,-3,0,1\np1,member,-3,0,1\n", "appears twice"),
])
def test_a_bad_state_file_names_the_line(network, tmp_path, text, message):
    state = tmp_path / "state.csv"
    state.write_text(text)
    with pytest.raises(ConfigError, match=message):
        model(network, state)


def test_members_come_from_the_state_file_only(network, tmp_path):
    state = tmp_path / "state.csv"
    state.write_text(HEADER + "p1,member,-3,0,1\n")
    with pytest.raises(ConfigError, match="leave population.initial_members at 0"):
        model(network, state, initial_members=5)
    with pytest.raises(ConfigError, match="is not a file"):
        model(network, tmp_path / "nope.csv")
    assert np.count_nonzero(model(network, state).population.is_member) == 1


def test_without_initial_members_the_state_file_alone_says_who_is_a_member(network, tmp_path):
    state = tmp_path / "state.csv"
    state.write_text(HEADER + "p1,member,-3,0,1\np2,member,-2,0,1\n")
    m = CommunityModel({"days": 5, "network": {"kind": "file", "path": str(network), "format": "graphml"},
                        "population": {"state_file": str(state)}})  # initial_member_share stays at its default
    assert np.count_nonzero(m.population.is_member) == 2


def test_a_recent_joiner_gets_habit_over_the_days_since_joining(network, tmp_path):
    state = tmp_path / "state.csv"
    state.write_text(HEADER + "p1,member,-2,0,7\n")  # joined 2 days before the end, active all 3 days
    m = model(network, state)
    assert m.population.habit[list(m.graph.labels).index("p1")] == 1.0


def test_newcomers_arrive_after_day_zero_beside_the_state(network, tmp_path):
    """A twin from today with its projected newcomers: the state file says who is there on day 0, a
    person,day,as arrivals file who arrives later (and as what); the rest are prospects from day 0."""
    state = tmp_path / "state.csv"
    state.write_text(HEADER + "p0,member,-100,0,1\np1,member,-30,-3,8\n")
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text("person,day,as\np50,3,member\np51,3,prospect\np52,6,member\np53,30,member\n")
    m = model(network, state, arrivals_file=str(arrivals))
    labels = list(m.graph.labels)
    at = {x: labels.index(x) for x in ("p0", "p50", "p51", "p52", "p53", "p60")}
    pop = m.population
    assert [pop.status[at[x]] for x in ("p50", "p51", "p52", "p53")] == [Status.OUTSIDE] * 4
    assert pop.status[at["p0"]] == Status.MEMBER and pop.status[at["p60"]] == Status.PROSPECT
    for _ in range(10):
        m.step()
    ts = m.timeseries()
    assert ts.arrived.tolist() == [0, 0, 2, 0, 0, 1, 0, 0, 0, 0], "each newcomer on their day; p53 after the run"
    assert pop.join_day[at["p50"]] == 3 and pop.join_day[at["p52"]] == 6, "arriving as a member: joining that day"
    assert pop.status[at["p51"]] != Status.OUTSIDE and pop.status[at["p53"]] == Status.OUTSIDE


def test_someone_in_the_state_cannot_arrive_later(network, tmp_path):
    state = tmp_path / "state.csv"
    state.write_text(HEADER + "p0,member,-100,0,1\np1,member,-30,-3,8\n")
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text("person,day,as\np1,4,member\n")
    with pytest.raises(ConfigError, match="1 people of the state file arrive after day 0 .the first: 'p1'"):
        model(network, state, arrivals_file=str(arrivals))
    counts = tmp_path / "counts.csv"
    counts.write_text("day,people\n3,5\n")
    with pytest.raises(ConfigError, match="must say who arrives"):
        model(network, state, arrivals_file=str(counts))
