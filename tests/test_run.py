"""The Hydra entry point: outputs, DONE marker, skipping finished runs, progress."""

import json
import subprocess
import sys

import pandas as pd

from sim.metrics import SUMMARY_KEYS, TIMESERIES_COLUMNS


def run(out, *overrides):
    return subprocess.run([sys.executable, "-m", "experiments.run", *overrides, f"hydra.run.dir={out}"],
                          capture_output=True, text=True)


def test_run_writes_every_output_and_done_last(tmp_path):
    out = tmp_path / "run"
    res = run(out, "days=40", "seed=3", "network=watts_strogatz", "network.n=3000")
    assert res.returncode == 0, res.stderr
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns[: len(TIMESERIES_COLUMNS)]) == TIMESERIES_COLUMNS
    assert ts["day"].tolist() == list(range(1, 41))
    summary = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_KEYS) <= set(summary) and summary["seed"] == 3
    assert summary["people"] == 3000 and summary["network"] == "watts_strogatz"
    for fig in ("members", "active", "joins_vs_churn", "retention"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 10_000
    assert "kind: watts_strogatz" in (out / "config.yaml").read_text()
    done = (out / "DONE").stat().st_mtime_ns
    ours = [p for p in out.rglob("*") if p.is_file() and p.parent.name != ".hydra" and p.name != "run.log"]
    assert all(p.stat().st_mtime_ns <= done for p in ours)
    assert not list(out.rglob(".*.tmp"))
    assert "Step 1 at time" not in res.stderr, "Mesa's per-step logging is silenced"


def test_finished_run_is_not_overwritten(tmp_path):
    out = tmp_path / "run"
    assert run(out, "days=10").returncode == 0
    before = (out / "summary.json").read_text()
    res = run(out, "days=10", "progress=never")  # same results-relevant config: skipped
    assert res.returncode == 0
    assert "already holds a finished run" in res.stdout + res.stderr
    assert (out / "summary.json").read_text() == before
    assert run(out, "days=12", "overwrite=true").returncode == 0
    assert json.loads((out / "summary.json").read_text())["days"] == 12


def test_finished_run_of_another_config_is_refused(tmp_path):
    out = tmp_path / "run"
    assert run(out, "days=10").returncode == 0
    before = (out / "summary.json").read_text()
    res = run(out, "days=10", "network=karate")
    assert res.returncode == 2
    assert "holds a finished run of a different configuration" in res.stderr
    assert (out / "summary.json").read_text() == before


def test_progress_is_quiet_for_short_runs_and_shown_on_request(tmp_path):
    quiet = run(tmp_path / "a", "days=10")
    assert "[commsim] day" not in quiet.stderr
    loud = run(tmp_path / "b", "days=10", "progress=always")
    lines = [line for line in loud.stderr.splitlines() if line.startswith("[commsim] day")]
    assert len(lines) >= 3 and "members" in lines[0] and "DAU" in lines[0]
