"""The commands as Python functions that return data frames (docs/python.ipynb shows them).

    from commsim.experiments import api
    result = api.compare("default_comparison", overrides=["days=90"], replicates=3)
    result.differences            # one row per scenario x KPI: difference, low, high, ...
    table = api.sweep({"strategies.content.posts_per_week": [0, 7, 14]}, overrides=["plan=content"])
    indices = api.sensitivity("morris", effect_of="content", parameters=["behaviour.activity.*"])
    front = api.optimize(budget=20_000, trials=60)
    seen = api.observe("my_export.csv", overrides=["timezone=Asia/Shanghai"])

Each function composes configs/ exactly as its command does (the same keys, the same checks),
runs through the same job runner, writes the same files (into ``out_dir``, by default the
command's own folder under results/), and resumes finished runs in the same way. Overrides are
the command line's words: ``["days=90", "network.n=5000"]``.
"""

from __future__ import annotations

import itertools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

def _compose(config_name: str, overrides: list[str], with_hydra: bool = False):
    from commsim.experiments.cli import autoquote, compose_checked
    from commsim.experiments.settings import register_configs

    register_configs()
    return compose_checked(config_name, [autoquote(o) for o in overrides], with_hydra=with_hydra)


def _run_dir(config_name: str, overrides: list[str], out_dir, with_hydra: bool = False):
    """The composed config (without the hydra node) and where its outputs go; with ``with_hydra``
    the hydra node as well."""
    from omegaconf import open_dict

    cfg = _compose(config_name, overrides, with_hydra=True)
    hydra_node = cfg.hydra
    where = Path(out_dir) if out_dir is not None else Path(hydra_node.run.dir)  # under the caller's folder, as the commands
    with open_dict(cfg):
        del cfg["hydra"]
    where.mkdir(parents=True, exist_ok=True)
    return (cfg, where, hydra_node) if with_hydra else (cfg, where)


def _compose_run(overrides: list[str]):
    return _compose("config", overrides)


@contextmanager
def _run_composer():
    """A run's config from its override words, as the commands compose their runs: one Hydra
    composition per set of config-group choices (``PointComposer``), each run's values applied to
    a copy (a twin comparison composed every replicate in full, ~0.15 s each). One per call of a
    function here, so a config edited between calls is read again."""
    from commsim.experiments.cli import PointComposer, autoquote, hydra_context

    with hydra_context():
        compose = PointComposer("config", with_hydra=False)
        yield lambda overrides: compose([autoquote(o) for o in overrides])


@dataclass
class Comparison:
    report: Path
    kpis: pd.DataFrame  # scenario x KPI: mean, low, high
    differences: pd.DataFrame  # scenario x KPI against the baseline: difference, low, high, ...
    runs: pd.DataFrame  # one row per scenario x seed: every summary KPI


def compare(experiment: str | None = None, *, scenarios: dict[str, list[str]] | None = None,
            baseline: str = "baseline", replicates: int | None = None, overrides: list[str] = (),
            out_dir=None, jobs: int = 1) -> Comparison:
    """``python -m experiments.compare``: a named comparison (``experiment``) or ``scenarios``
    (name -> overrides) against ``baseline``."""
    from commsim.experiments.compare import compare as run_compare
    from commsim.experiments.overrides import model_overrides

    words = list(overrides) + [f"compare.jobs={jobs}"]
    if experiment:
        words.insert(0, f"experiment={experiment}")
    if scenarios:
        inner = ",".join(f"{name}:[{','.join(repr(o) for o in ovs)}]" for name, ovs in scenarios.items())
        words += [f"++compare.scenarios={{{inner}}}", f"compare.baseline={baseline}"]
    if replicates is not None:
        words.append(f"compare.replicates={replicates}")
    cfg, where, hydra_node = _run_dir("compare", words, out_dir, with_hydra=True)
    params = hydra_node.get("sweeper", {}).get("params") if experiment else None
    sweep = dict(params) if params else None
    with _run_composer() as compose_run:
        report = run_compare(cfg, where, model_overrides(words, drop=("seed",)), compose_run, sweep)
    return Comparison(report, pd.read_csv(where / "kpis.csv"), pd.read_csv(where / "differences.csv"),
                      pd.read_csv(where / "runs.csv"))


