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

from sim.config import NETWORK_KINDS, BarabasiAlbertConfig, Config

DEFAULT_NETWORK = BarabasiAlbertConfig


def default_config(overrides: dict | None = None) -> dict:
    overrides = copy.deepcopy(overrides or {})
    base = dataclasses.asdict(Config(network=DEFAULT_NETWORK()))
    net = overrides.get("network")
    if isinstance(net, dict) and net.get("kind", base["network"]["kind"]) in NETWORK_KINDS:
        base["network"] = dataclasses.asdict(NETWORK_KINDS[net.get("kind", base["network"]["kind"])]())
    return _deep_merge(base, overrides)


def _deep_merge(base: dict, over: dict) -> dict:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(base[key], value)
        else:
            base[key] = value
    return base
