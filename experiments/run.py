"""Run one scenario: ``python -m experiments.run [overrides]``.

A Hydra app over configs/. Validates the whole config before any work, runs
the model, and writes outputs into the Hydra output directory (see
:mod:`experiments.runner.outputs`). Whether the directory already holds this run, a
different one, or none follows the job runner's one rule
(:mod:`experiments.runner.jobs`): a finished run of this config is skipped, one of a
different config is refused unless ``overwrite=true``.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from commsim.experiments.runner.jobs import CONFLICT, DONE, DryRun, Job, Runner, RunDirError, execute, status
from commsim.experiments.settings import load, register_configs
from commsim.sim.errors import UserError

log = logging.getLogger("commsim")


def quiet_libraries() -> None:
    for noisy in ("MESA", "matplotlib"):  # Mesa logs every step at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)


def hydra_app() -> tuple[Path, list[str]]:
    """Inside a command's Hydra main: quiet the libraries; its output directory and command-line overrides."""
    quiet_libraries()
    return Path(HydraConfig.get().runtime.output_dir), list(HydraConfig.get().overrides.task)


def compose_run(overrides: list[str]):
    """configs/config.yaml with these overrides, inside a running Hydra app (a scenario, a plan)."""
    return hydra.compose(config_name="config", overrides=overrides)


register_configs()


def run(cfg: DictConfig, out_dir: Path, overrides: list[str] | None = None) -> dict | None:
    """Validate, simulate, write. Returns the summary (None if skipped). ``overrides``: the
    command line's (they win over a calibrated twin's values)."""
    config, settings = load(cfg, overrides)
    job = Job(config, out_dir, outputs=requested_outputs(settings))
    state = status(job)
    if settings.runner.dry_run:
        from commsim.experiments.runner.dry_run import describe

        raise DryRun(describe([job], [] if state == DONE else [job], Runner.from_settings(settings, 1)))
    if state == CONFLICT and not settings.overwrite:
        raise RunDirError(f"{out_dir} holds a finished run of a different configuration; choose another "
                          f"hydra.run.dir, or pass overwrite=true to replace it")
    if state == DONE and not settings.overwrite:
        log.info("skipping %s: it already holds a finished run of this configuration "
                 "(overwrite=true to redo it)", out_dir)
        return None
    start = time.perf_counter()
    s = execute(config, out_dir, progress=settings.progress, outputs=job.outputs)
    log.info("finished %d days in %.1f s: %d members, mean DAU (last 30 days) %.0f -> %s",
             s["days"], time.perf_counter() - start, s["final_members"], s["mean_dau_last30"], out_dir)
    warn_budget(config, s)
    if config.calibration:
        from commsim.experiments.reports.twin import health_warnings

        for warning in health_warnings(config.calibration):
            log.warning("the twin %s: %s (its calibration's report.md says more)", config.calibration, warning)
    return s


def warn_budget(config, summary: dict, label: str = "") -> None:
    """Say when a plan's budget ran out: from that day its strategies got less than they asked for."""
    day = summary.get("budget_exhausted_day")
    if day is not None:
        log.warning("%sthe budget of %s ran out on day %d of %d: from then on the plan's strategies got less "
                    "money than they asked for (summary.json: budget_exhausted_day)", label,
                    f"{config.plan.budget:,.0f}", day, summary["days"])


def requested_outputs(settings) -> frozenset:
    """The optional outputs the settings ask for (``outputs.activity_log=true`` ...)."""
    return frozenset(name for name in ("activity_log",) if getattr(settings.outputs, name))


def report_user_errors(fn):
    """Run ``fn()``; a :class:`~sim.errors.UserError` becomes a message and exit status 2; a dry run's
    plan (:class:`experiments.runner.jobs.DryRun`) is printed, exit status 0."""
    try:
        return fn()
    except DryRun as plan:
        print(plan)
        sys.exit(0)
    except UserError as err:
        print(f"commsim: {err}", file=sys.stderr)
        sys.exit(2)


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    quiet_libraries()
    report_user_errors(lambda: run(cfg, out_dir, list(HydraConfig.get().overrides.task)))


if __name__ == "__main__":
    from commsim.experiments.cli import preflight

    preflight("config")
    main()
