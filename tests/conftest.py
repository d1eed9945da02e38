import copy

import pytest

from sim.defaults import _deep_merge

SMALL = {
    "days": 60,
    "seed": 1,
    "progress": "never",
    "network": {"kind": "barabasi_albert", "n": 2000, "m": 4},
    "population": {"initial_member_share": 0.1},
}


def small(**overrides) -> dict:
    """A small, fast scenario; nested overrides as keyword dicts."""
    base = copy.deepcopy(SMALL)
    if "kind" in overrides.get("network", {}):
        base.pop("network")  # another kind of graph: start from its own defaults
    return _deep_merge(base, overrides)


@pytest.fixture
def small_cfg():
    return small
