"""The job runner: one rule for done / to do / conflict, resume, refusal, and workers."""

import json

import pytest

from commsim.experiments.runner.jobs import CONFLICT, DONE, TODO, Job, RunDirError, finished_job, run_jobs, status
from commsim.experiments.runner.outputs import config_hash
from commsim.sim.config import validate
from commsim.sim.defaults import default_config
from commsim.sim.version import MODEL_VERSION

from conftest import small


def job(tmp_path, name="a", **overrides):
    return Job(validate(default_config(small(days=5, network={"n": 400}, **overrides))), tmp_path / name)


def test_status_follows_one_rule(tmp_path):
    a = job(tmp_path)
    assert status(a) == TODO
    run_jobs([a], progress="never")
    assert status(a) == DONE
    assert finished_job(a.out_dir).hash == a.hash
    other = Job(validate(default_config(small(days=6, network={"n": 400}))), a.out_dir)
    assert status(other) == CONFLICT
    (a.out_dir / "DONE").unlink()
    assert status(a) == TODO, "an interrupted run is not finished"


def test_finished_jobs_are_skipped_and_only_missing_ones_run(tmp_path):
    jobs = [job(tmp_path, f"s{seed}", seed=seed) for seed in range(3)]
    assert run_jobs(jobs, progress="never") == jobs
    stamps = {j.out_dir: (j.out_dir / "summary.json").stat().st_mtime_ns for j in jobs}
    (jobs[1].out_dir / "DONE").unlink()
    assert run_jobs(jobs, progress="never") == [jobs[1]]
    assert (jobs[0].out_dir / "summary.json").stat().st_mtime_ns == stamps[jobs[0].out_dir]



def test_a_retried_batch_runs_only_what_it_had_not_finished(tmp_path):
    """A batch retried after its worker died part-way (Ray's retries, a SLURM resubmission after a time
    limit) skips the runs it had finished -- intact, with this config -- and redoes a damaged one."""
    from commsim.experiments.runner.worker import execute_batch, payload

    jobs = [job(tmp_path, f"s{seed}", seed=seed) for seed in range(3)]
    batch = [payload(j) for j in jobs]
    assert execute_batch(batch[:2]) == 2  # the first try died after two runs
    stamp = (jobs[0].out_dir / "summary.json").stat().st_mtime_ns
    assert execute_batch(batch) == 1 and (jobs[0].out_dir / "summary.json").stat().st_mtime_ns == stamp
    (jobs[1].out_dir / "summary.json").write_text("{}")  # damaged since
    assert execute_batch(batch) == 1 and all(status(j) == DONE for j in jobs)
    wants_log = Job(jobs[2].config, jobs[2].out_dir, outputs={"activity_log"})
    assert status(wants_log) == TODO and execute_batch([payload(wants_log)]) == 1, "an output asked for now"
    assert status(wants_log) == DONE

def test_a_conflict_stops_everything_before_any_work(tmp_path):
    first = job(tmp_path, "x")
    run_jobs([first], progress="never")
    clash = Job(validate(default_config(small(days=7, network={"n": 400}))), first.out_dir)
    fresh = job(tmp_path, "y", seed=5)
    with pytest.raises(RunDirError, match="different configuration") as err:
        run_jobs([fresh, clash], progress="never")
    assert str(first.out_dir) in str(err.value)
    assert status(fresh) == TODO, "nothing ran"
    run_jobs([fresh, clash], overwrite=True, progress="never")
    assert status(clash) == DONE


def test_worker_processes_give_the_same_outputs(tmp_path):
    serial = [job(tmp_path / "serial", f"s{seed}", seed=seed) for seed in range(4)]
    pooled = [job(tmp_path / "pooled", f"s{seed}", seed=seed) for seed in range(4)]
    run_jobs(serial, progress="never")
    run_jobs(pooled, workers=2, progress="never")
    for a, b in zip(serial, pooled):
        assert (a.out_dir / "summary.json").read_text() == (b.out_dir / "summary.json").read_text()
        assert (a.out_dir / "timeseries.parquet").read_bytes() == (b.out_dir / "timeseries.parquet").read_bytes()


