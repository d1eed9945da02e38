"""Every config file in configs/ composes, validates, and agrees with the schema defaults."""

import dataclasses
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.config import NETWORK_KINDS, Config, register_configs, validate
from sim.defaults import default_config

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
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    expected = default_config({"network": {"kind": kind}})
    if kind == "file":
        expected["network"]["path"] = "edges.csv"
    assert data == expected, "configs/*.yaml must repeat the schema defaults of sim/config.py"
    validate(cfg)


def test_yaml_defaults_equal_dataclass_defaults():
    data = OmegaConf.to_container(compose_with(), resolve=True)
    data.pop("hydra", None)
    assert data == dataclasses.asdict(Config(network=NETWORK_KINDS["barabasi_albert"]()))
