"""The memory guard stops oversized runs before allocating them."""

import subprocess
import sys

import pytest

from sim import CommunityModel
from sim.memory import MemoryGuardError, estimate_bytes


def test_estimate_grows_with_people_and_ties():
    per_100k = estimate_bytes(2 * 10**5, 10) - estimate_bytes(10**5, 10)
    assert estimate_bytes(10**6, 10) - estimate_bytes(10**5, 10) == pytest.approx(9 * per_100k, rel=1e-6)
    assert 486 * 2**20 < estimate_bytes(10**6, 10) < 2**30, "bounds the measured 1M peak without crying wolf"
    assert estimate_bytes(10**6, 20) > estimate_bytes(10**6, 10)


def test_oversized_run_stops_with_the_estimate_and_the_limit(monkeypatch):
    monkeypatch.setenv("COMMSIM_MEMORY_LIMIT", str(2**30))  # pretend 1 GiB is free
    with pytest.raises(MemoryGuardError, match=r"network.n=2,000,000 .* needs about 1.1 GiB .* only 1.0 GiB"):
        CommunityModel({"network": {"n": 2_000_000}})
    CommunityModel({"network": {"n": 2_000}})  # small runs still fit


def test_cli_reports_the_guard_and_exits_nonzero(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.run", "network.n=5000000", "days=1",
                          f"hydra.run.dir={tmp_path}"], capture_output=True, text=True,
                         env={**__import__("os").environ, "COMMSIM_MEMORY_LIMIT": str(2**30)})
    assert res.returncode == 2 and "needs about" in res.stderr
    assert not (tmp_path / "DONE").exists()
