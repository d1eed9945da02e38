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

:func:`run_jobs` runs the jobs that are not done, in this process or on a
backend (``runner=local|ray|slurm``, :mod:`experiments.runner.backends`: worker
processes that stay alive across jobs, a Ray cluster, SLURM), with one
progress display; each job writes its own
directory atomically (:mod:`experiments.runner.outputs`), and callers collect the
results from the directories once all jobs are done. ``run``, ``compare`` and
the sweep collection use it.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from commsim.experiments.runner.outputs import config_hash, damage, finished_hash, holds_what_is_asked
from commsim.experiments.runner.worker import execute, payload
from commsim.sim.config import Config, validate
from commsim.sim.errors import UserError
from commsim.sim.progress import Progress

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
    measure: dict | None = None  # a post-run measure an analysis asks for: {"function": "pkg.mod:f", "args": {...}}
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
    were damaged afterwards (a file missing or changed: :func:`experiments.runner.outputs.damage`) is to
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
    return DONE if holds_what_is_asked(job.out_dir, job.outputs, job.measure, job.figures) else TODO


def finished_job(out_dir: Path) -> Job | None:
    """The job a run directory holds, if it is done by the rule above (its ``config.yaml`` read back
    and validated); None for an unfinished or damaged directory."""
    out_dir = Path(out_dir)
    try:
        job = Job(validate(yaml.safe_load((out_dir / "config.yaml").read_text())), out_dir)
    except (OSError, yaml.YAMLError, UserError, TypeError, ValueError):
        return None
    return job if status(job) == DONE else None


class DryRun(Exception):
    """``runner.dry_run``: what a command would run, said instead of running it (exit status 0)."""


