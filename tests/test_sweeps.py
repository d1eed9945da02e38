"""Multirun sweeps: collection into sweep.parquet, resume, parallel launcher, clear errors."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from commsim.experiments.sweeps import EmptySweepError, collect, main

SWEEP = ["-m", "strategies.content.posts_per_week=0,14", "seed=0,1", "plan=content", "days=20", "network.n=800"]


def sweep(sweep_dir, *args):
    return subprocess.run([sys.executable, "-m", "experiments.run", *args, f"hydra.sweep.dir={sweep_dir}"],
                          capture_output=True, text=True)


def test_a_sweep_killed_mid_run_resumes_to_the_table_of_an_uninterrupted_one(tmp_path):
    """SIGKILL to the whole process group once two of six runs are done (runs of 3,000 people x 60
    days, one after another in Hydra's basic launcher, so it most likely lands mid-run): the rerun
    keeps every finished run untouched, redoes the rest, and collects the numbers of the same runs
    made without interruption."""
    import signal
    import time

    from commsim.experiments import api

    base = ["plan=content", "days=60", "network.n=3000"]
    args = ["-m", "strategies.content.posts_per_week=0,14", "seed=0,1,2", *base, "progress=never"]
    killed = tmp_path / "killed"
    first = subprocess.Popen([sys.executable, "-m", "experiments.run", *args, f"hydra.sweep.dir={killed}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(killed.glob("*/DONE"))) < 2 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    finished = {p.parent: p.stat().st_mtime_ns for p in killed.glob("*/DONE")}
    assert 2 <= len(finished) < 6, f"the kill landed mid-sweep ({len(finished)} of 6 runs finished)"
    assert not (killed / "sweep.parquet").exists()
    again = sweep(killed, *args)
    assert again.returncode == 0, again.stderr[-2000:]
    log = again.stdout + again.stderr
    assert f"6 runs: {len(finished)} already finished, {6 - len(finished)} to do" in log
    assert all((d / "DONE").stat().st_mtime_ns == t for d, t in finished.items()), "finished runs are not redone"
    key = ["strategies.content.posts_per_week", "seed"]
    resumed = pd.read_parquet(killed / "sweep.parquet").sort_values(key).reset_index(drop=True)
    assert len(resumed) == 6 and {"mean_dau_last30", "final_members", "run_dir"} <= set(resumed.columns)
    assert (killed / "figures" / "response_strategies.content.posts_per_week.png").exists()
    # the same six runs, uninterrupted (in this process, through the same job runner)
    fresh = api.sweep({"strategies.content.posts_per_week": [0, 14]}, overrides=base, seeds=[0, 1, 2],
                      out_dir=tmp_path / "fresh").sort_values(key).reset_index(drop=True)
    kpis = [c for c in fresh.columns if c in resumed.columns and c not in key]
    assert {"mean_dau_last30", "final_members"} <= set(kpis)
    pd.testing.assert_frame_equal(resumed[key + kpis], fresh[key + kpis], check_exact=True, check_dtype=False)


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


@pytest.mark.slow  # 20 s (a 4-run Hydra sweep in a subprocess); the fast tier keeps the killed sweep's resume
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


@pytest.mark.parametrize("other_values", [2, 9])
def test_response_curves_of_a_two_parameter_sweep_keep_the_other_parameter_apart(tmp_path, other_values):
    """With two swept parameters a 'CI over replicates' pooled over the other one measured mostly that
    parameter: each of its settings is a line of its own (more than eight: a spread of runs, said so)."""
    import itertools

    import pandas as pd

    from commsim.experiments.sweeps import RESPONSE_KPIS, sweep_figures

    rows = [{"a": a, "b": b, "seed": s, **{k: a * 10 + b + 0.1 * s for k in RESPONSE_KPIS}}
            for a, b, s in itertools.product([1, 2, 3], range(other_values), range(3))]
    sweep_figures(pd.DataFrame(rows), ["a", "b"], tmp_path)
    assert (tmp_path / "response_a.png").stat().st_size > 0 and (tmp_path / "response_b.png").stat().st_size > 0


def test_swept_values_in_scientific_notation_are_numbers_as_hydra_reads_them():
    """PyYAML (YAML 1.1) reads 1e3 as text; mixed with 500 the response axis sorted as text."""
    from commsim.experiments.overrides import typed_value

    assert [typed_value(v) for v in ("1e3", "500", "2.5E-2", ".5e1")] == [1000.0, 500, 0.025, 5.0]
    assert [typed_value(v) for v in ("1e", "abc", "true", "null", "[1,2]")] == ["1e", "abc", True, None, "[1,2]"]