def test_streamed_groups_run_while_the_next_is_made_and_give_the_same_outputs(tmp_path):
    """Runner.run_stream sends each group to the workers as it comes: the stream below makes its
    second group only once the first has finished, which a runner that collected the groups first
    would never see (it would wait here until the timeout)."""
    import time

    from commsim.experiments.runner.jobs import Runner

    streamed = [job(tmp_path / "streamed", f"s{seed}", seed=seed) for seed in range(4)]
    waited = []

    def groups():
        yield streamed[:2]
        deadline = time.monotonic() + 120
        while not all(status(j) == DONE for j in streamed[:2]):
            assert time.monotonic() < deadline, "the first group never ran while the stream went on"
            time.sleep(0.05)
        waited.append(True)
        yield streamed[2:]
        yield streamed[:1]  # finished already: not run again

    with Runner(2) as runner:
        ran = runner.run_stream(groups())
    assert waited and ran == streamed
    serial = [job(tmp_path / "serial", f"s{seed}", seed=seed) for seed in range(4)]
    run_jobs(serial, progress="never")
    for a, b in zip(serial, streamed):
        assert (a.out_dir / "summary.json").read_text() == (b.out_dir / "summary.json").read_text()
    with Runner(1) as runner:  # one worker: run in this process, all at once
        assert runner.run_stream(iter([serial[:2], serial[2:]])) == []


def test_a_run_s_config_yaml_is_one_dump_of_the_whole_config_though_its_groups_are_reused():
    import yaml

    from commsim.experiments.runner.outputs import config_yaml
    from commsim.sim.config import to_dict

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    configs = [{}, {"seed": 3, "plan": {"name": "kol_content", "strategies": ["kol", "content"]}},
               {"calendar": {"events": [{"name": "salon", "start": 3, "end": 5, "activity": 0.5}]}},
               {"behaviour": {"activity": {"base": -2.5}}}, {"behaviour": {"activity": {"base": -2.0}}},
               {"network": {"kind": "watts_strogatz", "n": 300}, "days": 7}]
    for overrides in configs:
        cfg = to_dict(validate(default_config(overrides)))
        whole = yaml.dump(cfg, Dumper=dumper, sort_keys=False)
        assert config_yaml(cfg) == whole and config_yaml(cfg) == whole, overrides  # made, then reused
        assert yaml.safe_load(config_yaml(cfg)) == cfg


def test_the_hash_covers_the_model_config_and_version_only(tmp_path):
    a = job(tmp_path)
    assert config_hash(a.config) == a.hash
    marker = json.loads((run_jobs([a], progress="never")[0].out_dir / "DONE").read_text())
    assert marker["config_hash"] == a.hash and marker["model_version"] == MODEL_VERSION
    assert config_hash(job(tmp_path, seed=9).config) != a.hash


def test_a_file_in_the_config_counts_by_content_not_by_place(tmp_path):
    import shutil

    edges = "0 1\n1 2\n2 3\n3 0\n0 2\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "g.edgelist").write_text(edges)
    shutil.copytree(tmp_path / "a", tmp_path / "moved")

    def hashed(folder):
        return config_hash(validate(default_config({"days": 3, "network": {"kind": "file",
                                                                            "path": str(folder / "g.edgelist")}})))

    assert hashed(tmp_path / "a") == hashed(tmp_path / "moved"), "a copied directory of runs is reused"
    (tmp_path / "moved" / "g.edgelist").write_text(edges + "1 3\n")
    assert hashed(tmp_path / "a") != hashed(tmp_path / "moved"), "another graph is another run"



def test_a_start_state_file_counts_by_content(tmp_path):
    """Editing a population.state_file and running again does not reuse the runs of the old state."""
    import networkx as nx

    nx.write_graphml(nx.relabel_nodes(nx.path_graph(6), lambda i: f"p{i}"), tmp_path / "g.graphml")
    state = tmp_path / "state.csv"

    def hashed():
        return config_hash(validate(default_config({"days": 3, "network": {"kind": "file", "path": str(tmp_path / "g.graphml"),
                                                                            "format": "graphml"},
                                                    "population": {"initial_members": 0, "state_file": str(state)}})))

    state.write_text("person,status,join_day,last_active_day,recent\np0,member,-5,0,1\n")
    first = hashed()
    state.write_text("person,status,join_day,last_active_day,recent\np0,member,-5,-3,8\n")
    assert hashed() != first

