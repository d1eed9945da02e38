"""``runner=local``: worker processes on this machine (spawned, alive across runs, so each imports
and compiles the numba kernels once). A worker that dies mid-run (killed, out of memory) breaks the
pool; the pool is rebuilt and the unfinished batches are submitted again, up to ``retries`` times."""

from __future__ import annotations

import ast
import logging
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from commsim.experiments.runner.backends.base import BackendError
from commsim.experiments.runner.worker import die_with_parent, execute_batch

log = logging.getLogger("commsim")


class LocalBackend:
    def __init__(self, workers: int, retries: int = 2):
        self.workers, self.retries = max(1, int(workers)), int(retries)
        self._pool: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            script = unguarded_main_script()
            if script is not None:
                raise BackendError(
                    f"worker processes cannot start: {script} has no `if __name__ == \"__main__\":` guard. "
                    f"Each worker process starts by importing that script, which would start the work (and "
                    f"its workers) again. Put the calls under the guard:\n\n    if __name__ == \"__main__\":\n"
                    f"        result = api.compare(...)\n\nor run the work in this process (runner.workers=1, "
                    f"compare.jobs=1).")
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                             initializer=die_with_parent, initargs=(os.getpid(),))
        return self._pool

    def run(self, batches, done) -> None:
        """Run ``batches`` (a list, or an iterator whose batches are sent as they come: the workers run
        while the caller makes the next); ``done(i)`` after batch ``i`` finishes."""
        streamed = not isinstance(batches, (list, tuple))
        left: dict = {} if streamed else dict(enumerate(batches))
        source = enumerate(batches) if streamed else iter(())
        if not left and not streamed:
            return
        attempts = 0
        while True:
            try:
                self._run_once(left, source, done)
                return
            except BrokenProcessPool:
                self._pool = None  # a worker died: every unfinished batch of the broken pool goes again
                attempts += 1
                if attempts > self.retries:
                    raise BackendError(f"a worker process died {attempts} times (killed, or out of memory?); "
                                       f"{sum(map(len, left.values()))} runs are unfinished, e.g. "
                                       f"{next(iter(left.values()))[0]['out_dir']}; the finished ones are kept: "
                                       f"run the command again to resume") from None
                log.warning("a worker process died; retrying the %d unfinished runs (attempt %d of %d)",
                            sum(map(len, left.values())), attempts, self.retries)

    def _run_once(self, left: dict, source, done) -> None:
        pool = self.pool()
        pending = {pool.submit(execute_batch, batch): i for i, batch in left.items()}
        for i, batch in source:  # the batches still to come: each sent at once, finished ones taken as they end
            left[i] = batch
            pending[pool.submit(execute_batch, batch)] = i
            finished, _ = wait(pending, timeout=0, return_when=FIRST_COMPLETED)
            self._take(finished, pending, left, done)
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            self._take(finished, pending, left, done)

    @staticmethod
    def _take(finished, pending: dict, left: dict, done) -> None:
        for future in finished:
            i = pending.pop(future)
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                raise error
            if error is not None:
                for other in pending:
                    other.cancel()
                error.add_note("commsim: in one of the runs " + ", ".join(p["out_dir"] for p in left[i][:3]))
                raise error
            del left[i]
            done(i)


def unguarded_main_script() -> str | None:
    """The script this program was started as, if worker processes would run it again: Python's
    "spawn" start method imports the ``__main__`` file in every new worker, so a script that calls
    commsim at its top level without an ``if __name__ == "__main__":`` guard would restart the work in
    each worker (which Python refuses, and the pool breaks with no hint). None when started otherwise
    (``python -m``, a notebook, an interactive session) or when the script has the guard."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not str(path).endswith(".py") or getattr(main, "__spec__", None) is not None:
        return None
    try:
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.If) and any(isinstance(n, ast.Name) and n.id == "__name__" for n in ast.walk(node.test)):
            return None
    return str(path)
