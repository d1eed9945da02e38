"""The classroom demo at the Python level: levers -> configs, the model, the views, the page.

The real-browser test is tests/test_demo_browser.py.
"""

import inspect
from xml.etree import ElementTree

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from commsim.experiments.demo import offline
from commsim.experiments.demo.__main__ import main as demo_main
from commsim.experiments.demo.app import Demo
from commsim.experiments.demo.levers import DEFAULTS, LEVERS, MAX_PEOPLE, NETWORKS, overrides
from commsim.experiments.demo.model import DemoModel, classroom_config
from commsim.experiments.demo.svg import Series, line_chart, network_edges, network_nodes
from commsim.experiments.demo.views import (ACTIVE, CHURNED, DORMANT, NETWORK_BOX, PROSPECT, STATUS_COLOURS, node_sizes,
                                   status_codes)
from commsim.experiments.settings import model_config as validate
from commsim.sim.model import CommunityModel
from commsim.sim.population import Role, Status
from commsim.sim.segments import Segment, segments
from commsim.sim.simulation import simulate

# ---------------------------------------------------------------- levers -> configs


def test_every_lever_is_a_model_keyword():
    keywords = [p for p in inspect.signature(DemoModel.__init__).parameters if p != "self"]
    assert keywords == [lever.name for lever in LEVERS]


def test_levers_set_the_config_keys_and_zero_switches_a_strategy_off():
    cfg = validate(classroom_config(posts_per_week=14, kols=3, kol_method="pagerank", referral_reward=8,
                                    winback_after_days=21, event_every_days=10, points_per_action=20,
                                    contagion=2.5, network="watts_strogatz", people=120, seed=4))
    assert cfg.plan.strategies == ["content", "events", "incentive", "kol", "referral", "winback"]
    s = cfg.strategies
    assert s["content"].posts_per_week == 14 and s["events"].every_days == 10
    assert s["incentive"].points_per_action == 20
    assert s["kol"].k == 3 and s["kol"].method == "pagerank"
    assert s["referral"].inviter_reward == s["referral"].invitee_reward == 8
    assert s["winback"].dormant_days == 21
    assert cfg.behaviour.churn.contagion == 2.5
    assert cfg.network.kind == "watts_strogatz" and cfg.network.n == 120 and cfg.seed == 4

    off = validate(classroom_config(posts_per_week=0))
    assert off.plan.strategies == []
    assert off.network.kind == "karate"  # the default; the people slider does not apply to it


def test_bad_lever_values_are_refused_with_the_key():
    with pytest.raises(ValueError, match="unknown demo lever"):
        overrides({"post_per_week": 3})
    with pytest.raises(ValueError, match="network must be one of"):
        overrides({"network": "facebook"})
    with pytest.raises(ValueError, match="kol_method must be one of"):
        DemoModel(kols=2, kol_method="loudest")
    # what no slider reaches, a crafted request cannot either (20,000 people: a minute of layout, all tabs frozen)
    for bad in ({"people": 20_000}, {"seed": -1}, {"contagion": 9.0}, {"posts_per_week": "7; rm"}, {"kols": True}):
        with pytest.raises(ValueError, match="must be a number from"):
            overrides(bad)


def test_slider_ranges_are_valid_configs_at_both_ends():
    for lever in LEVERS:
        ends = lever.values or (lever.min, lever.max)
        for value in ends:
            values = {lever.name: value}
            if lever.name == "people":
                values["network"] = "erdos_renyi"
            validate(classroom_config(**values))  # raises on a slider end the model refuses
    assert MAX_PEOPLE <= 500


# ---------------------------------------------------------------- the model


def test_demo_model_is_the_community_model_of_the_same_config():
    values = dict(posts_per_week=3, kols=2, event_every_days=20, seed=3)
    model = DemoModel(**values)
    assert isinstance(model, CommunityModel)
    for _ in range(model.cfg.days):
        model.step()
    assert not model.running  # stops at the configured last day
    direct = simulate(validate(classroom_config(**values))).timeseries
    pd.testing.assert_frame_equal(model.timeseries(), direct, check_exact=True)


