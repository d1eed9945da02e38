"""``runner=ray``: the runs as tasks on a Ray cluster, through Ray's own client API.

``runner.address`` (or ``RAY_ADDRESS``) names an existing cluster -- ``127.0.0.1:6379`` for a head
started with ``ray start --head --node-ip-address=127.0.0.1``, ``auto`` for the cluster of the node this
runs on, ``ray://host:10001`` for Ray Client. Without one, Ray starts a private single-machine
instance for the command and stops it at the end.

Tasks carry plain payloads (configs as dicts, :mod:`experiments.runner.worker`), a few runs each; at most
``2 x workers`` tasks are in flight (workers: ``runner.workers``, else the cluster's CPUs), and results
are collected with ``ray.wait`` as they finish, never one blocking ``ray.get`` after another. A task
whose worker process dies is retried by Ray itself (``max_retries = runner.retries``); a run that
raises an error is not retried (it would fail again) and stops the command with Ray's traceback.
Every node must have commsim installed (the same version) and see the results folder at the same
path (a shared file system): see docs/cluster.md.
"""

from __future__ import annotations

import logging
import os

from commsim.experiments.runner.backends.base import BackendError, missing
from commsim.experiments.runner.worker import execute_batch

log = logging.getLogger("commsim")


def reachable(address: str | None, seconds: float = 3.0) -> None:
    """Fail fast, and clearly, when a ``host:port`` address has nobody listening (Ray itself retries for
    minutes)."""
    import socket

    if not address or address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=seconds):
            return
    except (OSError, ValueError) as err:
        raise BackendError(f"runner=ray: cannot connect to the Ray cluster at {address}: {err}; start one (ray start "
                           f"--head --node-ip-address=127.0.0.1 --port={port}) or fix runner.address") from None


class RayBackend:
    def __init__(self, settings, workers: int | None):
        try:
            import ray
        except ImportError:
            raise missing("ray", "ray") from None
        self.ray = ray
        self.address = settings.address or os.environ.get("RAY_ADDRESS") or None
        self._owned = False
        if not ray.is_initialized():
            reachable(self.address)
            try:
                # a private instance gets this machine's CPUs (runner.workers: fewer), as a cluster would its own
                own = {} if self.address else {"num_cpus": int(settings.workers or os.cpu_count() or workers or 1),
                                               "include_dashboard": False}
                ray.init(address=self.address, log_to_driver=False, configure_logging=False, **own)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise BackendError(f"runner=ray: cannot connect to the Ray cluster at {self.address!r}: "
                                   f"{str(err).splitlines()[0]}; start one (ray start --head "
                                   f"--node-ip-address=127.0.0.1) or fix runner.address") from None
            self._owned = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, int(settings.workers or cpus))
        self.retries = int(settings.retries)
        self.task = ray.remote(num_cpus=1, max_retries=self.retries)(execute_batch)

    def describe(self) -> str:
        where = self.address or "a private local Ray instance"
        return f"Ray at {where} ({self.workers} tasks at once)"

    def close(self) -> None:
        if self._owned and self.ray.is_initialized():
            self.ray.shutdown()
        self._owned = False

    def run(self, batches: list[list[dict]], done) -> None:
        ray = self.ray
        queue = list(enumerate(batches))[::-1]
        flight: dict = {}
        try:
            while queue or flight:
                while queue and len(flight) < 2 * self.workers:
                    i, batch = queue.pop()
                    flight[self.task.remote(batch)] = i
                ready, _ = ray.wait(list(flight), num_returns=1)
                for ref in ready:
                    i = flight.pop(ref)
                    try:
                        ray.get(ref)
                    except ray.exceptions.RayTaskError as err:
                        cause = err.as_instanceof_cause()
                        cause.add_note("commsim: in one of the runs " + ", ".join(p["out_dir"] for p in batches[i][:3]))
                        raise cause from None
                    except ray.exceptions.RayError as err:  # a worker, node, object or raylet lost; out of memory
                        raise BackendError(f"runner=ray: a task failed after {self.retries} retries "
                                           f"({type(err).__name__}); runs such as {batches[i][0]['out_dir']} are "
                                           f"unfinished; the finished ones are kept: run the command again to "
                                           f"resume") from None
                    done(i)
        finally:
            for ref in flight:
                ray.cancel(ref, force=True)
