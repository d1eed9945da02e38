"""What runs in a worker, wherever it is (a local process, a Ray task, a SLURM array task).

A worker gets *payloads*: plain data (the model config as a dict, the run directory, the optional
outputs), never a live model, so any backend can ship them (pickle, Ray's object store, submitit's
files). :func:`execute_batch` validates each config again, simulates it and writes its run directory;
several small runs share one task so that per-task overhead stays small. Every run writes only its
own directory: nothing is shared between workers but the results folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from commsim.experiments.runner.outputs import write_run
from commsim.sim.config import to_dict, validate


def execute(config, out_dir: Path, progress: str = "never", outputs=frozenset(),
            measure: dict | None = None, figures: bool = True, validated: bool = False) -> dict:
    """Simulate one config and write its run directory; returns the summary. ``measure`` is a
    post-run measure an analysis registered with its jobs: ``{"function": "package.module:name",
    "args": {...}}``; the function is called on the run's activity log (``function(log, **args)``),
    its dict written to measure.json, and no figures are drawn. The runner itself knows no analysis.
    ``validated``: ``config`` is what ``validate`` has just returned (not checked again)."""
    from commsim.sim.simulation import simulate  # here, not at the top: a command's --help and preflight
    #                                             never import the model (Mesa alone takes ~0.4 s)

    start = time.perf_counter()
    if out_dir.is_dir():  # a killed writer's temporaries (outputs.atomic_write): this run rewrites every file
        for stale in out_dir.rglob(".*.tmp"):
            stale.unlink(missing_ok=True)
    log = True if "activity_log" in outputs else ("days" if measure else False)
    # a measured run writes no retention table: it need not build one
    result = simulate(config, progress=progress, activity_log=log, tables=not measure, validated=validated)
    measured = None
    if measure:
        measured = post_run_measure(measure["function"])(result.activity_log, **measure.get("args", {}))
    write_run(result, out_dir, time.perf_counter() - start, figures=figures and not measure, measured=measured)
    return result.summary


def post_run_measure(name: str):
    """``"package.module:function"`` -> the function (imported in the worker, wherever it runs)."""
    import importlib

    module, _, attr = name.partition(":")
    if not module.startswith("commsim.") or not attr:
        raise ValueError(f"a post-run measure is named 'commsim.<module>:<function>', not {name!r}")
    return getattr(importlib.import_module(module), attr)


def payload(job, cwd: str | None = None) -> dict:
    """A job as plain data. ``cwd``: the directory relative paths (the config's files, a relative
    results folder) are relative to -- the driver's, which a cluster shares."""
    return {"config": to_dict(job.config), "out_dir": str(job.out_dir), "outputs": sorted(job.outputs),
            "measure": job.measure, "figures": job.figures, "cwd": cwd or os.getcwd()}


def execute_batch(batch: list[dict]) -> int:
    """Run a batch of payloads (in a worker); returns how many ran. A run already done by the runner's
    rule (``jobs.status``: this very config, intact, with the outputs and figures asked for) is not run
    again: a batch retried after a worker, node or time limit failed part-way (a local pool broken,
    Ray's retries, a SLURM resubmission) goes on from where it stopped."""
    from commsim.experiments.runner.outputs import config_hash, damage, finished_hash, holds_what_is_asked
    from commsim.experiments.runner.threads import one_blas_thread_here

    one_blas_thread_here()  # once per worker process, on any backend (experiments/runner/threads.py)
    here = os.getcwd()
    ran = 0
    for item in batch:
        os.chdir(item["cwd"])
        try:
            config, out_dir = validate(item["config"]), Path(item["out_dir"])
            outputs = frozenset(item["outputs"])
            if (finished_hash(out_dir) == config_hash(config) and not damage(out_dir)
                    and holds_what_is_asked(out_dir, outputs, item["measure"], item["figures"])):
                continue  # the runner's own rule: same config, intact, with every output and figure asked for
            execute(config, out_dir, outputs=outputs, measure=item["measure"], figures=item["figures"], validated=True)
            ran += 1
        finally:
            os.chdir(here)
    return ran


def die_with_parent(parent: int) -> None:
    """In a worker: end when the process that started it ends, however it ends (even SIGKILL, which
    runs no clean-up). Linux: the kernel's parent-death signal; everywhere: a watcher thread that
    notices the worker was handed to another parent. Ctrl-C ends a worker without a traceback."""
    import ctypes
    import signal
    import threading

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed
    threading.Thread(target=watch, name="commsim-parent-watch", daemon=True).start()
    # Ctrl-C reaches every process of the terminal's group: a worker ends at once and says nothing (the
    # command says how to resume; a run cut short leaves no DONE, only temporaries the rerun clears)
    signal.signal(signal.SIGINT, quiet_exit)


def quiet_exit(signum, frame) -> None:
    os._exit(130)
