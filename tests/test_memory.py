"""The memory guard stops oversized runs before allocating them."""

import subprocess
import sys

import pytest

from commsim.sim import CommunityModel
from commsim.sim.memory import MemoryGuardError, estimate_bytes

from conftest import run_here


def test_estimate_grows_with_people_and_ties():
    per_100k = estimate_bytes(2 * 10**5, 10) - estimate_bytes(10**5, 10)
    assert estimate_bytes(10**6, 10) - estimate_bytes(10**5, 10) == pytest.approx(9 * per_100k, rel=1e-6)
    assert estimate_bytes(10**6, 20) > estimate_bytes(10**6, 10)
    assert estimate_bytes(10**6, 10, strategies=True) > estimate_bytes(10**6, 10)


@pytest.mark.parametrize("people, strategies, measured_mib", [
    (10**6, False, 448), (10**7, False, 2065), (10**6, True, 726)])
def test_estimate_matches_the_measured_peaks(people, strategies, measured_mib):
    """Peak RSS measured in fresh processes, mean degree 10, 365 days (python -m experiments.benchmarks
    --only scale model): the estimate is within 10% of each."""
    estimate = estimate_bytes(people, 10, 365, 8, strategies=strategies) / 2**20
    assert estimate == pytest.approx(measured_mib, rel=0.10)


def test_oversized_run_stops_with_the_estimate_and_the_limit(monkeypatch):
    monkeypatch.setenv("COMMSIM_MEMORY_LIMIT", str(2**30))  # pretend 1 GiB is free
    with pytest.raises(MemoryGuardError, match=r"network.n=5,000,000 .* needs about 1.1 GiB .* only 1.0 GiB"):
        CommunityModel({"network": {"n": 5_000_000}})
    CommunityModel({"network": {"n": 2_000}})  # small runs still fit


def test_a_run_reports_the_guard_before_writing_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMSIM_MEMORY_LIMIT", str(2**30))
    with pytest.raises(MemoryGuardError, match="needs about"):
        run_here(tmp_path, "network.n=8000000", "days=1")
    assert not (tmp_path / "DONE").exists() and not list(tmp_path.glob("*.parquet"))


def test_the_guard_admits_what_fits_24_gib_and_names_both_numbers_when_not(monkeypatch):
    """Measured on this 24 GiB machine: 10M x 365 days peak 2.0 GiB; 100M people (built, one day)
    peaked at 15.9 GiB before trust's 16 B a person (the estimate now: 17.8 GiB), which fits; 200M would
    need ~35 GiB."""
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config
    from commsim.sim.memory import check

    def config(n):
        return validate(default_config({"network": {"n": n}, "days": 365}))

    monkeypatch.setenv("COMMSIM_MEMORY_LIMIT", "24G")
    check(config(10_000_000))
    check(config(100_000_000))
    with pytest.raises(MemoryGuardError, match=r"network.n=200,000,000 .* needs about 3[0-9].[0-9] GiB .* only 24.0 GiB"):
        check(config(200_000_000))
    monkeypatch.setenv("COMMSIM_MEMORY_LIMIT", "16G")
    with pytest.raises(MemoryGuardError, match=r"network.n=100,000,000 .* needs about 17.[0-9] GiB .* only 16.0 GiB"):
        check(config(100_000_000))


REUSE_PROBE = """
import resource, sys
import numpy as np
from commsim.sim.allocator import reuse_freed_memory
took = reuse_freed_memory() if sys.argv[1] == "reuse" else None
faults = []
for day in range(6):  # a day's temporaries: three 8 MB arrays, made, filled and dropped
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a, b, c = np.ones(10**6), np.ones(10**6), np.ones(10**6)
    del a, b, c
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(took, sum(faults[2:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc settings")
def test_freed_memory_is_reused_without_page_faults():
    # glibc by default gives 24 MB freed at the top of its heap back to the system, and each later
    # day faults its pages in again (~1,200 faults a day here, with NumPy's huge pages); after
    # reuse_freed_memory() it keeps them
    def probe(mode):
        out = subprocess.run([sys.executable, "-c", REUSE_PROBE, mode], capture_output=True, text=True, check=True)
        took, faults = out.stdout.split()
        return took, int(faults)
    assert probe("default")[1] > 4 * 500  # four days of at least 500 faults: what the setting is for
    took, faults = probe("reuse")
    assert took == "True" and faults < 400
    import os

    out = subprocess.run([sys.executable, "-c", REUSE_PROBE, "reuse"], capture_output=True, text=True, check=True,
                         env={**os.environ, "COMMSIM_MALLOC": "system"})
    assert out.stdout.split()[0] == "False", "COMMSIM_MALLOC=system leaves malloc as it is"
