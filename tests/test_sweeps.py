"""Multirun sweeps: collection into sweep.parquet, resume, parallel launcher, clear errors."""

import subprocess
import sys

import pandas as pd
import pytest

from commsim.experiments.sweeps import EmptySweepError, collect, main

SWEEP = ["-m", "strategies.content.posts_per_week=0,14", "seed=0,1", "plan=content", "days=20", "network.n=800"]


def sweep(sweep_dir, *args):
    return subprocess.run([sys.executable, "-m", "experiments.run", *args, f"hydra.sweep.dir={sweep_dir}"],
                          capture_output=True, text=True)


def test_sweep_is_collected_one_row_per_run_and_resumes_after_interruption(tmp_path):
    res = sweep(tmp_path, *SWEEP)
    assert res.returncode == 0, res.stderr
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(table) == 4
    assert set(table["strategies.content.posts_per_week"]) == {0, 14} and set(table["seed"]) == {0, 1}
    assert {"mean_dau_last30", "final_members", "run_dir"} <= set(table.columns)
    assert (tmp_path / "figures" / "response_strategies.content.posts_per_week.png").exists()
    # simulate an interruption: one job lost its outputs before DONE was written
    victim = sorted(p.parent for p in tmp_path.glob("*/DONE"))[0]
    (victim / "DONE").unlink()
    (victim / "summary.json").unlink()
    others = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/summary.json")}
    again = sweep(tmp_path, *SWEEP)
    assert again.returncode == 0, again.stderr
    log = again.stdout + again.stderr
    assert "4 runs: 3 already finished, 1 to do" in log, "only the missing job runs again"
    assert all(p.stat().st_mtime_ns == t for p, t in others.items()), "finished runs are never overwritten"
    assert (victim / "DONE").exists()
    assert len(pd.read_parquet(tmp_path / "sweep.parquet")) == 4


@pytest.mark.slow
def test_joblib_launcher_gives_identical_results(tmp_path):
    basic, parallel = tmp_path / "basic", tmp_path / "joblib"
    assert sweep(basic, *SWEEP).returncode == 0
    res = sweep(parallel, *SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert res.returncode == 0, res.stderr
    key = ["strategies.content.posts_per_week", "seed"]
    a = pd.read_parquet(basic / "sweep.parquet").drop(columns="run_dir").sort_values(key).reset_index(drop=True)
    b = pd.read_parquet(parallel / "sweep.parquet").drop(columns="run_dir").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_an_empty_sweep_is_an_error_before_any_work(tmp_path):
    empty = sweep(tmp_path / "empty", "-m", "seed=range(0)", "days=5")
    assert empty.returncode == 2 and "the sweep has no points" in empty.stderr
    assert not (tmp_path / "empty").exists(), "refused before Hydra made its directory"


def test_collecting_an_empty_directory_names_it(tmp_path):
    with pytest.raises(EmptySweepError, match="no finished runs"):
        collect(tmp_path)
    assert main([str(tmp_path)]) == 2


@pytest.mark.slow
def test_a_reused_sweep_dir_collects_only_the_current_sweep(tmp_path):
    first = ["-m", "seed=0,1", "days=5", "network.n=400"]
    assert sweep(tmp_path, *first).returncode == 0
    second = ["-m", "seed=0,1", "days=6", "network.n=400", "'plan.strategies=[content]'".strip("'")]
    res = sweep(tmp_path, *second)
    assert res.returncode == 0, res.stderr
    table = pd.read_parquet(tmp_path / "sweep.parquet")
    assert len(table) == 2 and set(table["days"]) == {6}
    assert len(list(tmp_path.rglob("DONE"))) == 4, "the older runs are kept, just not collected"


def test_collecting_a_damaged_sweep_skips_what_is_broken_and_says_so(tmp_path, caplog):
    res = sweep(tmp_path, *SWEEP)
    assert res.returncode == 0, res.stderr
    runs = sorted(p.parent for p in tmp_path.glob("*/DONE"))
    (runs[0] / "summary.json").write_text("{ not json")
    (runs[1] / ".hydra" / "overrides.yaml").unlink()
    (tmp_path / "multirun.yaml").write_text("hydra: [unclosed\n")
    with caplog.at_level("WARNING", logger="commsim"):
        table = collect(tmp_path)
    assert len(table) == 2
    assert "summary.json changed since it was written" in caplog.text
    assert f"skipping {runs[1]}: overrides.yaml is missing" in caplog.text
    assert "multirun.yaml is unreadable" in caplog.text
    assert sorted(run for run, _ in table.attrs["damaged"]) == sorted(map(str, runs[:2]))
    from commsim.experiments.sweeps import main

    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main([str(tmp_path)]) == 1, "collecting a damaged sweep exits non-zero"
    assert "2 damaged runs" in err.getvalue() and str(runs[0]) in err.getvalue() and str(runs[1]) in err.getvalue()