@pytest.mark.parametrize("network", NETWORKS)
def test_every_network_builds_with_a_fixed_layout(network):
    model = DemoModel(network=network, people=80, event_every_days=3)
    n = model.graph.n
    assert n == (34 if network == "karate" else 80)
    pos = model.positions.copy()
    assert pos.shape == (n, 2) and np.isfinite(pos).all()
    edges_before = model.graph.n_edges
    for _ in range(10):
        model.step()
    assert model.graph.n_edges >= edges_before  # events may add ties...
    np.testing.assert_array_equal(model.positions, pos)  # ...but nobody moves
    again = DemoModel(network=network, people=80)  # Reset with the same network and seed
    np.testing.assert_array_equal(again.positions, pos)


def test_status_codes_partition_people_by_status_and_segment():
    model = DemoModel(network="barabasi_albert", people=300, kols=4, seed=2)
    for _ in range(60):
        model.step()
        codes = status_codes(model)
        pop = model.population
        assert np.bincount(codes, minlength=4).sum() == pop.n
        assert ((codes == PROSPECT) == np.isin(pop.status, [Status.PROSPECT, Status.OUTSIDE])).all()
        assert ((codes == CHURNED) == (pop.status == Status.LAPSED)).all()
        dormant = segments(pop, model.day) == Segment.DORMANT
        assert ((codes == DORMANT) == ((pop.status == Status.MEMBER) & dormant)).all()
        assert not (pop.active & (codes == CHURNED)).any()
    assert (codes == ACTIVE).sum() == model.today["members"] - model.today["seg_dormant"]
    assert (model.population.role == Role.KOL).sum() == 4


def test_network_drawing_shows_every_person_once_in_their_status_colour():
    model = DemoModel(network="barabasi_albert", people=120, kols=2)
    for _ in range(20):
        model.step()
    codes = status_codes(model)
    kol = model.population.role == Role.KOL
    svg = network_nodes(model.positions, codes, node_sizes(model), kol, STATUS_COLOURS, NETWORK_BOX)
    root = ElementTree.fromstring(svg)
    shapes = [el for el in root if el.get("data-status") is not None]
    assert len(shapes) == model.graph.n
    assert sum(el.tag.endswith("polygon") for el in shapes) == 2  # the KOLs are stars
    drawn = np.bincount([int(el.get("data-status")) for el in shapes], minlength=4)
    np.testing.assert_array_equal(drawn, np.bincount(codes, minlength=4))
    for el in shapes:
        assert el.get("fill") == STATUS_COLOURS[int(el.get("data-status"))]
    edges = ElementTree.fromstring(network_edges(model.positions, *model.graph.ties(), NETWORK_BOX))
    assert next(iter(edges)).get("d").count("M") == model.graph.n_edges


def test_chart_draws_each_series_to_its_last_day_within_the_axes():
    ys = [np.arange(10.0), np.arange(10.0) * 2]
    svg = line_chart("t", [Series("a", "#000", ys[0]), Series("b", "#111", ys[1])], "people", days=365)
    root = ElementTree.fromstring(svg)
    lines = [el for el in root if el.tag.endswith("polyline")]
    assert len(lines) == 2
    for line in lines:
        points = np.array([p.split(",") for p in line.get("points").split()], dtype=float)
        assert len(points) == 10
        assert (np.diff(points[:, 0]) > 0).all()  # day by day, left to right
        assert (np.diff(points[:, 1]) <= 0).all()  # rising values go up the screen
        assert points[:, 0].max() < 480 / 365 * 11 + 60  # the x axis runs to day 365, not day 10
    texts = " ".join(el.text or "" for el in root if el.tag.endswith("text"))
    assert "a: 9" in texts and "b: 18" in texts  # the legend gives today's values
    stacked = ElementTree.fromstring(line_chart("t", [Series("a", "#000", ys[0])], "x", 30, stacked=True))
    assert [el.tag.split("}")[-1] for el in stacked].count("polygon") == 1
    empty = ElementTree.fromstring(line_chart("t", [], "x", 30))  # before day 1 / no strategy: axes only
    assert not [el for el in empty if el.tag.endswith(("polyline", "polygon"))]


# ---------------------------------------------------------------- the page


@solara.component
def _InLayout(model):
    with solara.AppLayout():  # the server wraps pages in this; the sidebar needs it
        Demo(model)


