"""No process outlives its parent, and two commands never work in one results folder at once."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commsim.experiments.runner.locking import hold

ROOT = Path(__file__).resolve().parents[1]


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float, step: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def test_the_lock_refuses_a_second_holder_naming_the_first(tmp_path):
    with hold(tmp_path, "comparison"):
        code = ("from commsim.experiments.runner.locking import hold\n"
                f"with hold({str(tmp_path)!r}, 'comparison'): pass\n")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
        assert res.returncode != 0 and f"process {os.getpid()}" in res.stderr and "is in use by another comparison" \
            in res.stderr
    with hold(tmp_path, "comparison"):  # released: free again
        pass


@pytest.mark.slow
def test_two_comparisons_of_one_name_do_not_both_run(tmp_path):
    args = [sys.executable, "-m", "experiments.compare", "experiment=default_comparison", "days=60",
            "network.n=3000", "compare.replicates=2", "uncertainty=none", f"hydra.run.dir={tmp_path / 'report'}"]
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert wait_for(lambda: (tmp_path / "report" / ".commsim.lock").exists(), 60)
    second = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    assert second.returncode == 2 and f"process {first.pid}" in second.stderr, second.stderr[-2000:]


@pytest.mark.slow
def test_pool_workers_die_with_a_killed_comparison(tmp_path):
    args = [sys.executable, "-m", "experiments.compare", "experiment=default_comparison", "days=365",
            "network.n=20000", "compare.replicates=4", "compare.jobs=2", "uncertainty=none", f"hydra.run.dir={tmp_path / 'report'}"]
    parent = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        assert wait_for(lambda: len(children(parent.pid)) >= 2, 90), "the pool never started"
        workers = children(parent.pid)
        time.sleep(1.0)
        parent.kill()  # SIGKILL: no clean-up code runs in the parent
        parent.wait()
        assert wait_for(lambda: not any(alive(w) for w in workers), 10), \
            f"workers outlived their parent: {[w for w in workers if alive(w)]}"
    finally:
        parent.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_stops_the_classroom_server_and_frees_its_port():
    pytest.importorskip("solara")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "experiments.demo", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        assert wait_for(listening, 90), "the server never listened"
        spawned = children(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert wait_for(lambda: not listening(), 10), "something still serves the port"
        assert not any(alive(p) for p in spawned), "a child of the launcher survived it"
    finally:
        server.kill()


@pytest.mark.slow
def test_a_killed_robust_comparison_resumes_to_the_numbers_of_an_uninterrupted_one(tmp_path):
    import pandas as pd

    # uncertainty.match=null: the drawn runs come in one round (the screening rounds of history matching resume
    # through the same runner, and tests/test_robust.py checks which draws they keep)
    common = ["days=40", "network.n=2000", "compare.replicates=2", "uncertainty.draws=4", "uncertainty.match=null",
              "compare.jobs=2",
              "++compare.scenarios={baseline:['plan=baseline'],content:['plan=content'],incentive:['plan=incentive']}"]
    killed = tmp_path / "killed"
    args = [sys.executable, "-m", "experiments.compare", *common, f"hydra.run.dir={killed}", "progress=never"]
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        assert wait_for(lambda: len(list((killed / "runs_drawn").rglob("DONE"))) >= 6, 240), "no drawn run finished"
        workers = children(first.pid)
        first.kill()
        first.wait()
        assert wait_for(lambda: not any(alive(w) for w in workers), 10), "workers outlived the killed comparison"
    finally:
        first.kill()
    done_before = {p.parent for p in killed.rglob("DONE")}
    assert not (killed / "decision.csv").exists() and len(done_before) < 3 * 2 * 5
    resumed = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    drawn = len([d for d in done_before if "runs_drawn" in str(d)])
    assert f"24 runs: {drawn} already finished, {24 - drawn} to do" in resumed.stdout + resumed.stderr
    fresh = tmp_path / "fresh"
    ok = subprocess.run([sys.executable, "-m", "experiments.compare", *common, f"hydra.run.dir={fresh}",
                         "progress=never"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert ok.returncode == 0, ok.stderr[-2000:]
    for name in ("decision.csv", "runs.csv", "differences.csv"):
        a, b = pd.read_csv(killed / name), pd.read_csv(fresh / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


def _journal_counts(path: Path) -> tuple[int, int, int]:
    """(trials created, trials with every parameter suggested, trials finished) in an Optuna journal
    file, read while it is being written."""
    import json

    created = asked = finished = 0
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return 0, 0, 0
    for line in lines:
        try:
            op = json.loads(line)
        except ValueError:  # the line being written
            continue
        created += op.get("op_code") == 4
        asked += op.get("op_code") == 8 and "asked" in op.get("user_attr", {})  # experiments/runner/studies.py
        finished += op.get("op_code") == 6 and op.get("state") == 1  # TrialState.COMPLETE
    return created, asked, finished


def _kill_mid_batch(args, journal: Path, finished_at_least: int, cwd=ROOT) -> None:
    """Start ``args`` in its own process group and SIGKILL the whole group while a batch of trials is
    being evaluated: asked (every parameter suggested) but not told, with ``finished_at_least``
    finished, seen twice 50 ms apart (a kill between two parameters of one trial is the exception
    experiments/runner/studies.py names; tests/test_studies.py interrupts asking and telling)."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd,
                            start_new_session=True)
    try:
        def evaluating():
            created, asked, finished = _journal_counts(journal)
            return finished >= finished_at_least and created > finished and asked == created

        def still_evaluating():
            if not evaluating():
                return False
            time.sleep(0.05)
            return evaluating()

        assert wait_for(still_evaluating, 300, step=0.01), "the search never had a batch under way"
        group = [proc.pid, *children(proc.pid)]
        os.killpg(proc.pid, signal.SIGKILL)  # as a machine going down would: no clean-up runs
        proc.wait()
        assert wait_for(lambda: not any(alive(p) for p in group), 10), "a process outlived the killed search"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _unfinished_trials(journal: Path, name: str) -> int:
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    study = optuna.load_study(study_name=name, storage=JournalStorage(JournalFileBackend(str(journal))))
    return len(study.get_trials(states=(TrialState.RUNNING,)))


