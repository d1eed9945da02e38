"""Size guard: refuse a run that would not fit in memory, or would take longer than allowed.

The memory estimate counts what a run holds at its peak: the CSR graph (int64 row pointers,
int32 neighbour ids, plus the edge list while building it), the population arrays, the
day's temporaries, the per-topic arrays, and the daily records kept for the whole run. It is
compared with the memory available now (``MemAvailable`` in /proc/meminfo, or
``COMMSIM_MEMORY_LIMIT``: bytes, or with a unit, ``8G``); a run that would need more than 80% of
it stops with both numbers before anything is allocated. The time estimate (people x days at a
measured speed) stops a run that would take longer than ``COMMSIM_TIME_LIMIT`` (seconds; default
a week), again with both numbers.
"""

from __future__ import annotations

import math
import os
import re

from commsim.sim.errors import UserError

# Calibrated on peak RSS, mean degree 10, 365 days, measured in fresh processes (python -m
# experiments.benchmarks --only scale, MODEL_VERSION 4.0): baseline plan 448 MiB at 1M people and
# 2,065 MiB at 10M (188 B per person with its 5 ties); all eight strategies 726 MiB at 1M (measured under
# MODEL_VERSION 3.0: +~250 B per person for levers, strategy state and their temporaries). 100M people
# peaked at 15.9 GiB when built (3.0, before trust's 16 B per person); this estimate gives 17.8 GiB.
BASE_BYTES = 268 * 2**20  # interpreter, NumPy/SciPy/numba/pandas, compiled kernels, Mesa
BYTES_PER_PERSON = 108  # population arrays (trust, crisis days and value included), the day's temporaries
BYTES_PER_PERSON_STRATEGIES = 250  # with any strategy in the plan
BYTES_PER_TIE = 16  # both CSR directions (int32 ids) and the int64 edge list while building
# Measured: 300 people for 20,000 days keep 1.3 KiB per day (baseline) and 2.9 KiB (all eight
# strategies) of daily records and calendar arrays; per-topic arrays are a few float64 each.
BYTES_PER_DAY = 4 * 2**10
BYTES_PER_TOPIC = 64
# Measured: 1M people x 365 days step in 24 s (6.6e-8 s per person-day, baseline); 300 people
# take 0.15 ms (baseline) to 0.30 ms (all strategies) a day whatever their number.
SECONDS_PER_PERSON_DAY = 1e-7
SECONDS_PER_DAY = 3e-4
DEFAULT_TIME_LIMIT = 7 * 86400
UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 2**10, "kib": 2**10, "m": 2**20, "mb": 2**20, "mib": 2**20,
         "g": 2**30, "gb": 2**30, "gib": 2**30, "t": 2**40, "tb": 2**40, "tib": 2**40}


class MemoryGuardError(UserError, MemoryError):
    pass


def parse_size(text: str, name: str = "COMMSIM_MEMORY_LIMIT") -> int:
    """``8e9``, ``8G``, ``512MiB`` -> bytes; anything else is a clear error."""
    match = re.fullmatch(r"\s*([0-9.eE+]+)\s*([a-zA-Z]*)\s*", text)
    value = None
    if match and match.group(2).lower() in UNITS:
        try:
            value = float(match.group(1)) * UNITS[match.group(2).lower()]
        except ValueError:
            value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise MemoryGuardError(f"{name}={text!r} is not a size; give bytes or a size with a unit, e.g. 8e9 or 8G")
    return int(value)


def available_bytes() -> int | None:
    limit = os.environ.get("COMMSIM_MEMORY_LIMIT")
    if limit:
        return parse_size(limit)
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def time_limit() -> float:
    text = os.environ.get("COMMSIM_TIME_LIMIT")
    if not text:
        return DEFAULT_TIME_LIMIT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise MemoryGuardError(f"COMMSIM_TIME_LIMIT={text!r} is not a number of seconds, e.g. 86400")
    return value


def estimate_bytes(people: int, mean_degree: float, days: int = 0, topics: int = 0, strategies: bool = False) -> int:
    """Peak memory of a run (bytes): see the calibration above. ``strategies``: the plan has any."""
    ties = people * mean_degree / 2
    per_person = BYTES_PER_PERSON + (BYTES_PER_PERSON_STRATEGIES if strategies else 0)
    return int(BASE_BYTES + people * per_person + ties * BYTES_PER_TIE + days * BYTES_PER_DAY
               + topics * BYTES_PER_TOPIC)


def estimate_seconds(people: int, days: int) -> float:
    return days * (SECONDS_PER_DAY + people * SECONDS_PER_PERSON_DAY)


BYTES_PER_RUN_DIR = 64 * 2**10  # config, summary, parquet tables and figures of one run
BYTES_PER_RUN_DAY = 200


def check_runs(runs: int, people: int, days: int, workers: int, what: str, fewer: str) -> None:
    """Refuse ``runs`` runs of ``people`` x ``days`` on ``workers`` processes that would take longer
    than the time limit (``COMMSIM_TIME_LIMIT``), before any work, with the numbers: ``what`` says
    how the count arose, ``fewer`` which settings would lower it."""
    seconds = runs * estimate_seconds(people or 0, days) / max(1, workers)
    if seconds > time_limit():
        disk = runs * (BYTES_PER_RUN_DIR + days * BYTES_PER_RUN_DAY)
        raise MemoryGuardError(f"{what} = {runs:,} runs of {people or 0:,} people x {days:,} days would take about "
                               f"{human_time(seconds)} on {workers} process(es) and about {human_bytes(disk)} of "
                               f"disk, more than the limit of {human_time(time_limit())}; use {fewer}, or raise "
                               f"COMMSIM_TIME_LIMIT (seconds)")


def human_time(seconds: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.1f} s"


def human_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 2**10:.0f} KiB"


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


def check(cfg) -> None:
    """Raise MemoryGuardError if the run config ``cfg`` (a :class:`sim.config.Config`) would not fit
    in available memory or would take longer than the time limit."""
    net = cfg.network
    degree = expected_mean_degree(net)
    people = getattr(net, "n", 0)
    topics = cfg.population.topics if not hasattr(net, "groups") else net.groups
    need = estimate_bytes(people, degree or 0.0, cfg.days, topics, strategies=bool(cfg.plan.strategies))
    have = available_bytes()
    seconds = estimate_seconds(people, cfg.days + cfg.history_days)  # a replayed past costs its days too
    size = (f"network.n={people:,} with mean degree ~{degree:g}" if degree is not None else "this network") + \
        f", days={cfg.days:,}, {topics:,} topics"
    if have is not None and need > 0.8 * have:
        raise MemoryGuardError(
            f"{size} needs about {human_bytes(need)} (graph, population, daily records) and about "
            f"{human_time(seconds)} of compute, but only {human_bytes(have)} is available (80% may be used); "
            f"lower network.n, days, population.topics or the degree, or free memory")
    if seconds > time_limit():
        raise MemoryGuardError(
            f"{size} would take about {human_time(seconds)} of compute (and {human_bytes(need)} of memory), more "
            f"than the limit of {human_time(time_limit())}; lower network.n or days, or raise COMMSIM_TIME_LIMIT "
            f"(seconds)")
