"""The job runner: every command that runs more than one simulation runs it through here.

A :class:`Job` is a validated model config plus the directory its outputs go
to. Its :func:`status` follows one rule:

* **done** -- the directory holds a finished run (``DONE``, written last) of
  exactly this config and model version (the config hash matches), with every
  optional output the job asks for (e.g. the activity log);
* **to do** -- no finished run there (nothing, or an interrupted one);
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
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from experiments.outputs import config_hash, finished_hash, finished_outputs, write_run
from sim.config import Config, validate
from sim.errors import UserError
from sim.progress import Progress
from sim.simulation import simulate

log = logging.getLogger("commsim")

DONE, TODO, CONFLICT = "done", "to do", "conflict"


class RunDirError(UserError, RuntimeError):
    """An output directory holds a finished run of another configuration."""


OPTIONAL_OUTPUTS = ("activity_log",)


@dataclass
class Job:
    config: Config
    out_dir: Path
    label: str = ""
    tags: dict = field(default_factory=dict)
    outputs: frozenset = frozenset()  # optional outputs asked for (OPTIONAL_OUTPUTS)

    def __post_init__(self):
        self.out_dir = Path(self.out_dir)
        self.outputs = frozenset(self.outputs)
        unknown = self.outputs - set(OPTIONAL_OUTPUTS)
        if unknown:
            raise ValueError(f"unknown optional outputs {sorted(unknown)}; known: {OPTIONAL_OUTPUTS}")
        self.hash = config_hash(self.config)


def status(job: Job) -> str:
    """``done``, ``to do`` or ``conflict`` (see the module docstring)."""
    found = finished_hash(job.out_dir)
    if found is None:
        return TODO
    if found != job.hash:
        return CONFLICT
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


def execute(config: Config, out_dir: Path, progress: str = "never", outputs=frozenset()) -> dict:
    """Simulate one config and write its run directory; returns the summary."""
    start = time.perf_counter()
    result = simulate(config, progress=progress, activity_log="activity_log" in outputs)
    write_run(result, out_dir, time.perf_counter() - start)
    return result.summary


def _execute_job(config: Config, out_dir: str, outputs) -> str:  # in a worker process
    execute(config, Path(out_dir), outputs=outputs)
    return out_dir


def run_jobs(jobs: list[Job], workers: int = 1, *, overwrite: bool = False, progress: str = "auto") -> list[Job]:
    """Run every job that is not done; returns the jobs that ran.

    Conflicts stop everything before any work (unless ``overwrite``), naming the
    directories."""
    states = [status(job) for job in jobs]
    conflicts = [job for job, s in zip(jobs, states) if s == CONFLICT]
    if conflicts and not overwrite:
        shown = "\n".join(f"  {job.out_dir}" for job in conflicts[:10])
        more = f"\n  ... and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
        raise RunDirError(f"{len(conflicts)} output director{'y holds' if len(conflicts) == 1 else 'ies hold'} a "
                          f"finished run of a different configuration:\n{shown}{more}\n"
                          f"choose another output directory, or pass overwrite=true to replace them")
    todo = [job for job, s in zip(jobs, states) if s != DONE]
    log.info("%d runs: %d already finished, %d to do (%d in parallel)",
             len(jobs), len(jobs) - len(todo), len(todo), min(workers, max(1, len(todo))))
    if not todo:
        return []
    bar = Progress(len(todo), progress, unit="runs")
    if workers == 1 or len(todo) == 1:
        for i, job in enumerate(todo, 1):
            execute(job.config, job.out_dir, outputs=job.outputs)
            bar.update(i, job.label)
    else:
        _run_in_pool(todo, workers, bar)
    bar.close()
    return todo


def _run_in_pool(todo: list[Job], workers: int, bar: Progress) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
        pending = {pool.submit(_execute_job, job.config, str(job.out_dir), job.outputs): job for job in todo}
        done_count = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished:
                job = pending.pop(future)
                error = future.exception()
                if error is not None:
                    for other in pending:
                        other.cancel()
                    error.add_note(f"commsim: in the run for {job.out_dir}")
                    raise error
                done_count += 1
                bar.update(done_count, job.label)
