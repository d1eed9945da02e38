"""Default configuration for use from Python (no Hydra needed).

``default_config({"network": {"kind": "karate"}, "days": 60})`` returns the
defaults of every key with those overrides applied; it is what
``CommunityModel(dict)`` and ``simulate(dict)`` use. The defaults are the
schema's (:mod:`sim.config` and the parameter groups it assembles); Hydra
composes configs/ on top of the same schema, and tests/test_configs.py checks
the two agree.
"""

from __future__ import annotations

import copy
import dataclasses

from commsim.sim import calibrated
from commsim.sim.calibrated import leaf_keys
from commsim.sim.config import NETWORK_KINDS, BarabasiAlbertConfig, Config

DEFAULT_NETWORK = BarabasiAlbertConfig


def default_config(overrides: dict | None = None) -> dict:
    """The defaults with ``overrides`` applied; with ``"calibration": <dir>`` the calibrated twin's
    values come between the two (every key in ``overrides`` still wins)."""
    from commsim.sim.plans import plan_layer

    layer, rest = plan_layer(copy.deepcopy(overrides or {}))  # {"plan": "kol_seeding"}: a plan of configs/plan/
    overrides = deep_merge(layer, rest)
    base = dataclasses.asdict(Config(network=DEFAULT_NETWORK()))
    net = overrides.get("network")
    if isinstance(net, dict) and net.get("kind", base["network"]["kind"]) in NETWORK_KINDS:
        base["network"] = dataclasses.asdict(NETWORK_KINDS[net.get("kind", base["network"]["kind"])]())
    if overrides.get("calibration"):
        explicit = leaf_keys(overrides) - {"calibration", "calibration_draw"}
        base["calibration"] = overrides["calibration"]
        base["calibration_draw"] = overrides.get("calibration_draw")
        base = calibrated.apply(base, explicit)
    return deep_merge(base, overrides)


def deep_merge(base: dict, over: dict) -> dict:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = deep_merge(base[key], value)
        else:
            base[key] = value
    return base
