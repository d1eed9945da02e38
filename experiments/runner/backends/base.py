"""What every backend shares: the interface and its errors."""

from __future__ import annotations

from typing import Callable, Protocol

from commsim.sim.errors import UserError


class BackendError(UserError, RuntimeError):
    """A backend could not run the jobs (no cluster there, a batch failed after its retries)."""


class Backend(Protocol):
    workers: int  # runs that may run at once

    def run(self, batches: list[list[dict]], done: Callable[[int], None]) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


def missing(package: str, kind: str) -> BackendError:
    return BackendError(f"runner={kind} needs the {package} package, which is not installed; install the cluster "
                        f"extra: pip install -e '.[cluster]'")
