"""Memory guard: refuse to build a graph and population that would not fit in memory.

The estimate counts what a run holds at its peak: the CSR graph (int64 row
pointers, int32 neighbour ids, plus the edge list while building it), the
population arrays, and the day's temporaries. It is compared with the memory
available now (``MemAvailable`` in /proc/meminfo, or ``COMMSIM_MEMORY_LIMIT``
bytes if set); a run that would need more stops with both numbers before
anything is allocated.
"""

from __future__ import annotations

import os

from sim.errors import UserError

# Calibrated on 1M people x 365 days, mean degree 10: measured peak RSS 486 MiB (baseline) and
# 726 MiB (all eight strategies); this estimate gives 722 MiB.
BASE_BYTES = 250 * 2**20  # interpreter, NumPy/SciPy/numba/pandas, compiled kernels
BYTES_PER_PERSON = 260  # population (~70 B), levers, strategy state, daily temporaries
BYTES_PER_TIE = 40  # both CSR directions (8 B) + the edge list and sort buffers while building


class MemoryGuardError(UserError, MemoryError):
    pass


def available_bytes() -> int | None:
    limit = os.environ.get("COMMSIM_MEMORY_LIMIT")
    if limit:
        return int(float(limit))
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def estimate_bytes(people: int, mean_degree: float) -> int:
    ties = people * mean_degree / 2
    return int(BASE_BYTES + people * BYTES_PER_PERSON + ties * BYTES_PER_TIE)


def expected_mean_degree(net) -> float | None:
    kind = net.kind
    if kind in ("barabasi_albert", "powerlaw_cluster"):
        return 2.0 * net.m
    if kind in ("erdos_renyi", "stochastic_block"):
        return float(net.mean_degree)
    if kind == "watts_strogatz":
        return float(net.k)
    if kind == "complete":
        return float(net.n - 1)
    return None  # karate and file graphs: size known only once read (small by nature)


def check(net) -> None:
    """Raise MemoryGuardError if the network config would not fit in available memory."""
    degree = expected_mean_degree(net)
    if degree is None:
        return
    need = estimate_bytes(net.n, degree)
    have = available_bytes()
    if have is not None and need > 0.8 * have:
        raise MemoryGuardError(
            f"network.n={net.n:,} with mean degree ~{degree:g} needs about {need / 2**30:.1f} GiB "
            f"(graph and population), but only {have / 2**30:.1f} GiB is available (80% may be used); "
            f"lower network.n or the degree, or free memory"
        )
