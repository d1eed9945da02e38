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
        while jobs:
            time.sleep(POLL_SECONDS)
            for i, job in list(jobs.items()):
                if not job.done():
                    continue
                del jobs[i]
                error = job.exception()
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
