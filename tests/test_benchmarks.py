"""The benchmark suite runs and reports what it promises (tiny sizes; the real run is by hand)."""

import json

import pytest

from commsim.experiments.benchmarks.suite import main


@pytest.mark.slow
def test_smoke_benchmark_reports_every_section(tmp_path, capsys):
    out = tmp_path / "bench.json"
    # the cluster section without its Ray half: the runner on Ray is tests/test_backends.py's (one module, so
    # one xdist worker: its test that kills a Ray worker kills that module's); a private ray.init() here
    # would also write ~/.ray/auth_token, which turns token authentication on for later `ray start` heads
    assert main(["--smoke", "--json", str(out), "--without-ray"]) == 0
    result = json.loads(out.read_text())
    assert result["mode"] == "smoke"
    model = result["model"]
    assert {r["plan"] for r in model} == {"baseline", "all_strategies"}
    for row in model:
        assert row["person_days_per_s"] > 0 and row["peak_mib"] > 0 and row["wall_s"] >= row["step_s"]
    mesa = result["mesa"][0]
    assert mesa["speedup"] == mesa["mesa_reference_s"] / mesa["commsim_s"]
    assert result["diffusion"]["commsim_reached"] >= result["diffusion"]["seeds"]
    assert result["graph"]["networkx_vs_commsim"] > 0
    assert result["bandwidth"]["distance_from_floor"] > 1, "nothing beats the memory-bandwidth floor"
    cal = result["calibration"]
    assert cal["runs_per_s"] > 0 and cal["pool_vs_serial"] == pytest.approx(cal["runs_per_s"] / cal["serial_runs_per_s"])
    assert cal["default_calibration_min"] == pytest.approx(cal["default_runs"] / cal["runs_per_s"] / 60)
    cluster = result["cluster"]
    assert cluster["local_runs_per_min"] > 0 and cluster["ray"] == "not run (--without-ray)"
    printed = capsys.readouterr().out
    assert "== whole model" in printed and "written:" in printed
