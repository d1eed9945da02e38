"""Compare scenarios over shared replicate seeds: ``python -m experiments.compare experiment=<name>``.

Every scenario of ``compare.scenarios`` (a baseline plus plans) runs for the
same seeds ``first_seed .. first_seed + replicates - 1``: common random
numbers, so differences are paired. Each run is an ordinary run directory
(``results/reports/<name>/runs/<scenario>/seed<k>_<config hash>/``, with its
DONE marker); re-running a comparison reuses every finished run and computes
only what is missing. The report (:mod:`experiments.reports.comparison`) is written last.

    python -m experiments.compare experiment=default_comparison
    python -m experiments.compare experiment=kol_vs_random compare.replicates=20 compare.jobs=2
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from commsim.experiments.runner.jobs import Job, Runner
from commsim.experiments.runner.locking import hold
from commsim.experiments.runner.outputs import config_hash
from commsim.experiments.overrides import model_overrides
from commsim.experiments.run import hydra_app, report_user_errors
from commsim.experiments.analyses.robust import MATCH_CANDIDATES, MATCH_KPI, drawn_ranges, uncertainty_kind
from commsim.experiments.settings import CompareSettings, load, model_config, register_configs
from commsim.sim.errors import ConfigError

log = logging.getLogger("commsim")
register_configs()


@dataclass
class Replicates:
    """All runs of a comparison, loaded back from their directories."""

    summaries: pd.DataFrame  # one row per (scenario, seed)
    timeseries: pd.DataFrame  # one row per (scenario, seed, day)
    retention: pd.DataFrame  # one row per (scenario, seed, days_since_join)
    spend: pd.DataFrame


def scenarios_from_sweep(cfg) -> None:
    """A named experiment written as a sweep (``hydra.sweeper.params``) compared as scenarios: one
    scenario per combination of its non-seed values (the seeds are the comparison's replicates);
    the baseline is the scenario called ``baseline``, else the first. Sets ``cfg.compare`` in place
    when it has no scenarios of its own."""
    from omegaconf import OmegaConf, open_dict

    params = OmegaConf.select(cfg, "hydra.sweeper.params") or {}
    if OmegaConf.select(cfg, "compare.scenarios") or not params:
        return
    from commsim.experiments.overrides import parse

    swept = [o for o in parse([f"{k}={v}" for k, v in params.items()]) if o.key != "seed"]
    if not swept:
        return
    ordered = [[f"{o.key}={v}" for v in _ordered_values(o, params[o.key])] for o in swept]
    scenarios = {}
    for combo in itertools.product(*ordered):
        name = "_".join(item.split("=", 1)[1] if item.startswith("plan=") else
                        f"{item.split('=', 1)[0].rsplit('.', 1)[-1]}-{item.split('=', 1)[1]}" for item in combo)
        scenarios[name] = list(combo)
    with open_dict(cfg):
        cfg.compare.scenarios = scenarios
        if cfg.compare.baseline not in scenarios:
            cfg.compare.baseline = next(iter(scenarios))


def _ordered_values(override, text) -> list[str]:
    """The sweep's values in the order written (a plain a,b,c list), else sorted."""
    text = str(text)
    if "," in text and not any(c in text for c in "()[]{}"):
        return [v.strip() for v in text.split(",")]
    return sorted(override.values)


def plan_jobs(spec: CompareSettings, base_overrides: list[str], compose, runs_dir: Path) -> list[Job]:
    """Compose and validate every scenario x seed before anything runs."""
    if not spec.scenarios:
        raise ConfigError([
            "compare.scenarios: no scenarios to compare; choose a named comparison with experiment=<name> "
            "(see configs/experiment/) or give compare.scenarios"
        ])
    jobs, problems = [], []
    _check_size(spec, base_overrides, compose)
    calibrated = any(o.split("=", 1)[0] == "calibration" for o in base_overrides)
    for scenario, overrides in spec.scenarios.items():
        first = None
        for seed in range(spec.first_seed, spec.first_seed + spec.replicates):
            run_overrides = base_overrides + list(overrides) + [f"seed={seed}"]
            if calibrated and not any(o.startswith("calibration_draw=") for o in run_overrides):
                run_overrides.append(f"calibration_draw={seed}")  # each replicate its own posterior draw
            try:
                # without a twin, replicates differ by their seed only: compose once, then set the seed
                config = (with_seed(first, seed) if first is not None and not calibrated
                          else model_config(compose(run_overrides), run_overrides))
                first = first or config
            except ConfigError as err:
                problems += [f"scenario {scenario!r}: {p}" for p in err.problems]
                break
            except Exception as err:  # a Hydra override error names the bad override
                problems.append(f"scenario {scenario!r}: {err}")
                break
            out_dir = runs_dir / scenario / f"seed{seed}_{config_hash(config)[:8]}"
            figures = spec.run_figures == "all" or (spec.run_figures == "first" and seed == spec.first_seed)
            jobs.append(Job(config, out_dir, label=f"{scenario} seed {seed}", tags={"scenario": scenario, "seed": seed},
                            figures=figures))
    if problems:
        raise ConfigError(problems)
    return jobs


def _check_size(spec: CompareSettings, base_overrides: list[str], compose, factor: int = 1, why: str = "") -> None:
    """Refuse a comparison that would take longer than the time limit, before composing every run."""
    from commsim.sim.memory import MemoryGuardError, check_runs

    first = list(spec.scenarios.values())[0]
    try:
        config = model_config(compose(base_overrides + list(first)), base_overrides + list(first))
    except ConfigError:
        return  # the scenario's own problem is reported below
    try:
        check_runs(len(spec.scenarios) * spec.replicates * factor, getattr(config.network, "n", 0),
                   config.days + config.history_days,
                   spec.jobs, f"compare: {len(spec.scenarios)} scenarios x {spec.replicates:,} replicates{why}",
                   "fewer replicates, draws, scenarios, people or days")
    except MemoryGuardError as err:
        raise ConfigError([str(err)]) from None


def load_runs(jobs: list[Job]) -> Replicates:
    summaries, series, retention, spend = [], [], [], []
    for job in jobs:
        tag = job.tags
        summary = json.loads((job.out_dir / "summary.json").read_text())
        for frames, name in ((series, "timeseries"), (retention, "retention"), (spend, "spend")):
            df = pd.read_parquet(job.out_dir / f"{name}.parquet")
            frames.append(df.assign(**tag))
        summaries.append({**tag, **summary, "idle": " ".join(idle_in(job, spend[-1]))})
    spend_all = pd.concat(spend, ignore_index=True).fillna(0.0)
    return Replicates(pd.DataFrame(summaries), pd.concat(series, ignore_index=True),
                      pd.concat(retention, ignore_index=True), spend_all)


def idle_in(job: Job, spend: pd.DataFrame) -> list[str]:
    """The strategies of ``job``'s plan that did nothing in its run (:func:`sim.simulation.idle_strategies`);
    ``spend``: the run's spend table, already read."""
    from commsim.sim.simulation import idle_strategies

    names = list(job.config.plan.strategies)
    if not names:
        return []
    results = pd.read_parquet(job.out_dir / "strategy_results.parquet")
    return idle_strategies(names, spend, results)


@dataclass
class Robust:
    """The robust part of a comparison: its parameter draws and one summary row per scenario x draw x seed."""

    kind: str  # prior | posterior
    draws: pd.DataFrame  # draw, then one column per drawn key
    ranges: list  # sim.space.Range of every drawn key
    runs: pd.DataFrame  # scenario, draw, seed, every summary KPI, cost
    keys: dict  # scenario -> the drawn keys its runs read
    matched: dict | None = None  # uncertainty.match: factor, reference, tried (draw, mean DAU, kept)


def set_keys(overrides) -> set[str]:
    """The keys a list of Hydra overrides sets a value for (``key=value``, ``+key=value``, ``++key=value``)."""
    return {o.split("=", 1)[0].lstrip("+~") for o in overrides if "=" in o}


def read_keys(ranges: list, configs: dict, scenarios: dict | None = None) -> dict[str, list[str]]:
    """Per scenario, the drawn keys its runs read: the behaviour keys, and its own strategies' responses,
    less any key the scenario's own overrides (``scenarios[name]``) set: a value a scenario chose is
    its plan, not an uncertainty, and is never drawn over."""
    own = {name: set_keys(overrides) for name, overrides in (scenarios or {}).items()}
    return {scenario: [r.key for r in ranges if (not r.key.startswith("strategies.")
                       or r.key.split(".")[1] in config.plan.strategies) and r.key not in own.get(scenario, ())]
            for scenario, config in configs.items()}


def robust_jobs(spec: CompareSettings, kind: str, keys: dict, draws: pd.DataFrame, base_overrides: list[str],
                compose, runs_dir: Path, configs: dict) -> list[Job]:
    """Every scenario x draw x seed: the draw's values of the keys that scenario's runs read (the
    behaviour keys, and the responses of its own strategies), the twin's posterior draw ``d`` with
    ``uncertainty=posterior``; figures are not drawn (only summaries are read)."""
    jobs = []
    for scenario, overrides in spec.scenarios.items():
        fixed = None
        for d in draws.draw:
            values = {k: _plain(draws.at[d, k]) for k in keys[scenario]}
            if kind == "posterior":  # the twin's draw d is applied while composing
                words = (base_overrides + list(overrides) + [f"{k}={v}" for k, v in values.items()]
                         + [f"calibration_draw={d}", f"seed={spec.first_seed}"])
                first = model_config(compose(words), words)
            else:
                if fixed is None:
                    words = base_overrides + list(overrides) + [f"seed={spec.first_seed}"] + (
                        ["calibration_draw=null"] if configs[scenario].calibration else [])
                    fixed = model_config(compose(words), words)
                first = with_values(fixed, values)
            for seed in range(spec.first_seed, spec.first_seed + spec.replicates):
                config = first if seed == spec.first_seed else with_seed(first, seed)
                out_dir = runs_dir / scenario / f"d{d}_seed{seed}_{config_hash(config)[:8]}"
                jobs.append(Job(config, out_dir, label=f"{scenario} draw {d} seed {seed}", figures=False,
                                tags={"scenario": scenario, "draw": int(d), "seed": seed}))
    return jobs


def with_seed(config, seed: int):
    """``config`` with another seed, validated as a composed one would be (the same config hash)."""
    from commsim.sim.config import to_dict, validate

    return validate({**to_dict(config), "seed": seed})


def with_values(config, values: dict):
    """``config`` with dotted ``values`` set, validated."""
    from commsim.sim.calibrated import set_dotted
    from commsim.sim.config import to_dict, validate

    data = to_dict(config)
    for key, value in values.items():
        set_dotted(data, key, value)
    return validate(data)


def _plain(value):
    return int(value) if isinstance(value, (np.integer, int)) else float(value)


def load_summaries(jobs: list[Job]) -> pd.DataFrame:
    from commsim.experiments.reports.comparison import plan_costs

    table = pd.DataFrame([{**job.tags, **json.loads((job.out_dir / "summary.json").read_text())} for job in jobs])
    return table.assign(cost=plan_costs(table))


def compare(cfg: DictConfig, report_dir: Path, base_overrides: list[str], compose,
            sweep_params: dict | None = None) -> Path:
    """Run (or resume) a comparison and write its report; returns the report path. ``sweep_params``:
    a named sweep experiment's ``hydra.sweeper.params``, compared as scenarios."""
    from commsim.experiments.reports.comparison import write_report

    if sweep_params:
        from omegaconf import open_dict

        with open_dict(cfg):
            cfg.hydra = {"sweeper": {"params": dict(sweep_params)}}
        scenarios_from_sweep(cfg)
        with open_dict(cfg):
            del cfg["hydra"]
    config, settings = load(cfg)
    spec = settings.compare
    jobs = plan_jobs(spec, base_overrides, compose, report_dir / "runs")
    with hold(report_dir, "comparison"), Runner.from_settings(settings, spec.jobs, report_dir) as runner:
        kind = uncertainty_kind(settings, config)
        if kind != "none":
            _check_size(spec, base_overrides, compose, 1 + settings.uncertainty.draws,
                        f" x (1 + {settings.uncertainty.draws} parameter draws)")
        seeds = spec.max_replicates if spec.target_halfwidth is not None else spec.replicates
        draws = settings.uncertainty.draws if kind != "none" else 0
        # uncertainty.match: one baseline run per candidate draw that misses; the estimate counts the first
        # hypercube's (MATCH_CANDIDATES - 1) x draws (on the default community 9 in 10 candidates missed); a
        # later hypercube runs only where the first kept too few, and a last batch may overshoot (252 tried
        # where 200 were counted on the default community, 2026-12-07)
        missed = (MATCH_CANDIDATES - 1) * draws if kind == "prior" and settings.uncertainty.match is not None else 0
        if spec.target_halfwidth is not None or draws:
            runner.expect(len(spec.scenarios) * seeds * (1 + draws) + missed,
                          ("at most: compare.target_halfwidth adds replicates up to compare.max_replicates"
                           if spec.target_halfwidth is not None else "every plan at the default parameters")
                          + (f"; uncertainty={kind}: then for each of {draws} parameter draws, on the same seeds"
                             if draws else "")
                          + (f"; uncertainty.match: one baseline run per candidate draw, up to {missed} of them "
                             f"missing this community (9 in 10 did on the default community)"
                             if missed else ""),
                          bare=len(spec.scenarios) * seeds * draws + missed
                          + (len(spec.scenarios) * (seeds - spec.replicates) if spec.run_figures != "all" else 0))
        runner.run(jobs, progress=settings.progress)
        adaptive = None
        if spec.target_halfwidth is not None:
            spec, jobs, adaptive = add_replicates(spec, jobs, base_overrides, compose, report_dir, settings.progress,
                                                  runner)
        seed_only = None
        drawn = not any(o.split("=", 1)[0] == "calibration_draw" for o in base_overrides)  # replicate k: draw k
        if config.calibration and spec.separate_uncertainty and drawn:
            fixed = plan_jobs(spec, base_overrides + ["calibration_draw=null"], compose, report_dir / "runs_fitted")
            runner.run(fixed, progress=settings.progress)
            seed_only = load_runs(fixed).summaries
        configs = {job.tags["scenario"]: job.config for job in jobs}
        robust = None
        if kind != "none":
            reference = load_runs([j for j in jobs if j.tags["scenario"] == spec.baseline]).summaries
            robust = run_robust(spec, settings, kind, config, configs, base_overrides, compose, report_dir, runner,
                                float(reference[MATCH_KPI].mean()))
        return write_report(config, spec, load_runs(jobs), report_dir, configs, adaptive=adaptive,
                            currency=settings.report.currency, seed_only=seed_only, robust=robust,
                            language=settings.report.language)


def run_robust(spec, settings, kind: str, config, configs: dict, base_overrides, compose, report_dir: Path,
               runner, reference: float = math.nan) -> Robust:
    """The robust part: draws (with ``uncertainty.match``, only those whose baseline resembles the configured
    community, ``reference`` its baseline's mean DAU of the last 30 days), then every plan on each."""
    from commsim.experiments.analyses.robust import draw
    from commsim.sim import calibrated

    unc = settings.uncertainty
    fitted = set(calibrated.load(config.calibration)["fit"].get("parameters", [])) if kind == "posterior" else set()
    explicit = set_keys(base_overrides)  # the command line's own
    ranges = drawn_ranges(unc, dict.fromkeys(n for config in configs.values() for n in config.plan.strategies), fitted,
                          explicit)
    keys = read_keys(ranges, configs, spec.scenarios)
    matched = None
    if kind == "prior" and unc.match is not None and math.isfinite(reference) and reference > 0:
        draws, matched = matched_draws(spec, settings, keys, ranges, reference, base_overrides, compose, report_dir,
                                       runner, configs)
    else:
        draws = draw(ranges, unc.draws, unc.seed)
    if len(draws) < 2:
        return Robust(kind, draws, ranges, pd.DataFrame(), keys, matched)
    jobs = robust_jobs(spec, kind, keys, draws, base_overrides, compose, report_dir / "runs_drawn", configs)
    log.info("uncertainty=%s: %d draws of %d parameters x %d scenarios x %d seeds = %d runs", kind, len(draws),
             len(ranges), len(spec.scenarios), spec.replicates, len(jobs))
    runner.run(jobs, progress=settings.progress)
    return Robust(kind, draws, ranges, load_summaries(jobs), keys, matched)


def matched_draws(spec, settings, keys: dict, ranges: list, reference: float, base_overrides, compose,
                  report_dir: Path, runner, configs: dict) -> tuple[pd.DataFrame, dict]:
    """History matching of the prior: candidate draws (hypercubes of MATCH_CANDIDATES x draws, in order) run
    the baseline on the first seed; those whose community lies within ``uncertainty.match`` of ``reference``
    are kept, until ``uncertainty.draws`` are (each batch sized by the share kept so far). Returns the kept
    draws (indexed and numbered by candidate) and what was tried."""
    from dataclasses import replace

    from commsim.experiments.analyses.robust import candidate_draws, history_match

    unc = settings.uncertainty
    candidates = candidate_draws(ranges, unc.draws, unc.seed)
    only_baseline = replace(spec, scenarios={spec.baseline: spec.scenarios[spec.baseline]}, replicates=1)

    def baseline_dau(batch: pd.DataFrame) -> pd.Series:
        jobs = robust_jobs(only_baseline, "prior", keys, batch, base_overrides, compose, report_dir / "runs_drawn",
                           configs)
        runner.run(jobs, progress=settings.progress, quiet=True)
        return load_summaries(jobs).groupby("draw")[MATCH_KPI].mean()

    kept, tried = history_match(candidates, unc.draws, reference, unc.match, baseline_dau)
    log.info("uncertainty.match=%g: %d of %d candidate draws describe a community like this one (mean DAU of the "
             "last 30 days within %g x of %.3g)", unc.match, int(tried.matched.sum()), len(tried), unc.match, reference)
    return candidates.loc[kept], {"factor": unc.match, "reference": reference, "asked": unc.draws, "tried": tried}


def headline_halfwidths(spec: CompareSettings, jobs: list[Job]) -> dict[str, float]:
    """Half the width of the 95% paired interval of each scenario's headline KPI minus the baseline's."""
    from commsim.experiments.analyses.stats import paired_difference

    kpi = spec.kpis[0]
    values: dict[str, dict[int, float]] = {}
    for job in jobs:
        summary = json.loads((job.out_dir / "summary.json").read_text())
        value = summary.get(kpi)
        values.setdefault(job.tags["scenario"], {})[job.tags["seed"]] = float("nan") if value is None else float(value)
    base = values[spec.baseline]
    out = {}
    for scenario, by_seed in values.items():
        if scenario == spec.baseline:
            continue
        seeds = [s for s in sorted(by_seed) if np.isfinite(by_seed[s]) and np.isfinite(base.get(s, np.nan))]
        if len(seeds) < 2:  # the KPI is undefined in too many runs: no interval
            out[scenario] = float("nan")
            continue
        diff = paired_difference([by_seed[s] for s in seeds], [base[s] for s in seeds])
        out[scenario] = (diff.high - diff.low) / 2
    return out


def add_replicates(spec: CompareSettings, jobs: list[Job], base_overrides: list[str], compose, report_dir: Path,
                   progress: str, runner: Runner):
    """``compare.target_halfwidth``: add paired replicates (all scenarios, the next seeds) until every
    headline interval is that narrow or ``max_replicates`` is reached. The number added each round is
    the square-root law's estimate (half-width ~ 1/sqrt(n)), at most doubling, so a few rounds suffice."""
    import dataclasses

    rounds = []
    while True:
        widths = headline_halfwidths(spec, jobs)
        finite = [w for w in widths.values() if math.isfinite(w)]
        worst = max(finite) if len(finite) == len(widths) else float("nan")  # any undefined width: not reached
        rounds.append({"replicates": spec.replicates, "widest": worst})
        if not math.isfinite(worst) or worst <= spec.target_halfwidth or spec.replicates >= spec.max_replicates:
            break
        wanted = math.ceil(spec.replicates * (worst / spec.target_halfwidth) ** 2)
        n = min(spec.max_replicates, max(spec.replicates + 1, min(wanted, 2 * spec.replicates)))
        log.info("headline interval +/-%.3g is wider than the target +/-%.3g: %d -> %d replicates", worst,
                 spec.target_halfwidth, spec.replicates, n)
        spec = dataclasses.replace(spec, replicates=n)
        jobs = plan_jobs(spec, base_overrides, compose, report_dir / "runs")
        runner.run(jobs, progress=progress)
    reached = math.isfinite(worst) and worst <= spec.target_halfwidth
    return spec, jobs, {"target": spec.target_halfwidth, "reached": reached, "replicates": spec.replicates,
                        "cap": spec.max_replicates, "widest": worst, "widths": widths, "rounds": rounds}


def _base_overrides() -> list[str]:
    """The command line's model overrides (the comparison sets each run's seed itself)."""
    return model_overrides(list(HydraConfig.get().overrides.task), drop=("seed",))


@hydra.main(version_base="1.3", config_path="../configs", config_name="compare")
def main(cfg: DictConfig) -> None:
    from commsim.experiments.cli import PointComposer

    report_dir, _ = hydra_app()
    # each scenario x replicate composed from one composition per set of config-group choices: on a
    # twin every replicate is composed (its own posterior draw), 54 full composes for the default
    # comparison, ~0.15 s each
    compose = PointComposer("config", with_hydra=False)
    params = HydraConfig.get().sweeper.get("params")
    report = report_user_errors(lambda: compare(cfg, report_dir, _base_overrides(), compose,
                                                dict(params) if params else None))
    print(f"report: {report}")


def preflight_check(cfg, overrides: list[str]) -> None:
    """The comparison's own checks before Hydra starts: every scenario x seed composes and validates."""
    from omegaconf import open_dict

    from commsim.experiments.cli import compose_checked

    scenarios_from_sweep(cfg)
    with open_dict(cfg):
        cfg.pop("hydra", None)
    config, settings = load(cfg, overrides)
    base, compose = model_overrides(overrides, drop=("seed",)), (lambda o: compose_checked("config", o))
    plan_jobs(settings.compare, base, compose, Path(".commsim-preflight"))
    if uncertainty_kind(settings, config) != "none":
        _check_size(settings.compare, base, compose, 1 + settings.uncertainty.draws,
                    f" x (1 + {settings.uncertainty.draws} parameter draws)")


if __name__ == "__main__":
    from commsim.experiments.cli import preflight

    preflight("compare", check=preflight_check)
    main()
