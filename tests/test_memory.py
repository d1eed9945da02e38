"""The memory guard stops oversized runs before allocating them."""

import pytest

from sim import CommunityModel
from sim.memory import MemoryGuardError, estimate_bytes

from conftest import run_here


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


def test_a_run_reports_the_guard_before_writing_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMSIM_MEMORY_LIMIT", str(2**30))
    with pytest.raises(MemoryGuardError, match="needs about"):
        run_here(tmp_path, "network.n=5000000", "days=1")
    assert not (tmp_path / "DONE").exists() and not list(tmp_path.glob("*.parquet"))