class Runner:
    """Runs jobs, in this process or on a backend (:mod:`experiments.runner.backends`: local worker processes
    that stay alive across calls, a Ray cluster, SLURM). Use as a context manager; :func:`run_jobs`
    makes a throw-away one. :meth:`from_settings` builds one from a command's ``runner.*`` settings."""

    def __init__(self, workers: int = 1, settings=None, where: Path | None = None):
        from commsim.experiments.settings import RunnerSettings

        self.settings = settings if settings is not None else RunnerSettings()
        self._workers = max(1, int(self.settings.workers or workers))
        self.where = where
        self.expected: tuple[int, str] | None = None
        self.expected_bare = 0  # of those, runs after the first round that draw no figures
        self.expected_own: tuple[float, str] = (0.0, "")  # seconds the command works itself between rounds
        self._backend = None

    @classmethod
    def from_settings(cls, settings, jobs: int, where: Path | None = None) -> "Runner":
        """The runner of a command: its ``runner.*`` settings, ``jobs`` (the command's own ``*.jobs``) workers
        unless ``runner.workers`` says otherwise, ``where``: its output folder."""
        return cls(jobs, settings.runner, where)

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def expect(self, runs: int, how: str = "", bare: int = 0, config=None, fewer: str = "fewer runs",
               people: int | None = None) -> None:
        """Tell a dry run the whole command's number of runs when it comes in several rounds (a search);
        ``bare``: how many of the later ones draw no figures (they cost less, and are timed so). With a
        typical run's ``config``, a count that would take longer than the time limit is refused here,
        before any work (sim/memory.py ``check_runs``; ``fewer``: the settings that lower it)."""
        self.expected = (int(runs), how)
        self.expected_bare = int(bare)
        if config is not None:
            from commsim.experiments.runner.dry_run import assumed_workers
            from commsim.sim.memory import check_runs

            workers = assumed_workers(self)[0]  # never contacts a cluster
            check_runs(int(runs), people or getattr(config.network, "n", 0), config.days + config.history_days, workers,
                       how, fewer)

    def expect_own_work(self, seconds: float, what: str) -> None:
        """Tell a dry run how long the command itself works between its rounds of runs (a search's
        sampler, building each run's config), timed now: wall time no worker can share."""
        self.expected_own = (float(seconds), what)

    @property
    def workers(self) -> int:
        """Runs at once: ``runner.workers``, else the command's own setting locally, the cluster's CPUs on
        Ray (asked once connected), ``max(jobs, 100)`` array tasks on SLURM."""
        if self.settings.workers or self.settings.kind == "local":
            return self._workers
        if self.settings.kind == "slurm":  # submitit's local executor: this machine's processes
            return max(self._workers, 100) if self.settings.cluster in (None, "slurm") else self._workers
        return self.backend.workers

    @property
    def backend(self):
        if self._backend is None:
            from commsim.experiments.runner.backends.choose import make

            self._backend = make(self.settings, self._workers if self.settings.kind == "ray" else self.workers,
                                 self.where)
        return self._backend

    def run(self, jobs: list[Job], *, overwrite: bool = False, progress: str = "auto",
            quiet: bool = False) -> list[Job]:
        """Run every job that is not done; returns the jobs that ran. Conflicts stop everything
        before any work (unless ``overwrite``), naming the directories."""
        todo = self._todo(jobs, overwrite, set())
        if self.settings.dry_run:
            from commsim.experiments.runner.dry_run import describe

            raise DryRun(describe(jobs, todo, self))
        if not quiet:
            log.info("%d runs: %d already finished, %d to do (%d in parallel%s)",
                     len(jobs), len(jobs) - len(todo), len(todo), min(self.workers, max(1, len(todo))),
                     "" if self.settings.kind == "local" else f", runner={self.settings.kind}")
        if not todo:
            return []
        bar = Progress(len(todo), progress, unit="runs")
        if self.settings.kind == "local" and (self.workers == 1 or len(todo) == 1):
            for i, job in enumerate(todo, 1):
                execute(job.config, job.out_dir, outputs=job.outputs, measure=job.measure, figures=job.figures)
                bar.update(i, job.label)
        else:
            self._run_on_backend(todo, bar)
        bar.close()
        return todo

    def run_stream(self, groups, *, overwrite: bool = False) -> list[Job]:
        """:meth:`run` for jobs that come a group at a time (a search's trials, each asked while the
        trials before it run): each group goes to the workers as it comes, as one task (whatever
        ``runner.batch`` says). Returns the jobs that ran. A group whose directory holds a finished run of
        another configuration stops the stream with :class:`RunDirError`, as :meth:`run` does, but
        the groups before it may have run. Where streaming gains nothing (one worker, a cluster, a dry
        run) the groups are collected and run as :meth:`run` would: the same runs and files either way."""
        if self.settings.kind != "local" or self.workers == 1 or self.settings.dry_run:
            return self.run([job for group in groups for job in group], overwrite=overwrite, progress="never",
                            quiet=True)
        ran: list[Job] = []
        seen: set = set()
        cwd = os.getcwd()

        def tasks():
            for group in groups:
                todo = self._todo(group, overwrite, seen)
                if todo:
                    ran.extend(todo)
                    yield [payload(job, cwd) for job in todo]

        stream = tasks()
        first = next(stream, None)
        if first is not None:  # nothing to run (all finished): no worker pool started
            self.backend.run(itertools.chain([first], stream), lambda i: None)
        return ran

    @staticmethod
    def _todo(jobs: list[Job], overwrite: bool, seen: set) -> list[Job]:
        """The jobs that are not done and not in ``seen`` (which this adds them to: the same job twice,
        e.g. a resampled draw, runs once); raises, naming them, if any directory holds a finished run of
        another configuration (unless ``overwrite``)."""
        jobs = [job for job in jobs if job.out_dir not in seen]  # never the status of one a worker may be writing
        states = [status(job) for job in jobs]
        conflicts = [job for job, s in zip(jobs, states) if s == CONFLICT]
        if conflicts and not overwrite:
            shown = "\n".join(f"  {job.out_dir}" for job in conflicts[:10])
            more = f"\n  ... and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
            raise RunDirError(f"{len(conflicts)} output director{'y holds' if len(conflicts) == 1 else 'ies hold'} a "
                              f"finished run of a different configuration:\n{shown}{more}\n"
                              f"choose another output directory, or pass overwrite=true to replace them")
        todo = []
        for job, s in zip(jobs, states):
            if s != DONE and job.out_dir not in seen:  # the same job twice within ``jobs``
                seen.add(job.out_dir)
                todo.append(job)
        return todo

    def batches(self, todo: list[Job], workers: int | None = None) -> list[list[Job]]:
        """Small runs share a task (fewer round trips): about four tasks per worker, at most 16 runs
        each locally and 64 on a cluster, or ``runner.batch``. ``workers``: instead of asking the
        cluster (a dry run's assumption)."""
        cap = 16 if self.settings.kind == "local" else 64
        size = self.settings.batch or max(1, min(cap, len(todo) // ((workers or self.workers) * 4)))
        return [todo[i:i + size] for i in range(0, len(todo), size)]

    def _run_on_backend(self, todo: list[Job], bar: Progress) -> None:
        batches = self.batches(todo)
        cwd = os.getcwd()
        finished = 0

        def done(i: int) -> None:
            nonlocal finished
            finished += len(batches[i])
            bar.update(finished, batches[i][-1].label)

        self.backend.run([[payload(job, cwd) for job in batch] for batch in batches], done)


def run_jobs(jobs: list[Job], workers: int = 1, *, overwrite: bool = False, progress: str = "auto",
             settings=None) -> list[Job]:
    """Run every job that is not done (see :meth:`Runner.run`); returns the jobs that ran.
    ``settings``: ``runner.*`` (:class:`experiments.settings.RunnerSettings`), default local."""
    with Runner(workers, settings) as runner:
        return runner.run(jobs, overwrite=overwrite, progress=progress)
