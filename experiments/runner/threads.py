"""One BLAS thread in commsim's own work.

commsim runs in parallel with processes, one per core (:mod:`experiments.runner`), and its linear
algebra is on small matrices: the Kalman filters of the backtest's statistical forecasters
(statsmodels' ETS, seasonal ARIMA and Theta, a state of about ten), a posterior's covariance. A
multi-threaded BLAS (NumPy and SciPy each bundle an OpenBLAS that starts one thread per core) gains
nothing there and loses to thread hand-offs, the more so when every core already runs a worker:
one seasonal ARIMA fit of 90 days took 1.20 s with OpenBLAS's default 2 threads and 0.37 s with 1,
on this project's 2-core machine while other work ran (``/tmp`` script, same fit 3 times each).

So commsim's commands and worker processes use one BLAS thread (:func:`one_blas_thread_here`, called
by every command's preflight and by every worker), and the library functions that do the small
linear algebra hold one while they run (:func:`one_blas_thread`), leaving a caller's own setting
alone outside them. A user who has chosen a thread count (``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS``, ``OMP_NUM_THREADS``) keeps it everywhere.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading

USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
# set beside the variables when commsim set them itself: a process it starts (a worker) inherits them,
# and must not take them for the user's choice (it still limits a BLAS it loaded before, and one that
# ignores the variables, such as an OpenMP build of OpenBLAS)
OURS = "COMMSIM_ONE_BLAS_THREAD"
_process_wide = False
_lock = threading.Lock()
_held = None  # the limits of the outermost one_blas_thread block in this process, while it runs
_depth = 0


def user_chose() -> bool:
    """Has the user set the BLAS thread count themselves (an environment variable commsim did not set)?"""
    return os.environ.get(OURS) != "1" and any(os.environ.get(name, "").strip() for name in USER_SETTINGS)


def _limit():
    """Limit every BLAS loaded once NumPy and SciPy's linear algebra are (each bundles its own in the
    PyPI wheels for Linux and Windows; on macOS arm64 they use Accelerate, which this leaves alone)."""
    import numpy  # noqa: F401 -- loads NumPy's BLAS
    import scipy.linalg  # noqa: F401 -- loads SciPy's, which statsmodels uses
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def one_blas_thread_here() -> None:
    """This whole process (a command, a worker) uses one BLAS thread from now on, and so do the
    processes it starts (through the environment), unless the user chose a count. Idempotent."""
    global _process_wide
    if _process_wide or user_chose():
        return
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"  # read by a BLAS when it loads
    os.environ[OURS] = "1"
    if "numpy" in sys.modules:  # one loaded before has started its threads already
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
    _process_wide = True


@contextlib.contextmanager
def one_blas_thread():
    """One BLAS thread inside the block, the caller's setting restored after it (or the user's
    chosen count kept throughout). Blocks may nest and overlap across threads: the outermost limits,
    the last to end restores (commsim itself enters them from one thread; how another thread sees
    the limit depends on the BLAS and on threadpoolctl's version)."""
    global _depth, _held
    if _process_wide or user_chose():
        yield
        return
    with _lock:
        if _depth == 0:
            _held = _limit()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _held, held = None, _held
                held.restore_original_limits()


def blas_single_threaded(function):
    """Decorator: ``function`` runs under :func:`one_blas_thread`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper
