import copy
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from commsim.experiments.settings import register_configs
from commsim.sim.defaults import deep_merge

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
register_configs()

SMALL = {
    "days": 60,
    "seed": 1,
    "network": {"kind": "barabasi_albert", "n": 2000, "m": 4},
    "population": {"initial_member_share": 0.1},
}


def small(**overrides) -> dict:
    """A small, fast scenario; nested overrides as keyword dicts."""
    base = copy.deepcopy(SMALL)
    if "kind" in overrides.get("network", {}):
        base.pop("network")  # another kind of graph: start from its own defaults
    return deep_merge(base, overrides)


@pytest.fixture
def small_cfg():
    return small


def composed(*overrides, config_name: str = "config"):
    """configs/ composed in-process with these command-line overrides (as the CLI would)."""
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        return compose(config_name=config_name, overrides=list(overrides))


def run_here(out_dir, *overrides):
    """``python -m experiments.run <overrides>`` in this process: the summary, or None if skipped."""
    from commsim.experiments.run import run

    return run(composed(*overrides), Path(out_dir), list(overrides))


def compare_here(report_dir, *overrides):
    """``python -m experiments.compare <overrides>`` in this process; returns the report path."""
    from commsim.experiments.compare import compare
    from commsim.experiments.overrides import model_overrides

    if not any(o.split("=", 1)[0].lstrip("+").startswith("uncertainty") for o in overrides):
        overrides = (*overrides, "uncertainty=none")  # seed noise only, unless the test draws parameters
    cfg = composed(*overrides, config_name="compare")

    def compose_scenario(scenario_overrides):
        return composed(*scenario_overrides)

    return compare(cfg, Path(report_dir), model_overrides(list(overrides), drop=("seed",)), compose_scenario)


def cli(module: str, *args, **kw):
    """Run ``python -m <module> <args>`` in a fresh process (for one smoke test per entry point)."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT, **kw)


def calibrate_here(out_dir, *overrides):
    """``python -m experiments.calibrate <overrides> hydra.run.dir=<out_dir>`` in this process."""
    from commsim.experiments.calibrate import calibrate

    return calibrate(composed(*overrides, config_name="calibrate"), Path(out_dir), list(overrides))