def _html_with(rc, css_class: str) -> list[str]:
    """The inner HTML of every solara.HTML element with this CSS class."""
    return [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets
            if css_class in w.attributes.get("class", "").split()]


def _status(rc) -> str:
    (text,) = _html_with(rc, "commsim-status")
    return text


def _views(rc) -> dict[str, str]:
    out = {name: "".join(_html_with(rc, name)) for name in ("commsim-members", "commsim-flows", "commsim-cost")}
    out["commsim-network"] = "".join(_html_with(rc, "commsim-legend"))
    return out


@pytest.fixture
def page():
    model = solara.reactive(DemoModel())
    box, rc = solara.render(_InLayout(model), handle_error=False)
    yield model, rc
    rc.close()


def _button(rc, name):
    return rc.find(v.Btn, children=[name])


def test_every_control_on_the_page_reaches_the_model(page):
    """Move each slider / selector on the page to a value other than its default, press Reset:
    the new model is built with exactly that value."""
    model, rc = page
    for name in ("Reset", "Play", "Step"):
        _button(rc, name).assert_single()
    reset = _button(rc, "Reset").widget
    for lever in LEVERS:
        widget = rc.find(v.Select if lever.values else v.Slider, label=lever.label).widget
        if not lever.values:
            assert widget.thumb_label == "always", f"{lever.label}: its value must always show"
        value = next(x for x in lever.values if x != lever.default) if lever.values else lever.max
        widget.v_model = value
        reset.click()
        assert model.value.levers_set[lever.name] == value, lever.label
        widget.v_model = lever.default
    reset.click()
    assert model.value.levers_set == DEFAULTS


def test_step_is_one_day_and_redraws_the_views(page):
    model, rc = page
    before = _views(rc)
    step = _button(rc, "Step").widget
    for day in (1, 2, 3):
        step.click()
        assert model.value.day == day
        assert _status(rc).startswith(f"<b>Day {day} of 365")
    after = _views(rc)
    for name in ("commsim-members", "commsim-flows"):
        assert after[name] != before[name], f"{name} did not change after 3 steps"


def test_a_run_stops_at_its_last_day_and_says_so(page):
    model, rc = page
    for _ in range(model.value.cfg.days - 1):
        model.value.step()
    _button(rc, "Step").widget.click()
    assert model.value.day == 365
    assert "the run is over" in _status(rc) and "Reset" in _status(rc)
    assert _button(rc, "Step").widget.disabled and _button(rc, "Play").widget.disabled
    _button(rc, "Step").widget.click()  # a click that slips through changes nothing
    assert model.value.day == 365
    _button(rc, "Reset").widget.click()
    assert model.value.day == 0 and not _button(rc, "Step").widget.disabled


def test_play_steps_on_its_own_until_paused(page):
    import time

    model, rc = page
    _button(rc, "Play").widget.click()
    deadline = time.monotonic() + 20
    while model.value.day < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert model.value.day >= 3, "Play did not advance the run"
    _button(rc, "Pause").widget.click()
    time.sleep(0.5)
    stopped = model.value.day
    time.sleep(0.6)
    assert model.value.day == stopped, "the run went on after Pause"
    assert _status(rc).startswith(f"<b>Day {stopped} of 365")


def test_reset_builds_a_new_model_from_the_slider_values(page):
    model, rc = page
    _button(rc, "Step").widget.click()
    first, first_legend = model.value, _views(rc)["commsim-network"]
    rc.find(v.Slider, label="Posts per week").widget.v_model = 21
    rc.find(v.Slider, label="Number of KOLs").widget.v_model = 3
    rc.find(v.Select, label="Network").widget.v_model = "watts_strogatz"
    rc.find(v.Slider, label="People (generated networks)").widget.v_model = 150
    _button(rc, "Reset").widget.click()
    new = model.value
    assert new is not first and isinstance(new, DemoModel)
    assert new.day == 0 and _status(rc).startswith("<b>Day 0 of 365")
    assert new.cfg.strategies["content"].posts_per_week == 21
    assert new.cfg.network.kind == "watts_strogatz" and new.graph.n == 150
    assert (new.population.role == Role.KOL).sum() == 3
    assert _views(rc)["commsim-network"] != first_legend  # the view shows the new community
    assert "KOL: <b>3</b>" in _views(rc)["commsim-network"]


# ---------------------------------------------------------------- serving offline


def test_installed_environment_serves_the_page_offline():
    assert offline.problems() == []


def test_missing_assets_are_named_before_the_server_starts(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(offline, "cache_dir", lambda: tmp_path)
    found = offline.problems()
    assert len(found) == 1 and "vue-grid-layout" in found[0] and "make setup" in found[0]
    assert demo_main(["--port", "8599"]) == 2
    assert "front-end assets missing" in capsys.readouterr().err


def test_bad_port_is_refused():
    with pytest.raises(SystemExit) as err:
        demo_main(["--port", "70000"])
    assert err.value.code == 2


# ---------------------------------------------------------------- layout and lessons


def test_force_directed_layout_is_deterministic_and_pulls_friends_together():
    from commsim.experiments.demo.layout import force_directed
    from commsim.sim.generators import watts_strogatz

    graph = watts_strogatz(400, 6, 0.05, np.random.default_rng(0))
    pos = force_directed(graph, seed=3)
    np.testing.assert_array_equal(pos, force_directed(graph, seed=3))
    assert pos.shape == (400, 2) and np.abs(pos).max() == pytest.approx(1.0)
    src, dst = graph.ties()
    tie_length = np.linalg.norm(pos[src] - pos[dst], axis=1).mean()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, graph.n, (2, 5000))
    assert tie_length < 0.3 * np.linalg.norm(pos[a] - pos[b], axis=1).mean()


def test_lessons_script_runs_and_prints_every_setting(capsys):
    from commsim.experiments.demo.lessons import LESSONS, main

    assert main(["--seeds", "1", "--days", "20", "--only", "KOL reach"]) == 0
    out = capsys.readouterr().out
    for setting in LESSONS["KOL reach"][2]:
        assert ", ".join(f"{k}={v}" for k, v in setting.items()) in out


def test_tabs_take_turns_in_the_order_they_asked():
    """experiments/demo/turns.py: the longest waiter goes next, and a turn that fails passes it on."""
    import threading
    import time

    from commsim.experiments.demo.turns import Turns

    turns, order = Turns(), []
    first, release = threading.Event(), threading.Event()

    def holder():
        with turns.turn():
            first.set()
            release.wait(10)  # everyone else queues behind the holder until the test lets go

    def tab(i):
        with turns.turn():
            order.append(i)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert first.wait(10)
    for i in range(5):
        t = threading.Thread(target=tab, args=(i,))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 10
        while turns.waiting < i + 1:  # tab i is in the queue before tab i+1 starts
            assert time.monotonic() < deadline, f"tab {i} never queued"
            time.sleep(0.001)
    release.set()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]
    try:
        with turns.turn():
            raise RuntimeError("a step failed")
    except RuntimeError:
        pass
    with turns.turn():  # not left busy
        assert turns.waiting == 0


def test_the_server_names_the_addresses_students_can_open():
    import ipaddress

    from commsim.experiments.demo.serve import network_addresses

    for address in network_addresses():
        ip = ipaddress.IPv4Address(address)  # raises on anything else
        assert not ip.is_loopback and not ip.is_unspecified


def test_every_word_of_the_classroom_page_has_its_chinese():
    import ast
    from pathlib import Path

    from commsim.experiments.demo.app import TITLE
    from commsim.experiments.demo.levers import LEVERS
    from commsim.experiments.demo.views import STATUS_NAMES
    from commsim.experiments.reports.messages import catalogue

    said = {lever.label for lever in LEVERS} | set(STATUS_NAMES) | {TITLE}
    for path in (Path(__file__).parents[1] / "experiments" / "demo").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                said.add(node.args[0].value)
    assert len(said) > 40
    assert sorted(said - set(catalogue("zh"))) == []


def test_the_page_speaks_chinese_when_started_so(monkeypatch):
    from commsim.experiments.demo.app import LANGUAGE_ENV

    monkeypatch.setenv(LANGUAGE_ENV, "zh")
    box, rc = solara.render(_InLayout(solara.reactive(DemoModel())), handle_error=False)
    try:
        rc.find(v.Btn, children=["前进一天"]).assert_single()
        assert "第 0 天 / 共 365 天" in _status(rc) and "潜在成员" in "".join(_html_with(rc, "commsim-legend"))
    finally:
        rc.close()