@pytest.mark.slow
def test_a_calibration_killed_mid_search_resumes_to_the_numbers_of_an_uninterrupted_one(tmp_path):
    import json

    import pandas as pd
    import yaml

    from test_calibrate import SMALL_BUDGET, community_log

    log = community_log(tmp_path / "community.csv", 1)
    budget = [o.replace("calibrate.runs=400", "calibrate.runs=200") for o in SMALL_BUDGET]  # 38 trials, 8 a batch
    common = [sys.executable, "-m", "experiments.calibrate", f"calibrate.log={log}", *budget, "calibrate.jobs=2"]
    killed, fresh = tmp_path / "killed", tmp_path / "fresh"
    _kill_mid_batch([*common, f"hydra.run.dir={killed}"], killed / "search.journal", finished_at_least=8)
    assert _unfinished_trials(killed / "search.journal", "fit") > 0, "the kill left no asked-but-untold trial"
    assert not (killed / "DONE").exists()
    for folder in (killed, fresh):
        done = subprocess.run([*common, f"hydra.run.dir={folder}"], capture_output=True, text=True, cwd=ROOT,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    pd.testing.assert_frame_equal(pd.read_parquet(killed / "posterior.parquet"),
                                  pd.read_parquet(fresh / "posterior.parquet"), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_csv(killed / "forecast.csv"), pd.read_csv(fresh / "forecast.csv"),
                                  check_exact=True)
    assert json.loads((killed / "backtest.json").read_text()) == json.loads((fresh / "backtest.json").read_text())
    spec = [yaml.safe_load((f / "calibrated.yaml").read_text()) for f in (killed, fresh)]
    assert spec[0]["parameters"] == spec[1]["parameters"] and spec[0]["draws"] == spec[1]["draws"]


@pytest.mark.slow
def test_an_optimisation_killed_mid_search_resumes_to_the_numbers_of_an_uninterrupted_one(tmp_path):
    import pandas as pd

    common = [sys.executable, "-m", "experiments.optimize", "network.n=300", "days=40", "progress=never",
              "optimize.budget=1500", "optimize.trials=8", "optimize.replicates=2", "optimize.confirm_replicates=2",
              "optimize.jobs=1", "uncertainty=none"]
    killed, fresh = tmp_path / "killed", tmp_path / "fresh"
    _kill_mid_batch([*common, f"hydra.run.dir={killed}"], killed / "study.journal", finished_at_least=2)
    assert _unfinished_trials(killed / "study.journal", "plans") > 0, "the kill left no asked-but-untold trial"
    for folder in (killed, fresh):
        done = subprocess.run([*common, f"hydra.run.dir={folder}"], capture_output=True, text=True, cwd=ROOT,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    for name in ("trials.csv", "pareto.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(killed / name), pd.read_csv(fresh / name), check_exact=True,
                                      obj=name)
