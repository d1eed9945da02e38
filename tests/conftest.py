import copy
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from commsim.experiments.runner.threads import one_blas_thread_here
from commsim.experiments.settings import register_configs
from commsim.sim.defaults import deep_merge

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
register_configs()
# commsim's work in the test processes as in its commands: one BLAS thread (experiments/runner/threads.py)
one_blas_thread_here()

SMALL = {
    "days": 60,
    "seed": 1,
    "network": {"kind": "barabasi_albert", "n": 2000, "m": 4},
    "population": {"initial_member_share": 0.1},
}

# The slow tier's longest modules, longest first (seconds measured in CI at a4587ac, sharing two
# cores): each starts before any other module, and a worker running one is given no other module
# until only its last test is left. xdist's own scheduling (--dist loadscope) sends modules with the most tests
# first and queues another module behind any worker with two tests or fewer left, so a module of
# two tests whose first builds a ten-minute fixture started late and kept the module queued behind
# it waiting. Measured: 970 s in CI at a4587ac; with this order 908 s here (4 cluster tests skipped)
# and 984 s in CI at 428faa3, where the two calibration fixtures took 672 and 232 s (652 and 197 at
# a4587ac): no gain shown in CI yet.
LONGEST_FIRST = (
    "tests/test_calibrate_collegemsg.py",  # 652 s: the README's CollegeMsg calibration
    "tests/test_calibrate.py",  # 197 s recovery fixture + 67 + 39
    "tests/test_workbench_browser.py",  # 165 s
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with the :data:`LONGEST_FIRST` modules started first and never queued behind,
    when the slow tier is run (``-m "slow ..."``); the fast tier keeps xdist's own scheduling."""
    marks = config.getoption("markexpr") or ""
    if config.getvalue("dist") != "loadscope" or "slow" not in marks or "not slow" in marks:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _assign_work_unit(self, node) -> None:
            for scope in reversed(LONGEST_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

        def _reschedule(self, node) -> None:
            # more than its last test to go (a worker holds back its last test until it gets more work
            # or is shut down: it needs the next test to know which fixtures to tear down)
            busy = any(sum(not done for done in tests.values()) > 1
                       for scope, tests in self.assigned_work[node].items() if scope in LONGEST_FIRST)
            if busy and self.workqueue:
                return  # asked again as each of its tests ends
            super()._reschedule(node)

    return LongestFirst(config, log)


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
    from commsim.experiments.cli import PointComposer, hydra_context

    cfg = composed(*overrides, config_name="compare")
    with hydra_context():  # the scenarios composed as the command composes them (experiments/compare.py main)
        return compare(cfg, Path(report_dir), model_overrides(list(overrides), drop=("seed",)),
                       PointComposer("config", with_hydra=False))


def cli(module: str, *args, **kw):
    """Run ``python -m <module> <args>`` in a fresh process (for one smoke test per entry point)."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT, **kw)


def calibrate_here(out_dir, *overrides):
    """``python -m experiments.calibrate <overrides> hydra.run.dir=<out_dir>`` in this process."""
    from commsim.experiments.calibrate import calibrate

    return calibrate(composed(*overrides, config_name="calibrate"), Path(out_dir), list(overrides))
