"""Where the job runner's runs run: ``runner=local|ray|slurm`` (configs/runner/).

The job runner (:mod:`experiments.jobs`) decides *what* runs -- the jobs that are not done -- and
cuts them into batches of plain payloads (:mod:`experiments.worker`); a backend decides *where*:

* ``local`` (:mod:`.local`) -- worker processes on this machine that stay alive across runs;
* ``ray`` (:mod:`.ray_cluster`) -- tasks on a Ray cluster, through Ray's own client API;
* ``slurm`` (:mod:`.slurm`) -- SLURM job arrays through submitit (or submitit's local executor).

Every backend has the same three duties: run each batch (every run writes its own directory, which
on a cluster is the shared results folder), call ``done(i)`` as batch ``i`` finishes, and retry a
batch whose worker died (killed, out of memory, a node lost) up to ``runner.retries`` times before it
gives up, naming the runs. Because a run's numbers depend only on its config, the backend never
changes them: the same job gives the same files everywhere (tests/test_backends.py).
"""

from __future__ import annotations

from typing import Callable, Protocol

from sim.errors import UserError


class BackendError(UserError, RuntimeError):
    """A backend could not run the jobs (no cluster there, a batch failed after its retries)."""


class Backend(Protocol):
    workers: int  # runs that may run at once

    def run(self, batches: list[list[dict]], done: Callable[[int], None]) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


KINDS = ("local", "ray", "slurm")


def make(settings, workers: int, where=None) -> Backend:
    """The backend ``settings`` (:class:`experiments.settings.RunnerSettings`) names, running at most
    ``workers`` runs at once; ``where``: the command's output folder (SLURM's logs go under it)."""
    if settings.kind == "local":
        from experiments.backends.local import LocalBackend

        return LocalBackend(workers, settings.retries)
    if settings.kind == "ray":
        from experiments.backends.ray_cluster import RayBackend

        return RayBackend(settings, workers)
    if settings.kind == "slurm":
        from experiments.backends.slurm import SlurmBackend

        return SlurmBackend(settings, workers, where)
    raise BackendError(f"runner.kind: unknown backend {settings.kind!r}; choose one of {', '.join(KINDS)}")


def missing(package: str, kind: str) -> BackendError:
    return BackendError(f"runner={kind} needs the {package} package, which is not installed; install the cluster "
                        f"extra: pip install -e '.[cluster]'")
