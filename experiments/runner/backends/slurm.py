"""``runner=slurm``: the runs as a SLURM job array, through submitit.

The batches are submitted as one array (``sbatch --array``, at most ``runner.workers`` tasks running at
once: ``slurm_array_parallelism``) with ``runner.partition``, ``runner.time_min``, ``runner.mem_gb`` and
``runner.cpus_per_task``; submitit's own files (pickled payloads, logs) go to ``runner.folder``, by
default ``<output folder>/.submitit/``. The command polls the array, reports progress as tasks end, and
resubmits a task that failed (pre-empted, out of memory, a node lost, a time-out) up to
``runner.retries`` times; an error raised by a run itself is shown with the task's log and not retried.
``runner.cluster=local`` uses submitit's local executor instead of SLURM (tests, trying a setup on a
laptop); ``debug`` runs every task in this process.

Compute nodes must see the results folder and the commsim checkout at the same paths (a shared file
system) and run the same Python environment: submitit starts the tasks with this interpreter's path.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from commsim.experiments.runner.backends.base import BackendError, missing
from commsim.experiments.runner.worker import execute_batch

log = logging.getLogger("commsim")
POLL_SECONDS = 0.5


class SlurmBackend:
    def __init__(self, settings, workers: int, where=None):
        try:
            import submitit
        except ImportError:
            raise missing("submitit", "slurm") from None
        from submitit.core.utils import FailedJobError

        self.run_error = FailedJobError  # the run raised (a dead task has no outcome at all)
        self.workers, self.retries = max(1, int(workers)), int(settings.retries)
        self.folder = Path(settings.folder) if settings.folder else Path(where or "results") / ".submitit"
        cluster = settings.cluster
        try:
            self.executor = submitit.AutoExecutor(folder=self.folder, cluster=cluster)
        except (RuntimeError, ValueError) as err:
            raise BackendError(f"runner=slurm: no SLURM here ({err}); run on a login node where sbatch works, or "
                               f"use runner.cluster=local to try the setup with submitit's local executor") from None
        self.cluster = self.executor.cluster
        params = {"name": "commsim", "timeout_min": int(settings.time_min), "cpus_per_task": int(settings.cpus_per_task),
                  "mem_gb": float(settings.mem_gb), "slurm_array_parallelism": self.workers}
        if settings.partition:
            params["slurm_partition"] = settings.partition
        self.executor.update_parameters(**params)

    def describe(self) -> str:
        return f"{'SLURM' if self.cluster == 'slurm' else 'submitit ' + self.cluster} ({self.workers} array tasks at once)"

    def close(self) -> None:
        pass

    def run(self, batches: list[list[dict]], done) -> None:
        if self.cluster == "slurm":
            jobs = dict(enumerate(self.executor.map_array(execute_batch, batches)))
            self._wait(jobs, batches, done)
        else:  # submitit's local executor starts every job at once: keep `workers` running
            queue = list(range(len(batches)))
            while queue:
                wave, queue = queue[:self.workers], queue[self.workers:]
                self._wait({i: self.executor.submit(execute_batch, batches[i]) for i in wave}, batches, done)

    def _wait(self, jobs: dict, batches, done) -> None:
        tries = dict.fromkeys(jobs, 0)
        watch = SqueueWatch() if self.cluster == "slurm" else None
        while jobs:
            time.sleep(POLL_SECONDS)
            if watch is not None:
                watch.poll(jobs.values())
            for i, job in list(jobs.items()):
                if watch is not None:
                    state = watch.outcome(job)
                    if state is None:
                        continue
                    error = None if state == "result" else f"the task ended {state} without a result"
                    if state == "result":
                        error = job.exception()
                else:
                    if not job.done():
                        continue
                    error = job.exception()
                del jobs[i]
                if error is None:
                    done(i)
                    continue
                failed_run = isinstance(error, self.run_error)
                if failed_run or tries[i] >= self.retries:
                    what = "a run raised an error" if failed_run else f"the task failed {tries[i] + 1} times"
                    raise BackendError(f"runner=slurm: {what} in job {job.job_id} (runs such as "
                                       f"{batches[i][0]['out_dir']}); its log: {job.paths.stderr}\n"
                                       f"{str(error)[-2000:]}\nthe finished runs are kept: run the command again "
                                       f"to resume")
                tries[i] += 1
                log.warning("runner=slurm: job %s failed (%s); resubmitting (attempt %d of %d)", job.job_id,
                            str(error).splitlines()[0][:200], tries[i], self.retries)
                jobs[i] = self.executor.submit(execute_batch, batches[i])


class SqueueWatch:
    """Where each array task of a real SLURM cluster is, from ``squeue`` and the task's result file:
    no ``sacct`` (which needs the accounting database many small clusters, and cluster/slurm-local.sh,
    run without).

    ``squeue -t all`` lists a job's tasks in every state until ``MinJobAge`` (300 s by default) after
    they end. A task is done when its result file exists (submitit writes it last, and it is looked
    for on every poll); it died when squeue lists it in an end state (CANCELLED, PREEMPTED,
    NODE_FAIL, TIMEOUT, OUT_OF_MEMORY, FAILED, or COMPLETED with no result) or no longer lists it, and
    still no result file appears within :data:`GRACE_SECONDS` of successful squeue answers (a shared
    file system may show the file late; a squeue that fails or times out never counts a task dead).
    squeue itself is asked at most every :data:`SQUEUE_SECONDS`, to spare a shared controller."""

    ACTIVE = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "REQUEUED",
              "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "SPECIAL_EXIT"}
    GRACE_SECONDS = 10.0
    SQUEUE_SECONDS = 2.0

    def __init__(self):
        self.states: dict[str, str] = {}
        self.gone_since: dict[str, float] = {}
        self.asked = -float("inf")
        self.answered = False  # the last squeue call answered

    def poll(self, jobs) -> None:
        import subprocess

        now = time.monotonic()
        if now - self.asked < self.SQUEUE_SECONDS:
            return
        self.asked = now
        arrays = sorted({str(j.job_id).split("_")[0] for j in jobs})
        if not arrays:
            return
        try:
            found = subprocess.run(["squeue", "-h", "-r", "-t", "all", "-o", "%i %T", "-j", ",".join(arrays)],
                                   capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as err:
            self.answered = False
            log.warning("runner=slurm: squeue did not answer (%s); trying again", err)
            return
        if found.returncode != 0 and "Invalid job id" not in found.stderr:
            self.answered = False
            log.warning("runner=slurm: squeue failed (%s); trying again", found.stderr.strip()[:200])
            return
        self.answered = True
        self.states = dict(line.split(None, 1) for line in found.stdout.splitlines() if line.strip())

    def outcome(self, job) -> str | None:
        """``result`` once the task's result is there, a state name once it died, else None."""
        if job.paths.result_pickle.exists():
            return "result"
        job_id = str(job.job_id)
        if not self.answered:
            self.gone_since.pop(job_id, None)  # no news is not death
            return None
        state = self.states.get(job_id, "GONE").split()[0].rstrip("+")
        if state in self.ACTIVE:
            self.gone_since.pop(job_id, None)
            return None
        first = self.gone_since.setdefault(job_id, time.monotonic())
        if time.monotonic() - first < self.GRACE_SECONDS:
            return None
        return state if state != "GONE" else "(no longer in squeue)"
