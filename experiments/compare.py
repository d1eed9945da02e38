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
from dataclasses import dataclass
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from experiments.jobs import Job, run_jobs
from experiments.outputs import config_hash
from experiments.overrides import model_overrides
from experiments.run import quiet_libraries, report_user_errors
from experiments.settings import CompareSettings, load, model_config, register_configs
from sim.errors import ConfigError

log = logging.getLogger("commsim")
register_configs()


@dataclass
class Replicates:
    """All runs of a comparison, loaded back from their directories."""

    summaries: pd.DataFrame  # one row per (scenario, seed)
    timeseries: pd.DataFrame  # one row per (scenario, seed, day)
    retention: pd.DataFrame  # one row per (scenario, seed, days_since_join)
    spend: pd.DataFrame


def plan_jobs(spec: CompareSettings, base_overrides: list[str], compose, runs_dir: Path) -> list[Job]:
    """Compose and validate every scenario x seed before anything runs."""
    if not spec.scenarios:
        raise ConfigError([
            "compare.scenarios: no scenarios to compare; choose a named comparison with experiment=<name> "
            "(see configs/experiment/) or give compare.scenarios"
        ])
    jobs, problems = [], []
    calibrated = any(o.split("=", 1)[0] == "calibration" for o in base_overrides)
    for scenario, overrides in spec.scenarios.items():
        for seed in range(spec.first_seed, spec.first_seed + spec.replicates):
            run_overrides = base_overrides + list(overrides) + [f"seed={seed}"]
            if calibrated and not any(o.startswith("calibration_draw=") for o in run_overrides):
                run_overrides.append(f"calibration_draw={seed}")  # each replicate its own posterior draw
            try:
                config = model_config(compose(run_overrides), run_overrides)
            except ConfigError as err:
                problems += [f"scenario {scenario!r}: {p}" for p in err.problems]
                break
            except Exception as err:  # a Hydra override error names the bad override
                problems.append(f"scenario {scenario!r}: {err}")
                break
            out_dir = runs_dir / scenario / f"seed{seed}_{config_hash(config)[:8]}"
            jobs.append(Job(config, out_dir, label=f"{scenario} seed {seed}", tags={"scenario": scenario, "seed": seed}))
    if problems:
        raise ConfigError(problems)
    return jobs


def load_runs(jobs: list[Job]) -> Replicates:
    summaries, series, retention, spend = [], [], [], []
    for job in jobs:
        tag = job.tags
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

    config, settings = load(cfg)
    jobs = plan_jobs(settings.compare, base_overrides, compose, report_dir / "runs")
    run_jobs(jobs, settings.compare.jobs, progress=settings.progress)
    configs = {job.tags["scenario"]: job.config for job in jobs}
    return write_report(config, settings.compare, load_runs(jobs), report_dir, configs)


def _base_overrides() -> list[str]:
    """The command line's model overrides (the comparison sets each run's seed itself)."""
    return model_overrides(list(HydraConfig.get().overrides.task), drop=("seed",))


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    quiet_libraries()
    report_dir = Path(HydraConfig.get().runtime.output_dir)

    def compose(overrides):
        return hydra.compose(config_name="config", overrides=overrides)

    report = report_user_errors(lambda: compare(cfg, report_dir, _base_overrides(), compose))
    print(f"report: {report}")


if __name__ == "__main__":
    main()
