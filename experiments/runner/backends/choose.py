"""Pick the backend a command's ``runner.*`` settings name."""

from __future__ import annotations

from commsim.experiments.runner.backends.base import Backend, BackendError

KINDS = ("local", "ray", "slurm")


def make(settings, workers: int, where=None) -> Backend:
    """The backend ``settings`` (:class:`experiments.settings.RunnerSettings`) names, running at most
    ``workers`` runs at once; ``where``: the command's output folder (SLURM's logs go under it)."""
    if settings.kind == "local":
        from commsim.experiments.runner.backends.local import LocalBackend

        return LocalBackend(workers, settings.retries)
    if settings.kind == "ray":
        from commsim.experiments.runner.backends.ray_cluster import RayBackend

        return RayBackend(settings, workers)
    if settings.kind == "slurm":
        from commsim.experiments.runner.backends.slurm import SlurmBackend

        return SlurmBackend(settings, workers, where)
    raise BackendError(f"runner.kind: unknown backend {settings.kind!r}; choose one of {', '.join(KINDS)}")


