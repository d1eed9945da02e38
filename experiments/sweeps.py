"""Collect a multirun sweep into one tidy table, with response curves and a heatmap.

``python -m experiments.run -m strategies.content.posts_per_week=0,7,14 seed='range(5)'``
runs one job per combination into ``results/sweeps/<sweep_name>/<overrides>/``;
at the end of the sweep the :class:`CollectSweep` Hydra callback (registered
in configs/config.yaml) writes, into the sweep directory:

* ``sweep.parquet``: one row per finished run -- the swept parameters (from
  each job's ``.hydra/overrides.yaml``), every summary KPI, and the run dir;
* ``figures/response_<param>.png``: each KPI against each swept parameter: mean and 95% CI over
  the seeds, one line per setting of the other swept parameters (more than eight settings: the
  mean over them and the 10th-90th percentile of the runs);
* ``figures/heatmap.png`` when exactly two parameters besides the seed were swept.

``python -m experiments.sweeps <sweep dir>`` does the same for any sweep
directory, e.g. one whose sweep was interrupted.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from pathlib import Path

import pandas as pd
import yaml
from hydra.experimental.callback import Callback

from commsim.experiments.runner.jobs import finished_job
from commsim.experiments.runner.outputs import atomic_write
from commsim.experiments.overrides import allowed_values, job_parameters
from commsim.sim.metrics import KPIS

RESPONSE_KPIS = [name for name, k in KPIS.items() if k.response]
log = logging.getLogger("commsim")


class EmptySweepError(RuntimeError):
    pass


def finished_runs(sweep_dir: Path, damaged: list | None = None) -> list[Path]:
    """Run directories under ``sweep_dir`` that hold a finished run (the job runner's rule); every
    other job folder (one Hydra started: it has ``.hydra/``) is appended to ``damaged`` as (run, reason)."""
    sweep_dir = Path(sweep_dir)
    marked = {p.parent for p in sweep_dir.rglob("DONE")}  # override values may hold "/"
    started = {p.parent.parent for p in sweep_dir.rglob(".hydra/overrides.yaml")}
    out = []
    for run in sorted(marked | started):
        if run in marked and finished_job(run) is not None:
            out.append(run)
        elif damaged is not None:
            damaged.append((run, "not finished: interrupted or failed, or its outputs changed since they were "
                                 "written"))
    return out


def run_overrides(run: Path) -> list[str] | None:
    """A sweep job's overrides (its ``.hydra/overrides.yaml``), or None (with a warning) if missing or broken."""
    path = run / ".hydra" / "overrides.yaml"
    try:
        data = yaml.safe_load(path.read_text()) or []
    except (OSError, yaml.YAMLError) as err:
        log.warning("skipping %s: %s is %s", run, path.name,
                    "missing" if isinstance(err, FileNotFoundError) else f"unreadable ({str(err).splitlines()[0]})")
        return None
    if not isinstance(data, list) or not all(isinstance(o, str) for o in data):
        log.warning("skipping %s: %s is not a list of overrides", run, path.name)
        return None
    return data


def current_jobs(sweep_dir: Path, runs: list[Path]) -> list[Path]:
    """The runs that belong to the last multirun launched into ``sweep_dir`` (its
    multirun.yaml): a sweep dir reused with other overrides also holds older runs."""
    spec = Path(sweep_dir) / "multirun.yaml"
    if not spec.is_file():
        return runs
    try:
        hydra_cfg = (yaml.safe_load(spec.read_text()) or {}).get("hydra", {}) or {}
    except (OSError, yaml.YAMLError, AttributeError) as err:
        log.warning("%s is unreadable (%s); collecting every finished run in the folder", spec,
                    str(err).splitlines()[0])
        return runs
    task = hydra_cfg.get("overrides", {}).get("task", [])
    params = (hydra_cfg.get("sweeper", {}) or {}).get("params", {}) or {}
    allowed = allowed_values([f"{k}={v}" for k, v in params.items()])  # an experiment's sweep ...
    allowed.update(allowed_values(task))  # ... which the command line overrides
    keep = []
    for run in runs:
        overrides = run_overrides(run)
        if overrides is None:
            continue
        job = allowed_values(overrides)
        if job.keys() == allowed.keys() and all(v <= allowed[k] for k, v in job.items()):
            keep.append(run)
    return keep


def collect(sweep_dir: Path, only_current: bool = True) -> pd.DataFrame:
    """One row per finished run of the sweep in ``sweep_dir``; writes sweep.parquet and figures."""
    sweep_dir = Path(sweep_dir)
    damaged: list[tuple[Path, str]] = []
    runs = finished_runs(sweep_dir, damaged)
    if only_current:
        runs = current_jobs(sweep_dir, runs)
    if not runs:
        raise EmptySweepError(
            f"{sweep_dir}: the sweep has no finished runs -- it launched no jobs (an empty sweep, "
            f"e.g. seed='range(0)'?) or every job failed"
        )
    rows, param_names = [], {}
    for run in runs:
        overrides = run_overrides(run)
        if overrides is None:
            damaged.append((run, "its .hydra/overrides.yaml is missing or unreadable: which point it is is unknown"))
            continue
        params = job_parameters(overrides)
        param_names.update(dict.fromkeys(params))
        try:
            summary = json.loads((run / "summary.json").read_text())
        except (OSError, json.JSONDecodeError) as err:
            log.warning("skipping %s: summary.json is unreadable (%s)", run, str(err).splitlines()[0])
            damaged.append((run, "its summary.json is unreadable"))
            continue
        rows.append({**params, **{k: v for k, v in summary.items() if k not in params}, "run_dir": str(run)})
    table = pd.DataFrame(rows)
    for column in table.columns:  # keep parquet happy with mixed types in swept columns
        if table[column].map(type).nunique() > 1:
            table[column] = table[column].astype(str)
    atomic_write(sweep_dir / "sweep.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    swept = [c for c in param_names if c != "seed" and table[c].nunique(dropna=False) > 1]
    for stale in [*(sweep_dir / "figures").glob("response_*.png"), sweep_dir / "figures" / "heatmap.png"]:
        stale.unlink(missing_ok=True)  # an earlier sweep into this folder swept other keys
    if swept:
        sweep_figures(table, swept, sweep_dir / "figures")
    table.attrs["damaged"] = [(str(run), why) for run, why in damaged]
    return table


MAX_LINES = 8  # settings of the other swept parameters drawn as lines of their own


def sweep_figures(table: pd.DataFrame, swept: list[str], fig_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from commsim.experiments.analyses.stats import mean_ci

    fig_dir.mkdir(parents=True, exist_ok=True)
    kpis = [k for k in RESPONSE_KPIS if k in table.columns]
    for param in swept:
        others = [p for p in swept if p != param]
        # one line per setting of the other swept parameters, each with its CI over the seeds; pooled over
        # them, a "CI over replicates" would mostly measure the other parameters (with one seed, only them)
        lines = list(table.groupby(others, sort=True, dropna=False)) if others else [((), table)]
        pooled = len(lines) > MAX_LINES
        if pooled:
            lines = [((), table)]
        numeric = pd.api.types.is_numeric_dtype(table[param]) and not pd.api.types.is_bool_dtype(table[param])
        fig, axes = plt.subplots(1, len(kpis), figsize=(4 * len(kpis), 3.6), layout="constrained", squeeze=False)
        axes = axes[0]
        for ax, kpi in zip(axes, kpis):
            for key, part in lines:
                xs, means, lows, highs = [], [], [], []
                for value, sub in part.groupby(param, sort=True):
                    vals = sub[kpi].astype(float)
                    if pooled:  # the spread of the runs, not a CI: the other parameters vary within each value
                        low, high = vals.quantile([0.1, 0.9]) if vals.notna().any() else (math.nan, math.nan)
                        mean = vals.mean()
                    else:
                        ci = mean_ci(vals) if vals.notna().sum() >= 2 else None
                        mean, low, high = (ci.mean, ci.low, ci.high) if ci else (vals.mean(), math.nan, math.nan)
                    xs.append(value if numeric else str(value))
                    means.append(mean)
                    lows.append(low)
                    highs.append(high)
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(f"{p}={v}" for p, v in zip(others, key)) if others and not pooled else None
                ax.plot(xs, means, marker="o", label=label)
                ax.fill_between(xs, lows, highs, alpha=0.2)
            ax.set_xlabel(param)
            ax.set_ylabel(KPIS[kpi].label)
            ax.grid(alpha=0.3)
            if not numeric:
                ax.tick_params(axis="x", rotation=30)
        if others and not pooled:
            axes[0].legend(fontsize=7, frameon=False)
        fig.suptitle(f"Response to {param}: mean over runs, 10th-90th percentile of runs (the other swept "
                     f"parameters vary within each value)" if pooled else
                     f"Response to {param}: mean and 95% CI over seeds" + (", one line per setting of the others"
                                                                           if others else ""))
        fig.savefig(fig_dir / f"response_{param.replace('/', '_')}.png", dpi=100)
        plt.close(fig)
    if len(swept) == 2:
        a, b = swept
        kpi = "mean_dau_last30"
        grid = table.pivot_table(index=a, columns=b, values=kpi, aggfunc="mean")
        fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
        image = ax.imshow(grid.to_numpy(), aspect="auto", origin="lower", cmap="viridis")
        ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
        ax.set_xlabel(b)
        ax.set_ylabel(a)
        fig.colorbar(image, label=KPIS[kpi].label)
        ax.set_title(f"{KPIS[kpi].label} (mean over replicates)")
        fig.savefig(fig_dir / "heatmap.png", dpi=100)
        plt.close(fig)


def launch(hydra_context, config, job_overrides, initial_job_idx: int) -> list:
    """``hydra/launcher=commsim``: validate every job of a multirun, then run them through the job
    runner (``runner=local|ray|slurm``, ``runner.workers``); each job's folder gets Hydra's ``.hydra/``
    files as with any launcher. Jobs already finished are skipped (the sweep resumes)."""
    from hydra.core.utils import configure_log, setup_globals

    from commsim.experiments.run import quiet_libraries, report_user_errors

    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    quiet_libraries()
    return report_user_errors(lambda: _launch(hydra_context, config, job_overrides, initial_job_idx))


def _launch(hydra_context, config, job_overrides, initial_job_idx: int) -> list:
    """The work of :func:`launch`; a user error or a dry run ends the command (report_user_errors)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import JobReturn, JobStatus, _save_config, filter_overrides
    from omegaconf import OmegaConf, open_dict, read_write

    from commsim.experiments.runner.jobs import Job, Runner
    from commsim.experiments.run import requested_outputs
    from commsim.experiments.settings import load

    jobs, returns, saves = [], [], []
    for idx, overrides in enumerate(job_overrides, initial_job_idx):
        sweep_config = hydra_context.config_loader.load_sweep_config(config, list(overrides))
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = sweep_config.hydra.job.num = idx
        HydraConfig.instance().set_config(sweep_config)
        out_dir = Path(str(sweep_config.hydra.sweep.dir)) / str(OmegaConf.select(sweep_config, "hydra.sweep.subdir"))
        with read_write(sweep_config.hydra.runtime), open_dict(sweep_config.hydra.runtime):
            sweep_config.hydra.runtime.output_dir = str(out_dir.resolve())
        task_cfg = _without_hydra(sweep_config)
        model, settings = load(task_cfg, list(overrides))
        jobs.append(Job(model, out_dir, label=" ".join(filter_overrides(overrides)),
                        outputs=requested_outputs(settings)))
        saves.append((out_dir / str(sweep_config.hydra.output_subdir), task_cfg,
                      OmegaConf.create({"hydra": OmegaConf.to_container(sweep_config.hydra)})))
        returns.append(JobReturn(overrides=list(overrides), cfg=task_cfg, hydra_cfg=sweep_config,
                                 working_dir=str(out_dir), task_name=sweep_config.hydra.job.name,
                                 status=JobStatus.COMPLETED))
    if not jobs:
        return returns
    settings = load(_without_hydra(config))[1]  # the sweep's own settings: runner, progress, overwrite
    if not settings.runner.dry_run:
        for hydra_dir, task_cfg, hydra_cfg in saves:
            _save_config(task_cfg, "config.yaml", hydra_dir)
            _save_config(hydra_cfg, "hydra.yaml", hydra_dir)
            _save_config(hydra_cfg.hydra.overrides.task, "overrides.yaml", hydra_dir)
    log.info("sweep: %d jobs into %s", len(jobs), config.hydra.sweep.dir)
    with Runner.from_settings(settings, 1, Path(str(config.hydra.sweep.dir))) as runner:
        runner.run(jobs, overwrite=settings.overwrite, progress=settings.progress)
    return returns


def _without_hydra(config):
    import copy

    from omegaconf import open_dict, read_write

    cfg = copy.deepcopy(config)
    with read_write(cfg), open_dict(cfg):
        del cfg["hydra"]
    return cfg


_HELD_LOCKS: dict[str, object] = {}  # sweep dir -> held lock; kept off the callback, which launchers pickle


class CollectSweep(Callback):
    """Hydra callback: hold the sweep folder's lock (:mod:`experiments.runner.locking`) while the multirun
    runs, and collect the sweep when it ends."""

    def on_multirun_start(self, config, **kwargs) -> None:
        from commsim.experiments.runner.locking import BusyError, hold

        lock = hold(Path(config.hydra.sweep.dir), "sweep")
        try:
            lock.__enter__()
            _HELD_LOCKS[str(config.hydra.sweep.dir)] = lock
        except BusyError as err:  # Hydra turns callback exceptions into warnings: exit ourselves
            print(f"commsim: {err}", file=sys.stderr)
            sys.exit(2)

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            table = collect(sweep_dir)
        except EmptySweepError as err:
            print(f"commsim: {err}", file=sys.stderr)
            sys.exit(2)
        finally:
            lock = _HELD_LOCKS.pop(str(config.hydra.sweep.dir), None)
            if lock is not None:
                lock.__exit__(None, None, None)
        print(f"[commsim] collected {len(table)} runs into {sweep_dir / 'sweep.parquet'}", file=sys.stderr)


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m experiments.sweeps",
                                 description="(Re)collect a finished or interrupted sweep: sweep.parquet (one row per "
                                             "finished run) and response-curve figures.")
    ap.add_argument("sweep_dir", type=Path, help="the sweep's directory, e.g. results/sweeps/content_frequency")
    args = ap.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"commsim: {args.sweep_dir}: no such sweep directory (results/sweeps/<sweep_name>/)", file=sys.stderr)
        return 2
    try:
        table = collect(args.sweep_dir)
    except EmptySweepError as err:
        print(f"commsim: {err}", file=sys.stderr)
        return 2
    print(f"{len(table)} runs -> {args.sweep_dir / 'sweep.parquet'}")
    damaged = table.attrs.get("damaged", [])
    if damaged:
        print(f"commsim: {len(damaged)} damaged run{'s' if len(damaged) != 1 else ''} left out of the table (rerun the "
              f"sweep to redo them):", file=sys.stderr)
        for run, why in damaged:
            print(f"  {run}: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
