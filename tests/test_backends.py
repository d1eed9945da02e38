"""The job runner's backends: the same files whichever backend ran a run, on a real local Ray
cluster and through submitit; a worker killed mid-run is retried; dry runs run nothing."""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, cli, compare_here

ray = pytest.importorskip("ray", reason="the cluster extra (pip install -e '.[cluster]') is not installed")
psutil = pytest.importorskip("psutil")

# two scenarios x two replicates of a small community: every output of every run is compared
COMPARISON = ["++compare.scenarios={baseline:['plan=baseline'],content:['plan=content']}", "compare.replicates=2",
              "network.n=600", "days=40", "progress=never"]


def files(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` but DONE (which records the wall time) and the lock."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in ("DONE", ".lock")
            and ".submitit" not in p.parts}


def same_outputs(a: Path, b: Path) -> None:
    fa, fb = files(a / "runs"), files(b / "runs")
    assert len(fa) >= 4 * 8, "every run's tables, summary and figures are compared"
    assert fa == fb
    for name in ("kpis.csv", "differences.csv", "runs.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A real Ray cluster on 127.0.0.1: the one CI started (COMMSIM_TEST_RAY_ADDRESS), else a head this
    fixture starts with ``ray start --head --block`` and stops at the end by ending that command, which
    stops the processes it started -- never ``ray stop``, which would stop every Ray cluster of this
    user on the machine (a developer's own too)."""
    given = os.environ.get("COMMSIM_TEST_RAY_ADDRESS")
    if given:
        yield given
        return
    ray_cli = Path(sys.executable).with_name("ray")
    port = free_port()
    log = tmp_path_factory.mktemp("ray") / "ray-start.log"
    with open(log, "w") as out:
        head = subprocess.Popen([str(ray_cli), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                                 "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", "--block"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"})
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert head.poll() is None, f"ray start ended: {log.read_text()}"
            assert time.monotonic() < deadline, f"no Ray head on port {port} after 120 s: {log.read_text()}"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        if ray.is_initialized():
            ray.shutdown()
        _end(head)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _end(head: subprocess.Popen) -> None:
    """End ``ray start --block`` (on SIGTERM it stops the processes it started), then kill whatever is
    left in its session."""
    import signal

    head.terminate()
    try:
        head.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(head.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    head.wait(timeout=10)


@pytest.fixture(scope="module")
def local_comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    compare_here(out, *COMPARISON, "compare.jobs=1")
    return out


def test_two_local_processes_give_the_same_files_as_one(local_comparison, tmp_path):
    compare_here(tmp_path, *COMPARISON, "compare.jobs=2")
    same_outputs(local_comparison, tmp_path)


@pytest.mark.slow  # 25 s; the fast tier keeps two local processes against one
def test_a_real_local_ray_cluster_gives_the_same_files(local_comparison, ray_head, tmp_path):
    compare_here(tmp_path, *COMPARISON, "runner=ray", f"runner.address={ray_head}")
    same_outputs(local_comparison, tmp_path)
    assert ray.is_initialized() is False, "the command disconnects from the cluster it did not start"


@pytest.mark.slow
def test_submitit_gives_the_same_files(local_comparison, tmp_path):
    compare_here(tmp_path, *COMPARISON, "runner=slurm", "runner.cluster=local", "runner.workers=2")
    same_outputs(local_comparison, tmp_path)
    assert list((tmp_path / ".submitit").glob("*_log.out")), "submitit's task logs are kept with the command's output"


@pytest.fixture
def slurm_cluster(monkeypatch):
    """A real SLURM cluster: the one CI started with cluster/slurm-local.sh (COMMSIM_TEST_SLURM_CONF, its
    slurm.conf). Without one the SLURM tests skip, except where COMMSIM_REQUIRE_SLURM=1 (.ci/run)."""
    conf = os.environ.get("COMMSIM_TEST_SLURM_CONF")
    if not conf:
        (pytest.fail if os.environ.get("COMMSIM_REQUIRE_SLURM") == "1" else pytest.skip)(
            "no SLURM cluster: make slurm-up, then COMMSIM_TEST_SLURM_CONF=$(cluster/slurm-local.sh conf)")
    monkeypatch.setenv("SLURM_CONF", conf)
    return conf


def array_ids(folder: Path) -> set[str]:
    """The SLURM jobs submitit submitted (an array task's id is <array>_<task>)."""
    return {p.name.split("_")[0] for p in (folder / ".submitit").glob("*_submitted.pkl")}


@pytest.mark.slow
def test_a_real_slurm_cluster_runs_one_job_array_with_the_same_files(local_comparison, slurm_cluster, tmp_path):
    compare_here(tmp_path, *COMPARISON, "runner=slurm", "runner.workers=2")
    same_outputs(local_comparison, tmp_path)
    assert len(array_ids(tmp_path)) == 1, "the runs went to SLURM as one job array"
    assert len(list((tmp_path / ".submitit").glob("*_*_0_result.pkl"))) >= 2, "as several array tasks"


@pytest.mark.slow
def test_a_cancelled_slurm_task_is_resubmitted_and_gives_the_same_files(slurm_cluster, tmp_path, caplog):
    cancelled = []

    def cancel_one_running_task():
        deadline = time.monotonic() + 120
        while not cancelled and time.monotonic() < deadline:
            found = subprocess.run(["squeue", "-h", "-r", "-t", "RUNNING", "-o", "%i %j"], capture_output=True,
                                   text=True)
            tasks = [line.split()[0] for line in found.stdout.splitlines() if line.endswith(" commsim")]
            if tasks:  # as pre-emption or a lost node would end it: no result
                subprocess.run(["scancel", tasks[0]], check=True)
                cancelled.append(tasks[0])
            time.sleep(0.2)

    watcher = threading.Thread(target=cancel_one_running_task)
    watcher.start()
    try:
        compare_here(tmp_path, *SLOW, "runner=slurm", "runner.workers=2", "runner.batch=1")
    finally:
        watcher.join()
    assert cancelled, "the test cancelled a running array task"
    assert f"job {cancelled[0]} failed (the task ended CANCELLED" in caplog.text and "resubmitting" in caplog.text
    assert len(array_ids(tmp_path)) == 2, "one array, and the cancelled task again as its own job"
    reference = tmp_path.parent / (tmp_path.name + "-serial")
    compare_here(reference, *SLOW, "compare.jobs=1")
    assert files(tmp_path / "runs") == files(reference / "runs"), "the resubmitted runs have the same numbers"
    shutil.rmtree(reference)


@pytest.mark.slow  # ~35 s: every round of the search is its own job array (~10 s of start-up each here)
def test_an_optimisation_on_a_real_slurm_cluster_finds_what_a_local_one_finds(slurm_cluster, tmp_path):
    from commsim.experiments.optimize import optimize
    from conftest import composed

    args = ["network.n=300", "days=40", "progress=never", "optimize.budget=1500", "optimize.trials=6",
            "optimize.replicates=2", "optimize.confirm_replicates=2", "uncertainty=none"]
    local = ["optimize.jobs=2"]
    remote = ["runner=slurm", "runner.workers=2"]
    optimize(composed(*args, *local, config_name="optimize"), tmp_path / "local", args + local)
    optimize(composed(*args, *remote, config_name="optimize"), tmp_path / "slurm", args + remote)
    for name in ("trials.csv", "pareto.csv"):
        assert (tmp_path / "slurm" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    assert array_ids(tmp_path / "slurm"), "the runs went through SLURM"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["ray", "slurm"])
def test_a_sweep_on_a_cluster_lands_where_a_local_one_does(backend, request, tmp_path):
    if backend == "ray":
        where = ["runner=ray", f"runner.address={request.getfixturevalue('ray_head')}"]
    else:
        request.getfixturevalue("slurm_cluster")
        where = ["runner=slurm", "runner.workers=2"]
    sweep = ["-m", "seed=0,1", "days=15", "network.n=300"]
    local = cli("experiments.run", *sweep, f"hydra.sweep.dir={tmp_path / 'local'}")
    assert local.returncode == 0, local.stderr
    remote = cli("experiments.run", *sweep, *where, f"hydra.sweep.dir={tmp_path / backend}")
    assert remote.returncode == 0, remote.stderr
    assert f"runner={backend}" in remote.stderr
    names = sorted(p.name for p in (tmp_path / "local").iterdir() if p.is_dir())
    assert names == sorted(p.name for p in (tmp_path / backend).iterdir() if p.is_dir() and p.name != ".submitit"), \
        "runner settings stay out of the job folders' names: a sweep resumes on any backend"
    for name in names:
        assert files(tmp_path / "local" / name) .keys() >= {"summary.json", "timeseries.parquet"}
        a = {k: v for k, v in files(tmp_path / "local" / name).items() if not k.startswith(".hydra")}
        b = {k: v for k, v in files(tmp_path / backend / name).items() if not k.startswith(".hydra")}
        assert a == b


class Killer(threading.Thread):
    """Kills the first process that ``match`` picks, once, and remembers it did."""

    def __init__(self, match, after=lambda: True):
        super().__init__(daemon=True)
        self.match, self.after, self.killed, self.stop = match, after, None, False

    def run(self):
        while not self.stop and self.killed is None:
            if self.after():
                for proc in psutil.process_iter(["pid", "name", "cmdline"]):
                    try:
                        if self.match(proc):
                            proc.kill()
                            self.killed = proc.info["pid"]
                            return
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
            time.sleep(0.02)


SLOW = ["network.n=20000", "days=60", "progress=never", "compare.replicates=2",
        "++compare.scenarios={baseline:['plan=baseline'],content:['plan=content']}"]


@pytest.mark.slow
def test_a_local_worker_killed_mid_comparison_is_retried(tmp_path, caplog):
    me = os.getpid()
    killer = Killer(lambda p: p.ppid() == me and "spawn_main" in " ".join(p.info["cmdline"] or []),
                    after=lambda: any((tmp_path / "runs").rglob("DONE")))
    killer.start()
    try:
        compare_here(tmp_path, *SLOW, "compare.jobs=2", "runner.batch=1")
    finally:
        killer.stop = True
    assert killer.killed is not None, "the test killed a worker"
    assert "a worker process died; retrying" in caplog.text
    assert len(list((tmp_path / "runs").rglob("DONE"))) == 4
    reference = tmp_path.parent / (tmp_path.name + "-serial")
    compare_here(reference, *SLOW, "compare.jobs=1")
    assert files(tmp_path / "runs") == files(reference / "runs"), "the retried runs have the same numbers"
    shutil.rmtree(reference)


@pytest.mark.slow
def test_a_ray_worker_killed_mid_run_is_retried_by_ray(ray_head, tmp_path):
    # any Ray worker running a batch is this test's: every test that uses Ray is in this module, which
    # pytest-xdist (--dist loadscope) runs on one worker, one test at a time
    killer = Killer(lambda p: (p.info["name"] or "").startswith("ray::execute_batch"))
    killer.start()
    try:
        compare_here(tmp_path, *SLOW, "runner=ray", f"runner.address={ray_head}", "runner.batch=1")
    finally:
        killer.stop = True
    assert killer.killed is not None, "the test killed a Ray worker while it ran a batch"
    assert len(list((tmp_path / "runs").rglob("DONE"))) == 4


def test_a_dry_run_says_how_many_runs_how_long_and_where_and_runs_nothing(tmp_path):
    res = cli("experiments.compare", *COMPARISON, "compare.replicates=3", "network.n=2000", "days=30", "--dry-run",
              f"hydra.run.dir={tmp_path}")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "nothing was run" in out and f"results would land in {tmp_path}" in out
    # 2 scenarios x 3 replicates at the default parameters, then x 20 parameter draws (uncertainty=auto: prior),
    # and up to 9 x 20 candidate draws screened by one baseline run each that miss (uncertainty.match)
    assert "runs: 306 (every plan at the default parameters; uncertainty=prior" in out, out
    assert "uncertainty.match: one baseline run per candidate draw" in out, out
    assert "this first round: 6 -- 0 already finished, 6 to do" in out, out
    assert "2,000 people x 30 days" in out and "of one core" in out and "timed now" in out
    assert not (tmp_path / "runs").exists() and not list(tmp_path.rglob("DONE"))


def test_a_dry_run_of_a_sweep_counts_its_points(tmp_path):
    res = cli("experiments.run", "-m", "seed=0,1,2", "days=10", "network.n=300", "runner.dry_run=true",
              f"hydra.sweep.dir={tmp_path}")
    assert res.returncode == 0, res.stderr
    assert "runs: 3 -- 0 already finished, 3 to do" in res.stdout
    assert not list(tmp_path.rglob("DONE")) and not list(tmp_path.rglob("overrides.yaml"))


def test_a_ray_cluster_that_is_not_there_is_a_clear_error(tmp_path):
    res = cli("experiments.compare", *COMPARISON, "runner=ray", f"runner.address=127.0.0.1:{free_port()}",
              f"hydra.run.dir={tmp_path}", timeout=300)
    assert res.returncode == 2
    assert "cannot connect to the Ray cluster" in res.stderr and "ray start --head" in res.stderr


def test_runner_settings_of_another_backend_are_refused():
    res = cli("experiments.compare", *COMPARISON, "runner.partition=gpu")
    assert res.returncode == 2 and "SLURM settings" in res.stderr and "runner=slurm" in res.stderr


def test_the_cluster_docs_name_every_runner_key():
    from commsim.experiments.settings import RunnerSettings

    text = (ROOT / "docs" / "cluster.md").read_text()
    import dataclasses

    for f in dataclasses.fields(RunnerSettings):
        assert f"runner.{f.name}" in text, f"docs/cluster.md does not mention runner.{f.name}"


def test_a_dry_run_times_what_the_job_does(monkeypatch):
    """A calibration's runs draw no figures and measure the log: the dry run times that, not a plain run."""
    from commsim.experiments.runner import dry_run
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    calls = []
    monkeypatch.setattr(dry_run, "execute", lambda config, out_dir, **kw: calls.append((config.days, kw)))
    measure = {"function": "commsim.experiments.analyses.calibration.targets:measure", "args": {"first": 1, "days": 90}}
    dry_run.timing(validate(default_config({"days": 90})), True, measure, frozenset())
    assert [days for days, _ in calls] == [2, 30, 30, 30, 90, 90, 90]
    assert all(kw["measure"]["function"] == measure["function"] for _, kw in calls)
    assert [kw["measure"]["args"]["days"] for _, kw in calls] == [2, 30, 30, 30, 90, 90, 90], \
        "measured over the days simulated"
    assert not any(kw["figures"] for _, kw in calls), "a run that measures draws no figures"
    calls.clear()  # a run that draws figures: timed without them, then its figures once, on the 30-day run
    dry_run.timing(validate(default_config({"days": 90})), True, None, frozenset())
    assert [(days, kw["figures"]) for days, kw in calls] == [(2, True), (30, False), (30, False), (30, False),
                                                              (90, False), (90, False), (90, False), (30, True)], \
        "the warm-up imports matplotlib"


def test_a_dry_run_keeps_the_median_of_three_timings(monkeypatch):
    """Runs in a pool take a typical time, not the best: one fast or slow timing out of three moves nothing."""
    from commsim.experiments.runner import dry_run
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    clock = iter([0.0, 0.1, 0.1, 1.1, 1.1, 1.6, 1.6, 2.4,  # warm-up, then 30 days: 1.0, 0.5, 0.8 s
                  2.4, 4.4, 4.4, 7.4, 7.4, 8.9])  # 90 days: 2.0, 3.0, 1.5 s
    monkeypatch.setattr(dry_run.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(dry_run, "execute", lambda config, out_dir, **kw: None)
    fixed, per_day, _, _, saving = dry_run.timing(validate(default_config({"days": 90})), False, None, frozenset())
    assert per_day == pytest.approx((2.0 - 0.8) / 60) and fixed == pytest.approx(0.8 - 30 * per_day)
    assert saving == 0.0, "no past replayed: nothing kept to save"


def test_a_dry_run_counts_the_runs_that_restore_a_replayed_past(monkeypatch):
    """Runs replaying a past (history_days) are timed replaying it; three more restore the past the last
    one kept (sim/past.py), and each run to do after the first of its past in each worker is that much
    cheaper."""
    from types import SimpleNamespace

    from commsim.experiments.runner import dry_run
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    config = validate(default_config({"days": 90, "history_days": 40}))
    clock = iter([0.0, 0.1, 0.1, 1.1, 1.1, 1.6, 1.6, 2.4,  # warm-up, then 30 days: 1.0, 0.5, 0.8 s
                  2.4, 4.4, 4.4, 7.4, 7.4, 8.9,  # 90 days: 2.0, 3.0, 1.5 s
                  9.0, 9.3, 9.3, 9.5, 9.5, 9.9])  # 30 days from a kept past: 0.3, 0.2, 0.4 s
    monkeypatch.setattr(dry_run.time, "perf_counter", lambda: next(clock))
    calls = []
    monkeypatch.setattr(dry_run, "execute", lambda config, out_dir, **kw: calls.append(config.days))
    *_, saving = dry_run.timing(config, False, None, frozenset())
    assert calls == [2, 30, 30, 30, 90, 90, 90, 30, 30, 30] and saving == pytest.approx(0.8 - 0.3)
    # 3 plans x 4 seeds: 4 pasts, each met by both workers at most: 2 replays and 1 restore each
    jobs = [SimpleNamespace(config=validate(default_config({"days": 10, "history_days": 40, "seed": seed,
                                                            "plan": {"strategies": plan}})))
            for plan in ([], ["content"], ["winback"]) for seed in range(4)]
    assert dry_run.kept_pasts(jobs, 2) == 4 and dry_run.kept_pasts(jobs, 1) == 8 and dry_run.kept_pasts(jobs[:4], 2) == 0
    plain = [SimpleNamespace(config=validate(default_config({"days": 10, "seed": s}))) for s in range(3)]
    assert dry_run.kept_pasts(plain, 1) == 0


@pytest.mark.slow  # 18 s of two timed dry runs; the local dry run's test stays in the fast tier
def test_dry_runs_of_cluster_backends_need_no_cluster_and_state_their_assumptions(tmp_path):
    ray = cli("experiments.compare", *COMPARISON, "network.n=500", "days=10", "runner=ray",
              f"runner.address=127.0.0.1:{free_port()}", "--dry-run", f"hydra.run.dir={tmp_path / 'r'}")
    assert ray.returncode == 0, ray.stderr
    assert "assumed 8: the cluster is not contacted" in ray.stdout and "each assumed to start in 1 s" in ray.stdout
    slurm = cli("experiments.compare", *COMPARISON, "network.n=500", "days=10", "runner=slurm", "runner.workers=4",
                "--dry-run", f"hydra.run.dir={tmp_path / 's'}")
    assert slurm.returncode == 0, slurm.stderr
    assert "with 4 workers (runner.workers)" in slurm.stdout and "no wait in the queue" in slurm.stdout
    assert not (tmp_path / "r" / "runs").exists() and not (tmp_path / "s" / "runs").exists()


def test_an_optimisation_dry_run_on_ray_needs_no_cluster_either(tmp_path):
    res = cli("experiments.optimize", "network.n=500", "days=10", "optimize.trials=4", "runner=ray",
              f"runner.address=127.0.0.1:{free_port()}", "--dry-run", f"hydra.run.dir={tmp_path}")
    assert res.returncode == 0, res.stderr
    assert "assumed 8: the cluster is not contacted" in res.stdout


def test_a_dry_run_on_a_private_ray_instance_counts_this_machines_cpus(monkeypatch):
    """runner=ray without an address starts a private instance with every CPU here, not the command's
    jobs (a sweep ran one run at a time on it); the estimate divides by the same."""
    import os
    from types import SimpleNamespace

    from commsim.experiments.runner import dry_run

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    runner = SimpleNamespace(settings=SimpleNamespace(kind="ray", workers=None, address=None), workers=1)
    assert dry_run.assumed_workers(runner) == (os.cpu_count(), f"a private Ray instance on this machine's "
                                                               f"{os.cpu_count()} CPUs")
    runner.settings.address = "10.0.0.1:6379"
    assert dry_run.assumed_workers(runner)[0] == dry_run.ASSUMED_RAY_WORKERS
