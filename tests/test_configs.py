"""Every config file in configs/ composes, validates, and agrees with the schema defaults.

The YAML files only pick groups; every value comes from the declarations. Composing them with
Hydra must give exactly what Python users get from ``sim.defaults.default_config``."""

import dataclasses
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from commsim.experiments.settings import Settings, model_config, register_configs, split
from commsim.sim.config import NETWORK_KINDS
from commsim.sim.defaults import default_config

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
register_configs()


def compose_with(*overrides):
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_every_network_kind_has_a_config_file():
    assert {p.stem for p in (CONFIGS / "network").glob("*.yaml")} == set(NETWORK_KINDS)


@pytest.mark.parametrize("kind", sorted(NETWORK_KINDS))
def test_network_configs_compose_and_match_schema_defaults(kind):
    overrides = [f"network={kind}"] + (["network.path=edges.csv"] if kind == "file" else [])
    cfg = compose_with(*overrides)
    model, _ = split(OmegaConf.to_container(cfg, resolve=True))
    expected = default_config({"network": {"kind": kind}})
    if kind == "file":
        expected["network"]["path"] = "edges.csv"
    assert model == expected, "composing configs/ must give the schema defaults of sim/config.py"
    model_config(cfg)


def test_composed_settings_are_the_declared_defaults():
    _, settings = split(OmegaConf.to_container(compose_with(), resolve=True))
    declared = OmegaConf.to_container(OmegaConf.create(dataclasses.asdict(Settings())), resolve=True)
    assert settings == declared


def test_yaml_files_set_no_values_of_their_own():
    """One home per parameter: values live in the declarations, not repeated in YAML groups."""
    import yaml

    for group in ("behaviour", "population", "network"):
        for path in (CONFIGS / group).glob("*.yaml"):
            data = yaml.safe_load(path.read_text()) or {}
            extra = set(data) - {"defaults"} - ({"path"} if path.stem == "file" else set())
            assert not extra, f"{path.relative_to(CONFIGS)} sets {sorted(extra)}: declare defaults in the code"


PLANS = sorted(p.stem for p in (CONFIGS / "plan").glob("*.yaml"))
EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("plan", PLANS)
def test_every_plan_composes_and_validates(plan):
    cfg = model_config(compose_with(f"plan={plan}"))
    assert cfg.plan.name == plan
    assert cfg.plan.strategies or plan == "baseline"


def sweep_points(experiment):
    """Every combination of an experiment's sweeper params, as override lists."""
    import itertools

    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="config", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    keys = list(params)
    values = [str(params[k]).split(",") for k in keys]
    return [[f"{k}={v}" for k, v in zip(keys, combo)] for combo in itertools.product(*values)]


def compare_points(experiment):
    cfg = compose_with(f"experiment={experiment}")
    return [list(overrides) for overrides in cfg.compare.scenarios.values()]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_sweep_point_composes_and_validates(experiment):
    points = compare_points(experiment) or sweep_points(experiment)
    assert len(points) >= 2, "an experiment compares at least two scenarios"
    for overrides in points:
        model_config(compose_with(f"experiment={experiment}", *overrides))


def test_an_experiment_runs_as_a_multirun(tmp_path):
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "experiments.run", "-m", "experiment=referral_reward",
                          "days=15", "network.n=1500", "seed=0", f"hydra.sweep.dir={tmp_path}"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    done = sorted(p.parent.name for p in tmp_path.glob("*/DONE"))
    assert len(done) == 2 and any("invitee_reward=0" in d for d in done)
