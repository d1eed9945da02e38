"""The benchmark suite runs and reports what it promises (tiny sizes; the real run is by hand)."""

import importlib.util
import json

import pytest

from commsim.experiments.benchmarks.suite import main


@pytest.mark.slow
def test_smoke_benchmark_reports_every_section(tmp_path, capsys, request):
    out = tmp_path / "bench.json"
    # its Ray section on the tests' head (CI's, or one started for this module), not on a private instance:
    # Ray 2.60's private ray.init() writes ~/.ray/auth_token, which turns token authentication on for every
    # later `ray start` head on the machine (here, the Ray tests then failed to connect to theirs once)
    ray_head = request.getfixturevalue("ray_head") if importlib.util.find_spec("ray") else None
    assert main(["--smoke", "--json", str(out), *(["--ray-address", ray_head] if ray_head else [])]) == 0
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
    assert cluster["local_runs_per_min"] > 0
    if cluster.get("ray") != "not installed":
        assert cluster["ray_runs_per_min"] > 0 and cluster["ray"] == ray_head
    printed = capsys.readouterr().out
    assert "== whole model" in printed and "written:" in printed
