"""commsim's own work uses one BLAS thread (experiments/runner/threads.py): a command and its worker
processes from the start, a library call that fits statistical forecasters while it runs; a user's
own thread count is kept."""

import json
import os
import subprocess
import sys

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from commsim.experiments.analyses.calibration import baselines as BL
from commsim.experiments.runner import threads
from conftest import ROOT

PROBE = """
import json, sys
import numpy
from commsim.experiments.runner import threads
from threadpoolctl import threadpool_info
threads.one_blas_thread_here()
import scipy.linalg  # loaded after: its own OpenBLAS
print(json.dumps({"blas": {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"},
                  "limited": threads._process_wide}))
"""


def blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def probe(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in (*threads.USER_SETTINGS, threads.OURS)}
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT,
                         env={**clean, **env}, check=True)
    return json.loads(res.stdout)


def test_a_command_process_uses_one_blas_thread_in_numpy_and_scipy_and_a_users_choice_is_kept():
    chosen = probe()
    assert chosen["limited"] and chosen["blas"] and set(chosen["blas"].values()) == {1}, chosen  # NumPy's and SciPy's
    # a worker inherits the variables commsim's command set: not the user's choice, so it limits too (a BLAS
    # loaded before, or one that reads no variable, such as an OpenMP build of OpenBLAS)
    inherited = probe(OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **{threads.OURS: "1"})
    assert inherited["limited"] and set(inherited["blas"].values()) == {1}, inherited
    kept = probe(OPENBLAS_NUM_THREADS="2")
    assert not kept["limited"], "the user's own count is left alone"
    if (os.cpu_count() or 1) >= 2:  # OpenBLAS caps a count at the CPUs: on one CPU a kept 2 cannot be told from 1
        assert set(kept["blas"].values()) == {2}, kept


def test_a_statistical_forecaster_fits_with_one_thread_and_gives_the_callers_back(monkeypatch):
    for name in (*threads.USER_SETTINGS, threads.OURS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "_process_wide", False)  # a caller that is not a commsim command
    seen = []

    @threads.blas_single_threaded
    def forecaster(train, horizon):
        seen.extend(blas_threads())
        return BL.last_mean(train, horizon, 7)

    monkeypatch.setitem(BL.FORECASTERS, "last7", forecaster)
    with threadpool_limits(limits=2, user_api="blas"):  # the caller's own setting
        BL.forecast_all(np.arange(40.0), 7)
        assert set(blas_threads()) == {2}, "the caller's setting is restored"
    assert seen and set(seen) == {1}


def test_the_real_forecasters_and_nested_or_overlapping_blocks_limit_once(monkeypatch):
    import threading

    monkeypatch.setattr(threads, "_process_wide", False)
    for name in (*threads.USER_SETTINGS, threads.OURS):
        monkeypatch.delenv(name, raising=False)
    limited = []
    real = threads._limit
    monkeypatch.setattr(threads, "_limit", lambda: limited.append(1) or real())
    series = 100 + np.random.default_rng(0).normal(0, 5, 42)
    for name in ("ets", "arima", "theta"):
        BL.FORECASTERS[name](series, 7)
    assert len(limited) == 3, "each statistical forecaster fits under one_blas_thread"
    # two threads in overlapping blocks: one limit, restored only when the last block ends (the
    # bookkeeping; how a BLAS's thread count reads from another thread varies with threadpoolctl's version)
    events = []

    class Limits:
        def restore_original_limits(self):
            events.append("restored")

    monkeypatch.setattr(threads, "_limit", lambda: events.append("limited") or Limits())
    entered, release = threading.Barrier(2), threading.Event()

    def worker(wait):
        with threads.one_blas_thread():
            entered.wait()
            if wait:
                release.wait(10)
        events.append("ended")

    late = threading.Thread(target=worker, args=(True,))
    late.start()
    worker(False)  # ends first
    release.set()
    late.join()
    assert events == ["limited", "ended", "restored", "ended"], events
