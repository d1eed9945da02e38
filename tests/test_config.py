import re

import pytest

from commsim.sim import ConfigError, CommunityModel, simulate, validate
from commsim.sim.defaults import default_config

from conftest import composed, run_here


def problems(overrides):
    with pytest.raises(ConfigError) as err:
        validate(default_config(overrides))
    return str(err.value)


def test_defaults_are_valid():
    cfg = validate(default_config())
    assert cfg.network.kind == "barabasi_albert" and cfg.days == 180


@pytest.mark.parametrize("overrides, expected", [
    ({"population": {"colour": 3}}, "population.colour: unknown key; allowed keys here: initial_members"),
    ({"behaviour": {"churn": {"contagoin": 2}}}, "behaviour.churn.contagoin: unknown key"),
    ({"bogus": 1}, "bogus: unknown key"),
    ({"days": "many"}, "days: expected a whole number, got 'many'"),
    ({"network": {"n": 2.5}}, "network.n: expected a whole number"),
    ({"behaviour": {"churn": {"enabled": "yes"}}}, "behaviour.churn.enabled: expected true or false"),
    ({"behaviour": {"joining": {"p_organic": 1.5}}}, "behaviour.joining.p_organic: 1.5 is out of range; allowed: [0.0, 1.0]"),
    ({"behaviour": {"actions": {"share_prob": -0.1}}}, "behaviour.actions.share_prob: -0.1 is out of range"),
    ({"network": {"n": -5}}, "network.n: -5 is out of range"),
    ({"days": 0}, "days: 0 is out of range"),
    ({"population": {"placement": "ring"}}, "population.placement: 'ring' is not allowed; choose one of random, cluster"),
    ({"population": {"initial_members": 20000}}, "population.initial_members: 20000 is more than the 10000 people"),
    ({"network": {"kind": "watts_strogatz", "k": 5}}, "network.k: 5 must be even"),
    ({"network": {"kind": "hexagonal"}}, "network.kind: unknown network kind 'hexagonal'; allowed: barabasi_albert"),
    ({"network": {"kind": "file"}}, "network.path: no value given"),
    ({"plan": {"strategies": ["telepathy"]}}, "plan.strategies[0]: unknown strategy 'telepathy'; available: acquisition, baseline"),
    ({"plan": {"budget": -1}}, "plan.budget: -1.0 is out of range"),
    ({"behaviour": {"activity": {"base": float("nan")}}}, "behaviour.activity.base: expected a finite number"),
    ({"plan": {"budget": float("inf")}}, "plan.budget: expected a finite number"),
    ({"network": {"kind": "erdos_renyi", "n": 100, "mean_degree": 500}}, "network.mean_degree: 500.0 is more than"),
    ({"network": {"kind": "complete", "n": 50_000}}, "network.n: 50000 is out of range"),
    ({"network": {"n": 3 * 10**9}}, "network.n: 3000000000 is out of range"),
])
def test_bad_values_name_the_key_and_what_is_allowed(overrides, expected):
    assert expected in problems(overrides)


def test_all_problems_are_reported_at_once():
    msg = problems({"days": -1, "seed": -2, "population": {"x": 1}})
    assert msg.startswith("3 problems in the configuration")
    assert "days:" in msg and "seed:" in msg and "population.x" in msg


def test_initial_members_beyond_a_file_graph_is_a_config_error(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("a,b\nb,c\n")
    with pytest.raises(ConfigError, match="population.initial_members: 5 is more than the 3 people"):
        CommunityModel({"network": {"kind": "file", "path": str(path)}, "population": {"initial_members": 5}})


def test_model_and_simulate_validate_before_work():
    with pytest.raises(ConfigError, match="days"):
        simulate({"days": -3})
    with pytest.raises(ConfigError, match="network.m"):
        CommunityModel({"network": {"n": 10, "m": 10}})


@pytest.mark.parametrize("override, expected", [
    ("+population.colour=3", "population.colour: unknown key"),
    ("behaviour.joining.q_social=-1", "behaviour.joining.q_social: -1.0 is out of range"),
    ("population.initial_members=999999", "more than the 10000 people"),
    ("network=file", "network.path: no value given"),
    ("+plan.strategies=[nope]", "unknown strategy 'nope'"),
    ("compare.replicates=1", "compare.replicates: 1 is too few"),
    ("+compare.colour=1", "compare.colour: unknown key"),
])
def test_composed_config_errors_stop_before_anything_is_written(tmp_path, override, expected):
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        run_here(out, override, "days=5")
    assert not out.exists() or not any(out.iterdir())


def test_a_type_error_is_caught_by_the_hydra_schema():
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException, match="network.n=lots"):
        composed("network.n=lots")


def test_model_problems_and_setting_problems_are_reported_together():
    from commsim.experiments.settings import load

    with pytest.raises(ConfigError) as err:
        load(composed("days=0", "compare.replicates=1", "+sweep_colour=2"))
    text = str(err.value)
    assert text.startswith("3 problems") and "days: 0" in text and "compare.replicates" in text
    assert "sweep_colour: unknown key" in text
