"""Compare scenarios over shared replicate seeds: ``python -m experiments.compare experiment=<name>``.

Every scenario of ``compare.scenarios`` (a baseline plus plans) runs for the
same seeds ``first_seed .. first_seed + replicates - 1``: common random
numbers, so differences are paired. Each run is an ordinary run directory
(``results/reports/<name>/runs/<scenario>/seed<k>_<config hash>/``, with its
DONE marker); re-running a comparison reuses every finished run and computes
only what is missing. The report (:mod:`experiments.report`) is written last.

    python -m experiments.compare experiment=default_comparison
    python -m experiments.compare experiment=kol_vs_random compare.replicates=20 compare.jobs=2
"""

from __future__ import annotations

import json
import logging
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.run import USER_ERRORS, quiet_libraries
from sim.config import Config, ConfigError, register_configs, validate

log = logging.getLogger("commsim")
register_configs()


@dataclass
class Job:
    scenario: str
    seed: int
    config: Config
    out_dir: Path


@dataclass
class Replicates:
    """All runs of a comparison, loaded back from their directories."""

    summaries: pd.DataFrame  # one row per (scenario, seed)
    timeseries: pd.DataFrame  # one row per (scenario, seed, day)
    retention: pd.DataFrame  # one row per (scenario, seed, days_since_join)
    spend: pd.DataFrame


def plan_jobs(cfg: Config, base_overrides: list[str], compose, runs_dir: Path) -> list[Job]:
    """Compose and validate every scenario x seed before anything runs."""
    from experiments.outputs import config_hash

    spec = cfg.compare
    if not spec.scenarios:
        raise ConfigError([
            "compare.scenarios: no scenarios to compare; choose a named comparison with experiment=<name> "
            "(see configs/experiment/) or give compare.scenarios"
        ])
    jobs, problems = [], []
    for scenario, overrides in spec.scenarios.items():
        for seed in range(spec.first_seed, spec.first_seed + spec.replicates):
            try:
                job_cfg = validate(compose(base_overrides + list(overrides) + [f"seed={seed}", "progress=never"]))
            except ConfigError as err:
                problems += [f"scenario {scenario!r}: {p}" for p in err.problems]
                break
            except Exception as err:  # a Hydra override error names the bad override
                problems.append(f"scenario {scenario!r}: {err}")
                break
            digest = config_hash(job_cfg)[:8]
            jobs.append(Job(scenario, seed, job_cfg, runs_dir / scenario / f"seed{seed}_{digest}"))
    if problems:
        raise ConfigError(problems)
    return jobs


def run_job(config: Config, out_dir: Path) -> str:
    """Simulate one job and write its run directory (in a worker process)."""
    from experiments.outputs import write_run
    from sim.simulation import simulate

    start = time.perf_counter()
    result = simulate(config)
    write_run(result, out_dir, time.perf_counter() - start)
    return str(out_dir)


def run_jobs(jobs: list[Job], workers: int) -> None:
    from experiments.outputs import config_hash, finished_hash

    todo = [j for j in jobs if finished_hash(j.out_dir) != config_hash(j.config)]
    log.info("%d runs: %d already finished, %d to do (%d in parallel)",
             len(jobs), len(jobs) - len(todo), len(todo), workers)
    if not todo:
        return
    start = time.perf_counter()
    if workers == 1:
        for i, job in enumerate(todo, 1):
            run_job(job.config, job.out_dir)
            _progress(i, len(todo), start)
        return
    import multiprocessing

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_job, job.config, job.out_dir) for job in todo]
        for i, future in enumerate(as_completed(futures), 1):
            future.result()
            _progress(i, len(todo), start)


def _progress(done: int, total: int, start: float) -> None:
    elapsed = time.perf_counter() - start
    left = elapsed / done * (total - done)
    print(f"[commsim] runs {done:>4}/{total} | {elapsed:.0f} s, ~{left:.0f} s left", file=sys.stderr, flush=True)


def load(jobs: list[Job]) -> Replicates:
    summaries, series, retention, spend = [], [], [], []
    for job in jobs:
        tag = {"scenario": job.scenario, "seed": job.seed}
        summary = json.loads((job.out_dir / "summary.json").read_text())
        summaries.append({**tag, **summary})
        for frames, name in ((series, "timeseries"), (retention, "retention"), (spend, "spend")):
            df = pd.read_parquet(job.out_dir / f"{name}.parquet")
            frames.append(df.assign(**tag))
    spend_all = pd.concat(spend, ignore_index=True).fillna(0.0)
    return Replicates(pd.DataFrame(summaries), pd.concat(series, ignore_index=True),
                      pd.concat(retention, ignore_index=True), spend_all)


def compare(cfg: DictConfig, report_dir: Path, base_overrides: list[str], compose) -> Path:
    """Run (or resume) a comparison and write its report; returns the report path."""
    from experiments.report import write_report

    config = validate(cfg)
    jobs = plan_jobs(config, base_overrides, compose, report_dir / "runs")
    run_jobs(jobs, config.compare.jobs)
    return write_report(config, load(jobs), report_dir)


def _base_overrides() -> list[str]:
    """The command line's overrides, minus those that belong to the comparison itself."""
    keep = []
    for override in HydraConfig.get().overrides.task:
        key = override.split("=", 1)[0].lstrip("+~")
        if key.startswith(("compare.", "hydra.")) or key in ("seed", "progress"):
            continue
        keep.append(override)
    return keep


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    quiet_libraries()
    report_dir = Path(HydraConfig.get().runtime.output_dir)

    def compose(overrides):
        return hydra.compose(config_name="config", overrides=overrides)

    try:
        report = compare(cfg, report_dir, _base_overrides(), compose)
    except USER_ERRORS as err:
        print(f"commsim: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"report: {report}")


if __name__ == "__main__":
    main()
