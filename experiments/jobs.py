"""The job runner: every command that runs more than one simulation runs it through here.

A :class:`Job` is a validated model config plus the directory its outputs go
to. Its :func:`status` follows one rule:

* **done** -- the directory holds a finished run (``DONE``, written last) of
  exactly this config and model version (the config hash matches), with every
  optional output the job asks for (e.g. the activity log);
* **to do** -- no finished run there (nothing, an interrupted one, or a finished one whose outputs
  were damaged since: ``DONE`` holds the SHA-256 of every output, and a missing or changed file
  is named in a warning and the run is redone);
* **conflict** -- a finished run of a *different* config; it is never
  overwritten unless asked (``overwrite=true``).

:func:`run_jobs` runs the jobs that are not done, in this process or in a pool
of worker processes that stay alive across jobs (each worker compiles the
numba kernels once), with one progress display; each job writes its own
directory atomically (:mod:`experiments.outputs`), and callers collect the
results from the directories once all jobs are done. ``run``, ``compare`` and
the sweep collection use it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from experiments.outputs import config_hash, damage, finished_hash, finished_outputs, write_run
from sim.config import Config, validate
from sim.errors import UserError
from sim.progress import Progress
from sim.simulation import simulate

log = logging.getLogger("commsim")

DONE, TODO, CONFLICT = "done", "to do", "conflict"


class RunDirError(UserError, RuntimeError):
    """An output directory holds a finished run of another configuration."""


OPTIONAL_OUTPUTS = ("activity_log", "measure")


@dataclass
class Job:
    config: Config
    out_dir: Path
    label: str = ""
    tags: dict = field(default_factory=dict)
    outputs: frozenset = frozenset()  # optional outputs asked for (OPTIONAL_OUTPUTS)
    measure: dict | None = None  # a calibration's run: {"first": day, "days": n, "daily": bool}
    figures: bool = True  # draw the run's figures (many-run analyses that read only summaries skip them)

    def __post_init__(self):
        self.out_dir = Path(self.out_dir)
        self.outputs = frozenset(self.outputs) | ({"measure"} if self.measure else set())
        unknown = self.outputs - set(OPTIONAL_OUTPUTS)
        if unknown:
            raise ValueError(f"unknown optional outputs {sorted(unknown)}; known: {OPTIONAL_OUTPUTS}")
        self.hash = config_hash(self.config)


def status(job: Job) -> str:
    """``done``, ``to do`` or ``conflict`` (see the module docstring). A finished run whose outputs
    were damaged afterwards (a file missing or changed: :func:`experiments.outputs.damage`) is to
    do again, and a warning names it and what was wrong."""
    found = finished_hash(job.out_dir)
    if found is None:
        return TODO
    if found != job.hash:
        return CONFLICT
    problems = damage(job.out_dir)
    if problems:
        log.warning("redoing the damaged run in %s: %s", job.out_dir, "; ".join(problems))
        (job.out_dir / "DONE").unlink(missing_ok=True)
        return TODO
    return DONE if job.outputs <= finished_outputs(job.out_dir) else TODO


def finished_job(out_dir: Path) -> Job | None:
    """The job a run directory holds, if it is done by the rule above (its ``config.yaml`` read back
    and validated); None for an unfinished or damaged directory."""
    out_dir = Path(out_dir)
    try:
        job = Job(validate(yaml.safe_load((out_dir / "config.yaml").read_text())), out_dir)
    except (OSError, yaml.YAMLError, UserError, TypeError, ValueError):
        return None
    return job if status(job) == DONE else None


def execute(config: Config, out_dir: Path, progress: str = "never", outputs=frozenset(),
            measure: dict | None = None, figures: bool = True) -> dict:
    """Simulate one config and write its run directory; returns the summary. With ``measure``
    (a calibration's run) the targets of experiments/calibration/targets.py are measured on the
    run's activity log and written to measure.json, and no figures are drawn."""
    start = time.perf_counter()
    log = True if "activity_log" in outputs else ("days" if measure else False)
    result = simulate(config, progress=progress, activity_log=log)
    measured = None
    if measure:
        from experiments.calibration.targets import measure as measure_targets

        measured = measure_targets(result.activity_log, measure["first"], measure["days"], measure.get("daily", False))
    write_run(result, out_dir, time.perf_counter() - start, figures=figures and not measure, measured=measured)
    return result.summary


def die_with_parent(parent: int) -> None:
    """In a worker: end when the process that started it ends, however it ends (even SIGKILL, which
    runs no clean-up). Linux: the kernel's parent-death signal; everywhere: a watcher thread that
    notices the worker was handed to another parent."""
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


def _execute_jobs(batch: list[tuple]) -> int:  # in a worker process: several small runs per task
    for config, out_dir, outputs, measure, figures in batch:
        execute(config, Path(out_dir), outputs=outputs, measure=measure, figures=figures)
    return len(batch)


class Runner:
    """Runs jobs, in this process or in worker processes that stay alive across calls (each worker
    imports and compiles once). Use as a context manager; :func:`run_jobs` makes a throw-away one."""

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self._pool = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _workers_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=die_with_parent, initargs=(os.getpid(),))
        return self._pool

    def run(self, jobs: list[Job], *, overwrite: bool = False, progress: str = "auto",
            quiet: bool = False) -> list[Job]:
        """Run every job that is not done; returns the jobs that ran. Conflicts stop everything
        before any work (unless ``overwrite``), naming the directories."""
        states = [status(job) for job in jobs]
        conflicts = [job for job, s in zip(jobs, states) if s == CONFLICT]
        if conflicts and not overwrite:
            shown = "\n".join(f"  {job.out_dir}" for job in conflicts[:10])
            more = f"\n  ... and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
            raise RunDirError(f"{len(conflicts)} output director{'y holds' if len(conflicts) == 1 else 'ies hold'} a "
                              f"finished run of a different configuration:\n{shown}{more}\n"
                              f"choose another output directory, or pass overwrite=true to replace them")
        todo, seen = [], set()
        for job, s in zip(jobs, states):
            if s != DONE and job.out_dir not in seen:  # the same job twice (e.g. a resampled draw) runs once
                seen.add(job.out_dir)
                todo.append(job)
        if not quiet:
            log.info("%d runs: %d already finished, %d to do (%d in parallel)",
                     len(jobs), len(jobs) - len(todo), len(todo), min(self.workers, max(1, len(todo))))
        if not todo:
            return []
        bar = Progress(len(todo), progress, unit="runs")
        if self.workers == 1 or len(todo) == 1:
            for i, job in enumerate(todo, 1):
                execute(job.config, job.out_dir, outputs=job.outputs, measure=job.measure, figures=job.figures)
                bar.update(i, job.label)
        else:
            self._run_in_pool(todo, bar)
        bar.close()
        return todo

    def _run_in_pool(self, todo: list[Job], bar: Progress) -> None:
        pool = self._workers_pool()
        size = max(1, min(16, len(todo) // (self.workers * 4)))  # batch small runs: fewer round trips
        batches = [todo[i:i + size] for i in range(0, len(todo), size)]
        pending = {pool.submit(_execute_jobs, [(j.config, str(j.out_dir), j.outputs, j.measure, j.figures) for j in batch]): batch
                   for batch in batches}
        done_count = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished:
                batch = pending.pop(future)
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    error.add_note(f"commsim: in one of the runs {', '.join(str(j.out_dir) for j in batch[:3])}")
                    raise error
                done_count += len(batch)
                bar.update(done_count, batch[-1].label)


def run_jobs(jobs: list[Job], workers: int = 1, *, overwrite: bool = False, progress: str = "auto") -> list[Job]:
    """Run every job that is not done (see :meth:`Runner.run`); returns the jobs that ran."""
    with Runner(workers) as runner:
        return runner.run(jobs, overwrite=overwrite, progress=progress)