def test_a_damaged_run_directory_is_not_finished(tmp_path):
    a = job(tmp_path)
    run_jobs([a], progress="never")
    (a.out_dir / "config.yaml").write_text("days: [\n")
    assert finished_job(a.out_dir) is None


def test_a_damaged_finished_run_is_redone_and_named(tmp_path, caplog):
    jobs = [job(tmp_path, f"s{seed}", seed=seed) for seed in range(3)]
    run_jobs(jobs, progress="never")
    (jobs[0].out_dir / "summary.json").unlink()
    with open(jobs[1].out_dir / "timeseries.parquet", "r+b") as handle:
        handle.truncate(100)  # a truncated parquet file
    with caplog.at_level("WARNING", logger="commsim"):
        ran = run_jobs(jobs, progress="never")
    assert ran == jobs[:2]
    assert "summary.json is missing" in caplog.text and "timeseries.parquet changed" in caplog.text
    assert str(jobs[0].out_dir) in caplog.text
    assert all(status(j) == DONE for j in jobs)


@pytest.mark.parametrize("code, words", [(28, "the disk is full"), (13, "it is not writable"),
                                         (30, "the file system is read-only")])
def test_a_write_that_fails_leaves_no_outputs_and_says_why(tmp_path, monkeypatch, code, words):
    from commsim.experiments.runner import outputs
    from commsim.experiments.runner.outputs import OutputError

    real = outputs.atomic_write

    def failing(path, write, sync=True):
        if path.name == "spend.parquet":
            raise OSError(code, "injected", str(path))
        real(path, write, sync)

    monkeypatch.setattr(outputs, "atomic_write", failing)
    a = job(tmp_path)
    with pytest.raises(OutputError, match=f"cannot write .*spend.parquet: {words}; the partial outputs"):
        run_jobs([a], progress="never")
    left = sorted(p.name for p in a.out_dir.iterdir())
    assert left == [], f"partial outputs left behind: {left}"


def test_a_rerun_clears_the_temporaries_a_killed_writer_left(tmp_path):
    from commsim.experiments.runner.worker import execute
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    out = tmp_path / "run"
    (out / "figures").mkdir(parents=True)
    stale = out / "figures" / ".members.png.910.032cc0ad.tmp"
    stale.write_bytes(b"")
    execute(validate(default_config({"days": 5, "network": {"n": 200}})), out, figures=False)
    assert not stale.exists() and (out / "summary.json").is_file()


def test_a_run_with_a_measure_writes_what_its_reader_needs_and_done_lists_every_file(tmp_path):
    measure = {"function": "commsim.experiments.analyses.calibration.targets:measure",
               "args": {"first": 1, "days": 5}}
    a = Job(validate(default_config(small(days=5, network={"n": 400}))), tmp_path / "m", measure=measure)
    plain = job(tmp_path, "p")
    run_jobs([a, plain], progress="never")
    listed = set(json.loads((a.out_dir / "DONE").read_text())["files"])
    assert listed == {"config.yaml", "timeseries.parquet", "measure.json", "summary.json"}
    assert {p.name for p in a.out_dir.iterdir()} == listed | {"DONE"}
    assert set(json.loads((plain.out_dir / "DONE").read_text())["files"]) >= {
        "timeseries.csv", "spend.parquet", "retention.parquet", "strategy_results.parquet"}
    (a.out_dir / "measure.json").write_text("{}\n")  # what a crash that lost the file's data would leave
    assert status(a) == TODO, "a file that differs from DONE's hash is redone, never trusted"


def test_a_worker_ends_quietly_on_ctrl_c(tmp_path):
    """Ctrl-C reaches the workers too: each ends at once with status 130 and no traceback (the command
    itself says how to resume: tests/test_package.py)."""
    import os
    import signal
    import subprocess
    import sys

    code = ("import os, time\nfrom commsim.experiments.runner.worker import die_with_parent\n"
            "die_with_parent(os.getppid())\nprint('ready', flush=True)\ntime.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "Traceback" not in err and "KeyboardInterrupt" not in err
