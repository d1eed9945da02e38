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
from commsim.experiments.runner.threads import one_blas_thread_here
from threadpoolctl import threadpool_info, threadpool_limits
one_blas_thread_here()
import scipy.linalg  # loaded after: its own OpenBLAS
print(json.dumps({i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}))
"""


def blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def probe(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in threads.USER_SETTINGS}
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT,
                         env={**clean, **env}, check=True)
    return json.loads(res.stdout)


def test_a_command_process_uses_one_blas_thread_in_numpy_and_scipy_and_a_users_choice_is_kept():
    chosen = probe()
    assert len(chosen) == 2 and set(chosen.values()) == {1}, chosen  # NumPy's BLAS and SciPy's
    kept = probe(OPENBLAS_NUM_THREADS="2")
    assert set(kept.values()) == {2}, kept


def test_a_statistical_forecaster_fits_with_one_thread_and_gives_the_callers_back(monkeypatch):
    for name in threads.USER_SETTINGS:
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
    for name in ("ets", "arima", "theta"):  # the real ones are wrapped so
        assert BL.FORECASTERS[name].__wrapped__ is not None
