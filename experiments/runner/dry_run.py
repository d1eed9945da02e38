"""``runner.dry_run=true`` (or ``--dry-run``): say what a command would run, run nothing.

The estimate comes from this machine, measured now: a short version of the command's first run (at
most 5,000 people) is executed into a temporary folder -- once to compile, then three times each for
``d`` and ``3d`` days (``d`` at most 30), the median of each kept: runs in a pool take a typical time,
not the best one, and on a shared machine two timings of one short run can differ by half -- which
gives a fixed cost per run
(building the graph, writing the outputs) and a cost per simulated day. Each job to do is then costed as

    fixed x max(1, people / people_timed) + per_day x days x people / people_timed (+ figures)

where ``figures``, the time a run's PNG figures take to draw (timed once, on its own), is added only
to the runs that draw them (a comparison draws them for each scenario's first replicate only).

(graph building and a day's work both grow linearly with the number of people, sim/memory.py), summed
over the jobs and divided by the workers. A command that works itself between its rounds of runs (a
calibration: building each run's config, its search's sampler) times that work now too
(``Runner.expect_own_work``) and adds it to the wall time: no worker shares it. It is an estimate: plans whose strategies start later in a
run, or a loaded machine, make it wrong by tens of percent; cluster nodes differ from this machine.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

from commsim.experiments.runner.worker import execute
from commsim.sim.memory import human_time

TIMED_PEOPLE = 5_000
TIMED_DAYS = 30
# What a dry run assumes of a cluster it does not contact (it never connects, so it works before one
# is started): the workers, and what each task pays before its first run.
ASSUMED_RAY_WORKERS = 8  # without runner.workers: a small cluster
RAY_TASK_START_SECONDS = 1.0  # a task's round trip and a worker's first import (numba caches per process)
SLURM_TASK_START_SECONDS = 10.0  # an array task: node start, Python and commsim imports, numba compilation


def people(config) -> int | None:
    return getattr(config.network, "n", None)


def shortened(config, days: int):
    net = config.network
    if people(config) and people(config) > TIMED_PEOPLE:
        net = dataclasses.replace(net, n=TIMED_PEOPLE)
    return dataclasses.replace(config, days=days, network=net)


def timing(config, figures: bool, measure: dict | None = None,
           outputs=frozenset()) -> tuple[float, float, int, float, float]:
    """(fixed seconds per run, seconds per simulated day, people timed, seconds its figures add, seconds
    saved by a run whose past was kept) for runs
    like ``config``, doing what the job does: its post-run ``measure`` (which draws no figures), its
    ``outputs``. The runs that give the first two draw no figures; drawing them (about a second, whatever
    the days) is timed once more, on the ``d``-day run, if ``figures``. A run that replays a past
    (``history_days``) replays it in each timing: the fixed cost is a run whose past no earlier run in
    its process kept; three more runs restore it (sim/past.py), which gives the last number (0 without a
    past)."""
    from commsim.sim import past

    d = max(2, min(TIMED_DAYS, config.days))
    drawn = 0.0
    figures = figures and not measure
    with tempfile.TemporaryDirectory(prefix="commsim-dry-run-") as tmp:
        took = []
        # a warm-up (compiling; drawing figures once, which imports matplotlib), then d and 3d days three
        # times each, the median of each: two runs a few tens of milliseconds apart are too close for one
        # timing each to tell a day's cost
        for i, days in enumerate((2, d, d, d, 3 * d, 3 * d, 3 * d)):
            if measure and "days" in measure.get("args", {}):
                measure = {**measure, "args": {**measure["args"], "days": days}}
            past.clear()
            start = time.perf_counter()
            execute(shortened(config, days), Path(tmp) / str(i), figures=figures and i == 0, measure=measure,
                    outputs=outputs)
            took.append(time.perf_counter() - start)
        if figures:
            past.clear()
            start = time.perf_counter()
            execute(shortened(config, d), Path(tmp) / "figures", figures=True, outputs=outputs)
            drawn = max(0.0, time.perf_counter() - start - sorted(took[1:4])[1])
        kept = []
        if config.history_days:  # the last timed run kept its past: a run that restores it instead
            if measure and "days" in measure.get("args", {}):
                measure = {**measure, "args": {**measure["args"], "days": d}}
            for i in range(3):
                start = time.perf_counter()
                execute(shortened(config, d), Path(tmp) / f"kept{i}", figures=False, measure=measure, outputs=outputs)
                kept.append(time.perf_counter() - start)
            past.clear()
    took = [took[0], sorted(took[1:4])[1], sorted(took[4:7])[1]]
    per_day = max(0.0, (took[2] - took[1]) / (2 * d))
    fixed = max(0.0, took[1] - per_day * d)
    saving = max(0.0, took[1] - sorted(kept)[1]) if kept else 0.0
    return fixed, per_day, people(shortened(config, d)) or 0, drawn, saving


def kept_pasts(todo: list, workers: int) -> int:
    """How many of the jobs ``todo`` may restore a replayed past rather than replay it (sim/past.py):
    each worker is assumed to replay every distinct past it meets once (the jobs spread over the workers)."""
    from commsim.sim import past

    counts: dict[str, int] = {}
    for job in todo:
        if job.config.history_days:
            key = past.key(job.config)
            counts[key] = counts.get(key, 0) + 1
    return sum(max(0, n - workers) for n in counts.values())


def job_seconds(job, fixed: float, per_day: float, timed_people: int) -> float:
    n = people(job.config)
    scale = n / timed_people if n and timed_people else 1.0
    return fixed * max(1.0, scale) + per_day * job.config.days * scale


def assumed_workers(runner) -> tuple[int, str]:
    """The workers an estimate divides by, and what was assumed to get them (never contacting a cluster)."""
    s = runner.settings
    if s.kind == "local":
        return runner.workers, ""
    if s.workers:
        return s.workers, "runner.workers"
    if s.kind == "ray" and not (s.address or os.environ.get("RAY_ADDRESS")):
        cpus = os.cpu_count() or 1  # a private instance on this machine gets its CPUs
        return cpus, f"a private Ray instance on this machine's {cpus} CPUs"
    if s.kind == "ray":
        return ASSUMED_RAY_WORKERS, (f"assumed {ASSUMED_RAY_WORKERS}: the cluster is not contacted; set "
                                     f"runner.workers=<its CPUs> for a truer estimate")
    return runner.workers, f"up to {runner.workers} array tasks at once, assumed to start together"


def start_up(runner, tasks: int, workers: int, size: int) -> tuple[float, str]:
    """Seconds of wall time the tasks spend starting (per wave of ``workers``), and the assumption."""
    kind = runner.settings.kind
    if kind == "local":
        return 0.0, ""
    each = RAY_TASK_START_SECONDS if kind == "ray" else SLURM_TASK_START_SECONDS
    waves = -(-tasks // max(1, workers))
    queue = " and no wait in the queue (a busy SLURM partition adds its own)" if kind == "slurm" else ""
    return each * waves, (f"{tasks:,} task{'s' if tasks != 1 else ''} of up to {size} run{'s' if size != 1 else ''}, "
                          f"each assumed to start in {each:g} s{queue}")


def describe(jobs: list, todo: list, runner) -> str:
    lines = [f"dry run (runner.dry_run=true): nothing was run; results would land in {where(jobs)}"]
    total = runner.expected[0] if runner.expected else len(jobs)
    how = f" ({runner.expected[1]})" if runner.expected and runner.expected[1] else ""
    lines.append(f"  runs: {total:,}{how}" + (f"; this first round: {len(jobs):,}" if runner.expected else "")
                 + f" -- {len(jobs) - len(todo):,} already finished, {len(todo):,} to do")
    sizes = sorted({(people(j.config), j.config.days) for j in jobs}, key=lambda s: (s[0] or 0, s[1]))
    shown = ", ".join(f"{n:,} people x {d:,} days" if n else f"{d:,} days" for n, d in sizes[:3])
    lines.append(f"  each run: {shown}{' ...' if len(sizes) > 3 else ''}")
    if todo:
        fixed, per_day, timed, drawn, saving = timing(todo[0].config, any(j.figures for j in todo),
                                                      todo[0].measure, todo[0].outputs)
        # drawing a run's figures costs the same whatever its size: not scaled by its people
        each = [job_seconds(j, fixed, per_day, timed) + (drawn if j.figures and not j.measure else 0.0) for j in todo]
        kept = kept_pasts(todo, assumed_workers(runner)[0])
        if saving and kept:  # runs whose replayed past a run before them in their process kept (sim/past.py)
            scale = max(1.0, (people(todo[0].config) or timed or 1) / (timed or 1))
            each = [e - saving * scale * kept / len(todo) for e in each]
        mean = sum(each) / len(each)
        bare = getattr(runner, "expected_bare", 0) if runner.expected else 0
        to_do = mean * (total - bare - (len(jobs) - len(todo))) if runner.expected else sum(each)
        if bare:  # later rounds without figures
            to_do += bare * sum(job_seconds(j, fixed, per_day, timed) for j in todo) / len(todo)
        available, assumed = assumed_workers(runner)
        workers = min(available, max(1, (total - (len(jobs) - len(todo))) if runner.expected else len(todo)))
        batches = runner.batches(todo, available)
        rounds_share = ((total - (len(jobs) - len(todo))) / len(todo)) if runner.expected else 1.0
        tasks = max(len(batches), round(len(batches) * rounds_share))  # later rounds start tasks of their own
        extra, how = start_up(runner, tasks, workers, max(len(b) for b in batches))
        figures = f" (+ {drawn:.2f} s for a run that draws its figures)" if drawn else ""
        if saving and kept:
            figures += (f"; {kept:,} of the {len(todo):,} runs to do restore a replayed past an earlier run in their "
                        f"process kept, {saving:.2f} s less each")
        lines.append(f"  this machine, timed now on {timed or 'the same'} people: {fixed:.2f} s per run + "
                     f"{per_day * 1e3:.2f} ms per simulated day{figures} -> about {human_time(mean)} per run")
        own, own_how = getattr(runner, "expected_own", (0.0, ""))
        lines.append(f"  compute: about {human_time(to_do)} of one core; about {human_time(to_do / workers + extra + own)} "
                     f"of wall time on {runner.settings.kind} with {workers} worker{'s' if workers != 1 else ''} "
                     f"({assumed or 'runner.workers'})")
        if own:
            lines.append(f"  between rounds: {own_how} -> {human_time(own)} included above")
        if how:
            lines.append(f"  start-up: {how} -> {human_time(extra)} included above")
    lines.append(f"  runner: {runner.settings.kind}" + (f", address {runner.settings.address or os.environ.get('RAY_ADDRESS') or 'a private local instance'}"
                                                      if runner.settings.kind == "ray" else ""))
    return "\n".join(lines)


def where(jobs: list) -> str:
    if not jobs:
        return "(no runs)"
    try:
        root = os.path.commonpath([str(j.out_dir) for j in jobs])
    except ValueError:
        return str(jobs[0].out_dir.parent)
    return root + ("/ (one folder per run)" if len(jobs) > 1 else "")