def sweep(grid: dict[str, list], *, overrides: list[str] = (), seeds: list[int] = (0,), out_dir=None,
          jobs: int = 1, runner: dict | None = None) -> pd.DataFrame:
    """Every combination of ``grid`` (key -> values) x ``seeds``: one row per run, the swept
    values and every summary KPI (what ``python -m experiments.run -m`` and
    ``experiments.sweeps`` collect). ``runner``: where the runs run, as the ``runner.*`` keys
    (docs/cluster.md), e.g. ``{"kind": "ray", "address": "127.0.0.1:6379"}``; default this machine."""
    from commsim.experiments.runner.jobs import Job, Runner
    from commsim.experiments.runner.outputs import config_hash
    from commsim.experiments.settings import RunnerSettings, model_config
    from commsim.sim.errors import ConfigError
    from commsim.sim.schema import build as build_settings

    root = Path(out_dir) if out_dir is not None else Path("results") / "sweeps" / "python"
    keys = list(grid)
    jobs_, rows = [], []
    with _run_composer() as compose_run:
        for combo in itertools.product(*(grid[k] for k in keys), seeds):
            *values, seed = combo
            words = list(overrides) + [f"{k}={v}" for k, v in zip(keys, values)] + [f"seed={seed}"]
            config = model_config(compose_run(words), words)
            job = Job(config, root / config_hash(config), figures=False)
            jobs_.append(job)
            rows.append({**dict(zip(keys, values)), "seed": seed})
    problems: list[str] = []
    settings = build_settings(RunnerSettings, dict(runner or {}), "runner", problems)
    if problems:
        raise ConfigError(problems)
    with Runner(jobs, settings, root) as run:
        run.run(jobs_, progress="auto")
    for row, job in zip(rows, jobs_):
        row.update(json.loads((job.out_dir / "summary.json").read_text()))
    return pd.DataFrame(rows)


@dataclass
class Observation:
    folder: Path
    observed: pd.DataFrame  # one row a day: date, dau, wau, mau, new, returning, cumulative_people
    retention: pd.DataFrame  # one row per weekly cohort: cohort_start, people, week_1 ...
    warnings: list  # what was read on an assumption (a time zone, an alias column)


def observe(log: str, *, overrides: list[str] = (), out_dir=None) -> Observation:
    """``python -m experiments.observe``: a community's own numbers from its export, no model."""
    from commsim.experiments.observe import observe as run_observe
    from commsim.experiments.settings import load_observe

    cfg, where = _run_dir("observe", [f"log={log}", *overrides], out_dir)
    settings = load_observe(cfg)
    run_observe(settings, where)
    warnings = [line.split("warning: ", 1)[1] for line in (where / "read.txt").read_text(encoding="utf-8").splitlines()
                if line.strip().startswith("warning: ")]
    return Observation(where, pd.read_csv(where / "observed.csv"), pd.read_csv(where / "retention.csv"), warnings)


@dataclass
class Calibration:
    folder: Path
    posterior: pd.DataFrame  # accepted parameter sets with their weights
    forecast: pd.DataFrame  # observed vs simulated DAU per day, with the band
    backtest: dict  # errors of the model and of the naive forecasts


def calibrate(log: str, *, name: str = "calibration", overrides: list[str] = (), out_dir=None) -> Calibration:
    """``python -m experiments.calibrate``: fit the model to a community's activity log."""
    from commsim.experiments.calibrate import calibrate as run_calibrate

    words = [f"calibrate.log={log}", f"calibrate.name={name}", *overrides]
    cfg, where = _run_dir("calibrate", words, out_dir)
    run_calibrate(cfg, where, words)
    return Calibration(where, pd.read_parquet(where / "posterior.parquet"), pd.read_csv(where / "forecast.csv"),
                       json.loads((where / "backtest.json").read_text()))


def sensitivity(method: str = "morris", *, kpi: str = "mean_dau_last30", effect_of: str | None = None,
                parameters: list[str] = (), overrides: list[str] = (), out_dir=None, jobs: int = 2) -> pd.DataFrame:
    """``python -m experiments.sensitivity``: the indices table (``indices.csv``)."""
    from commsim.experiments.sensitivity import sensitivity as run_sensitivity

    words = [f"sensitivity.method={method}", f"sensitivity.kpi={kpi}", f"sensitivity.jobs={jobs}", *overrides]
    if effect_of:
        words.append(f"sensitivity.effect_of={effect_of}")
    if parameters:
        words.append(f"sensitivity.parameters=[{','.join(parameters)}]")
    cfg, where = _run_dir("sensitivity", words, out_dir)
    run_sensitivity(cfg, where, words, _compose_run)  # composes one run at most (effect_of)
    return pd.read_csv(where / "indices.csv")


def optimize(budget: float = 20_000, *, trials: int = 60, overrides: list[str] = (), out_dir=None,
             jobs: int = 2) -> pd.DataFrame:
    """``python -m experiments.optimize``: the front (``pareto.csv``)."""
    from commsim.experiments.optimize import optimize as run_optimize

    words = [f"optimize.budget={budget}", f"optimize.trials={trials}", f"optimize.jobs={jobs}", *overrides]
    cfg, where = _run_dir("optimize", words, out_dir)
    run_optimize(cfg, where, words)
    return pd.read_csv(where / "pareto.csv")
