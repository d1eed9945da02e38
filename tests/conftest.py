import copy
import os
import socket
import subprocess
import sys
import time
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


# ---------------------------------------------------------------- a Ray head for the tests
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A real Ray cluster on 127.0.0.1: the one CI started (COMMSIM_TEST_RAY_ADDRESS), else a head this
    fixture starts with ``ray start --head --block`` and stops at the end by ending that command, which
    stops the processes it started -- never ``ray stop``, which would stop every Ray cluster of this
    user on the machine (a developer's own too)."""
    given = os.environ.get("COMMSIM_TEST_RAY_ADDRESS")
    if given:
        yield given
        return
    ray_cli = Path(sys.executable).with_name("ray")
    port = free_port()
    log = tmp_path_factory.mktemp("ray") / "ray-start.log"
    with open(log, "w") as out:
        head = subprocess.Popen([str(ray_cli), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                                 "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", "--block"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"})
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert head.poll() is None, f"ray start ended: {log.read_text()}"
            assert time.monotonic() < deadline, f"no Ray head on port {port} after 120 s: {log.read_text()}"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        _end(head)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _end(head: subprocess.Popen) -> None:
    """End ``ray start --block`` (on SIGTERM it stops the processes it started), then kill whatever is
    left in its session."""
    import signal

    head.terminate()
    try:
        head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(head.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    head.wait(timeout=10)
