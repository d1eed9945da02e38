"""The run entry point: outputs, DONE marker, skipping finished runs, progress.

In-process calls of ``experiments.run.run`` on composed configs; one CLI smoke test at the end."""

import io
import os
import json

import pandas as pd
import pytest

from commsim.experiments.runner.jobs import RunDirError
from commsim.sim.metrics import SUMMARY_KEYS, TIMESERIES_COLUMNS
from commsim.sim.progress import Progress
from commsim.sim.simulation import simulate

from conftest import cli, run_here, small


def test_run_writes_every_output_and_done_last(tmp_path):
    out = tmp_path / "run"
    summary = run_here(out, "days=40", "seed=3", "network=watts_strogatz", "network.n=3000", "plan=events")
    assert summary["days"] == 40
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == TIMESERIES_COLUMNS
    assert ts["day"].tolist() == list(range(1, 41))
    stored = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_KEYS) <= set(stored) and stored["seed"] == 3
    assert stored["people"] == 3000 and stored["network"] == "watts_strogatz"
    results = pd.read_parquet(out / "strategy_results.parquet")
    assert list(results.columns) == ["day", "events.attendees"] and results["events.attendees"].sum() > 0
    for fig in ("members", "active", "joins_vs_churn", "retention"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 10_000
    assert "kind: watts_strogatz" in (out / "config.yaml").read_text()
    assert "progress" not in (out / "config.yaml").read_text(), "config.yaml holds the model config only"
    done = (out / "DONE").stat().st_mtime_ns
    ours = [p for p in out.rglob("*") if p.is_file() and p.name != "DONE"]
    assert all(p.stat().st_mtime_ns <= done for p in ours)
    assert not list(out.rglob(".*.tmp"))


def test_a_run_s_tables_read_back_as_pandas_own_parquet_would(tmp_path):
    import pyarrow.parquet as pq

    from commsim.experiments.runner.outputs import write_parquet

    result = simulate(small(days=30, plan={"strategies": ["incentive", "events"]}),
                      progress="never")
    frames = {"timeseries": result.timeseries, "spend": result.spend, "retention": result.retention,
              "strategy_results": result.strategy_results,
              "mixed": pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": [True, False]}),  # through pandas
              "small ints": pd.DataFrame({"day": pd.array([1, 2], "int8"), "x": [0.5, float("nan")]}),
              "nullable": pd.DataFrame({"n": pd.array([1, None], "Int64")})}  # not numpy: through pandas
    for name, frame in frames.items():
        ours, pandas_own = tmp_path / f"{name}.ours.parquet", tmp_path / f"{name}.pandas.parquet"
        write_parquet(frame, ours)
        frame.to_parquet(pandas_own, index=False)
        pd.testing.assert_frame_equal(pd.read_parquet(ours), pd.read_parquet(pandas_own), check_exact=True)
        # NaN is a null in both files, for readers other than pandas
        assert pq.read_schema(ours).names == pq.read_schema(pandas_own).names
        assert ([c.null_count for c in pq.read_table(ours).columns]
                == [c.null_count for c in pq.read_table(pandas_own).columns])
    assert result.retention is not None and len(frames["timeseries"]) == 30
    assert simulate(small(days=5), progress="never", tables=False).retention is None


def test_finished_run_is_skipped_and_overwritten_only_on_request(tmp_path, caplog):
    out = tmp_path / "run"
    run_here(out, "days=10")
    before = (out / "summary.json").read_text()
    with caplog.at_level("INFO", logger="commsim"):
        assert run_here(out, "days=10", "progress=never", "compare.replicates=9") is None  # settings differ only
    assert "already holds a finished run" in caplog.text
    assert (out / "summary.json").read_text() == before
    assert run_here(out, "days=12", "overwrite=true")["days"] == 12


def test_finished_run_of_another_config_is_refused(tmp_path):
    out = tmp_path / "run"
    run_here(out, "days=10")
    before = (out / "summary.json").read_text()
    with pytest.raises(RunDirError, match="holds a finished run of a different configuration"):
        run_here(out, "days=10", "network=karate")
    assert (out / "summary.json").read_text() == before


def test_progress_is_quiet_for_short_runs_and_shown_on_request(capsys):
    simulate(small(days=10), progress="auto")
    assert "[commsim] day" not in capsys.readouterr().err
    simulate(small(days=10), progress="always")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[commsim] day")]
    assert len(lines) >= 3 and "members" in lines[0] and "DAU" in lines[0] and "done in" in lines[-1]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_updates_in_place_on_a_terminal_and_line_by_line_in_a_log():
    tty, log = _Terminal(), io.StringIO()
    for stream in (tty, log):
        bar = Progress(5, "always", unit="runs", stream=stream)
        for i in range(1, 6):
            bar.update(i, f"job {i}")
        bar.close()
    assert tty.getvalue().count("\r") >= 2 and tty.getvalue().count("\n") == 1, "one line, rewritten"
    assert tty.getvalue().endswith("done in 0.0 s\x1b[K\n")
    assert log.getvalue().count("\n") >= 3 and "\r" not in log.getvalue()
    assert "[commsim] runs 5/5 | job 5" in log.getvalue()


def test_cli_smoke_runs_and_reports_a_user_error(tmp_path):
    out = tmp_path / "run"
    ok = cli("experiments.run", "days=10", "network.n=500", f"hydra.run.dir={out}")
    assert ok.returncode == 0, ok.stderr
    assert (out / "DONE").is_file()
    assert "Step 1 at time" not in ok.stderr, "Mesa's per-step logging is silenced"
    bad = cli("experiments.run", "days=5", "+population.colour=3", f"hydra.run.dir={tmp_path / 'bad'}")
    assert bad.returncode == 2 and "population.colour: unknown key" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "bad" / "DONE").exists() and not (tmp_path / "bad" / "summary.json").exists()


def test_help_and_preflight_do_not_import_the_model_or_pandas():
    """``--help`` (and the preflight of every command line, which a test suite and a sweep's launcher
    run often) imports neither Mesa nor pandas: each costs a start-up ~0.3-0.4 s and neither is needed
    to read a config and its keys."""
    proc = cli("experiments.run", "--help", env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.returncode == 0 and "strategies." in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "commsim.sim.config" in imported, "the import trace is read"
    assert not {"mesa", "pandas"} & imported
