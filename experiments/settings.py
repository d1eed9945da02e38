"""How runs are run: the settings of the commands, apart from the model config.

The model config (:class:`sim.config.Config`) holds what determines a run's
numbers; this module adds what does not -- terminal progress, whether a
finished run may be overwritten, sweep names, comparisons. Hydra composes both
into one config (:data:`AppConfig`, registered as ``base_config``), so the
command-line keys are flat as users know them (``days=365 progress=never
compare.replicates=10``); :func:`load` splits it again and validates each part,
reporting every problem at once. A run's config hash covers the model part
only (plus the model version), so adding a setting here never invalidates a
finished run.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Optional

from commsim.sim.calendar import CalendarConfig
from commsim.sim.config import MODEL_KEYS, NETWORK_KINDS, Config, PopulationConfig, validate
from commsim.sim.day import BehaviourConfig
from commsim.sim.errors import ConfigError
from commsim.sim.metrics import DEFAULT_KPIS, KPIS
from commsim.sim.params import PRICE_CURRENCY, param
from commsim.sim.progress import MODES
from commsim.sim.schema import build

NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass
class CompareSettings:
    name: str = param("${adhoc_name:${compare.scenarios}}", "name of the comparison; its report lands in "
                      "results/reports/<name>/ (default: the experiment's name, or adhoc-<8 hex digits> of the "
                      "scenarios, so that two ad-hoc comparisons never share a report)")
    baseline: str = param("baseline", "the scenario every other one is compared against")
    scenarios: dict[str, list[str]] = param(
        None, "scenario name -> Hydra overrides, e.g. {kol: [plan=kol_seeding]}", factory=dict)
    replicates: int = param(5, "replicate seeds per scenario, shared by all scenarios (at least 2)", ge=1, le=10_000)
    first_seed: int = param(0, "replicate seeds are first_seed, first_seed + 1, ...", ge=0)
    target_halfwidth: Optional[float] = param(None, "keep adding paired replicates until the 95% interval of every "
                                              "scenario's headline difference from the baseline is at most this "
                                              "wide on each side (in the headline KPI's unit; a share as a fraction: "
                                              "0.01 = 1 percentage point), or max_replicates "
                                              "is reached; null: exactly `replicates`", gt=0)
    max_replicates: int = param(50, "the cap of target_halfwidth's replicates", ge=2, le=10_000)
    separate_uncertainty: bool = param(True, "with calibration=<dir>: also run every scenario at the fitted "
                                       "parameters (no posterior draws), so the report gives seed noise alone next "
                                       "to seed noise plus parameter uncertainty (twice the runs)")
    jobs: int = param(1, "runs in parallel (processes)", ge=1)
    run_figures: str = param("first", "PNG figures in each run's folder: 'first' draws them for each scenario's first "
                             "replicate only (drawing a run's five figures takes longer than simulating a 2,000-person "
                             "run), 'all' for every replicate, 'none' for none; the report's own figures are always "
                             "drawn", choices=("first", "all", "none"))
    kpis: list[str] = param(None, "summary KPIs in the report (docs/metrics.md); the first is the headline",
                            factory=lambda: list(DEFAULT_KPIS))

    def check(self) -> list[str]:
        problems = []
        if self.replicates < 2:
            problems.append(f"replicates: {self.replicates} is too few; confidence intervals need at "
                            f"least 2 replicates per scenario (5-20 is typical)")
        if self.scenarios and self.baseline not in self.scenarios:
            problems.append(f"baseline: {self.baseline!r} is not one of the scenarios ({', '.join(self.scenarios)})")
        if not self.kpis:
            problems.append("kpis: empty; list at least one KPI (the first is the headline)")
        if self.target_halfwidth is not None and self.max_replicates < self.replicates:
            problems.append(f"max_replicates: {self.max_replicates} is below replicates ({self.replicates}); "
                            f"target_halfwidth adds replicates up to max_replicates")
        for label, name in [("name", self.name)] + [(f"scenarios.{s}", s) for s in self.scenarios]:
            if not NAME.fullmatch(name) or name in (".", ".."):
                problems.append(f"{label}: {name!r} must be a plain name (letters, digits, _ . -): it names a folder")
        for i, kpi in enumerate(self.kpis):
            if kpi not in KPIS:
                problems.append(f"kpis[{i}]: unknown KPI {kpi!r}; available: {', '.join(KPIS)}")
        return problems


def range_problems(label: str, entries) -> list[str]:
    """Problems of a list of ``[key, low, high]`` triples (calibration priors, sensitivity ranges)."""
    problems = []
    for i, entry in enumerate(entries):
        ok = isinstance(entry, (list, tuple)) and len(entry) == 3 and isinstance(entry[0], str) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in entry[1:])
        if not ok:
            problems.append(f"{label}[{i}]: {entry!r} must be [key, low, high], e.g. [behaviour.activity.base,-5,-0.5]")
    return problems


CALIBRATION_CANDIDATES = [
    "behaviour.joining.p_organic", "behaviour.joining.q_social", "behaviour.joining.propensity_weight",
    "behaviour.activity.base", "behaviour.activity.tenure_decay",
    "behaviour.activity.habit", "behaviour.activity.social", "behaviour.activity.lapse_penalty",
    "population.propensity_sd", "population.initial_habit", "population.frailty_variance",
    "behaviour.churn.hazard_active", "behaviour.churn.hazard_dormant", "behaviour.state.habit_decay",
]


@dataclass
class LogColumns:
    """``calibrate.columns.user=sender``: which column of the log holds what (null: found by name,
    else inferred from the data; docs/calibration.md)."""

    user: Optional[str] = param(None, "the person who acted")
    time: Optional[str] = param(None, "when: Unix seconds or milliseconds, ISO dates or datetimes")
    target: Optional[str] = param(None, "the other person of an interaction (builds the social graph)")
    kind: Optional[str] = param(None, "the kind of action (`post` rows count as public posts; the fit's targets "
                                "do not use it yet)")

    def given(self) -> dict[str, str]:
        return {role: value for role, value in vars(self).items() if value not in (None, "")}


@dataclass
class TargetWeights:
    """``calibrate.weights.retention=2``: how much each target counts in the fit's distance
    (each target's error is relative, so a weight says how much, not in which unit)."""

    dau: float = param(1.0, "weekly mean DAU (error: RMSE of log(1 + DAU))", ge=0)
    ever_active: float = param(1.0, "people ever active by each week (RMSE over the observed total)", ge=0)
    retention: float = param(1.0, "weekly cohort retention of newcomers (RMSE over its mean)", ge=0)
    participation: float = param(0.0, "top-10% share of active days and one-day share (mean absolute error)", ge=0)
    recent: float = param(0.0, "the last 4 weekly mean DAU again, the level a forecast starts from (RMSE of "
                          "log(1 + DAU)); 0 by default: at 1 it biased parameter recovery", ge=0)


@dataclass
class CalibrateSettings:
    log: Optional[str] = param(None, "the activity log to fit: CSV/TSV/XLSX/Parquet, one row per action (user, time, "
                               "[target], [kind]); docs/calibration.md")
    name: str = param("calibration", "name of the calibration; it lands in results/calibrations/<name>/")
    train_days: Optional[int] = param(None, "days fitted, from the first (null: all but forecast_days)", ge=28)
    forecast_days: Optional[int] = param(None, "days after the training window held out for the backtest "
                                         "(null: the days after train_days when it is set, else a quarter of the "
                                         "log but never leaving fewer than 28 days to fit; 0: none)", ge=0)
    columns: LogColumns = param(None, "which column of the log is which (by name or 0-based position)",
                                factory=lambda: LogColumns())
    header: Optional[bool] = param(None, "whether the first line is a header (null: decided from the data)")
    delimiter: Optional[str] = param(None, "column delimiter (null: detected; comma, semicolon, tab, pipe, space)")
    timezone: str = param("UTC", "time zone of times without one, and of calendar days (e.g. Asia/Shanghai)")
    day_start: str = param("first", "days are 24-hour blocks from the first action, or calendar days",
                           choices=("first", "midnight"))
    time_unit: str = param("auto", "how numeric times read: auto (Unix s, ms, µs or ns by size), s, ms, day",
                           choices=("auto", "s", "ms", "day"))
    calendar: Optional[str] = param(None, "CSV of dated outside events (name,start,end[,activity][,joining]"
                                    "[,away]; dates); a blank activity is fitted, away (yes/no) marks a holiday "
                                    "everyone takes")
    campaigns: Optional[str] = param(None, "CSV of the operator's own campaigns in the data (start,end,strategy"
                                     "[,target][,spend][,size]; dates; kind and cost are read as strategy and "
                                     "spend); the responses to them are fitted")
    runs: int = param(6000, "simulations the whole calibration may run (screening, search, posterior, "
                            "forecast, rolling origins)",
                      ge=40, le=1_000_000)
    seeds: int = param(2, "replicate seeds per parameter set while fitting", ge=1, le=50)
    parameters: list[str] = param(None, "candidate behaviour parameters (screened; the rest stay at their defaults)",
                                  factory=lambda: list(CALIBRATION_CANDIDATES))
    fit: int = param(0, "fit only this many of the candidates, the most influential in the screening (0: fit "
                           "them all; the screening still ranks them)", ge=0)
    priors: list[list] = param(None, "prior ranges replacing the defaults, as [key, low, high] triples: "
                               "[[behaviour.activity.base,-5,-0.5]] (defaults: docs/calibration.md)", factory=list)
    accept: float = param(0.3, "share of the posterior stage's parameter sets accepted (ABC tolerance quantile)",
                          gt=0, le=1)
    margin: float = param(0.3, "each side of the posterior stage's box is widened by this share of the width of "
                          "the sets it is drawn around (docs/calibration.md)", ge=0, le=10)
    forecast_sets: int = param(40, "posterior draws simulated for the forecast", ge=2)
    forecast_seeds: int = param(2, "seeds per posterior draw in the forecast", ge=1)
    weights: TargetWeights = param(None, "weight of each target in the distance", factory=lambda: TargetWeights())
    weekly: str = param("fitted", "the twin's weekly rhythm: fitted (odds factors fitted so the simulated "
                        "weekday profile of DAU matches the training days'), observed (that profile copied into "
                        "the factors) or flat", choices=("fitted", "observed", "flat"))
    newcomers: str = param("auto", "people first seen after the cut-off in the forecast: trend (placeholder people "
                           "arrive at the trend of first appearances over the last 56 training days -- a decline "
                           "carried on, a rise held -- each wired like someone first seen in the last 28), none, "
                           "or auto (trend where the rolling origins' days were forecast better with them)",
                           choices=("auto", "trend", "none"))
    start: str = param("replay", "where what-ifs on the twin start: replay (the twin simulates its whole log, "
                       "everyone arriving on the day first seen, and goes on from the community that leaves) or "
                       "state (each person's state read from the log's end: member or gone, last active days, "
                       "recent activity)", choices=("replay", "state"),
                       why="Started at the training cut-off, neither start forecast the held-out days better on "
                           "every community measured, but the replay's worst error was far smaller (the state's "
                           "members lapse together, or surge, on some; docs/calibration.md, section 5).")
    left_after: int = param(60, "days without activity after which a person counts as gone at the end of the log "
                            "(where what-ifs start with calibrate.start=state, sim/start_state.py; the reports' counts "
                            "of the log's end either way)", ge=1, unit="days")
    jobs: int = param(2, "simulations in parallel (processes)", ge=1)
    seed: int = param(0, "seed of the search and the posterior draws", ge=0)

    def prior_ranges(self) -> dict[str, tuple[float, float]]:
        return {str(k): (float(lo), float(hi)) for k, lo, hi in self.priors}

    def check(self) -> list[str]:
        problems = []
        problems += range_problems("priors", self.priors)
        if not any(v > 0 for v in vars(self.weights).values()):
            problems.append("weights: every weight is 0; the fit needs at least one target")
        return problems


@dataclass
class SensitivitySettings:
    method: str = param("morris", "morris (screening: mu_star, sigma) or sobol (variance shares: S1, ST)",
                        choices=("morris", "sobol"))
    kpi: str = param("mean_dau_last30", "the summary KPI analysed (docs/metrics.md)")
    effect_of: Optional[str] = param(None, "analyse this plan's paired effect on the KPI against the command's plan "
                                     "(e.g. content: plan=content minus plan=baseline, same seeds) instead of the "
                                     "KPI itself")
    parameters: list[str] = param(None, "the parameters varied within their plausible ranges; patterns such as "
                                  "behaviour.churn.* stand for every match that declares a range (empty: "
                                  "behaviour.* and population.*)", factory=list)
    ranges: list[list] = param(None, "ranges replacing the declared plausible ones, as [key, low, high] triples",
                               factory=list)
    trajectories: int = param(10, "Morris trajectories (each costs parameters + 1 points)", ge=2, le=1000)
    levels: int = param(4, "Morris grid levels", ge=2, le=20)
    samples: int = param(64, "Sobol base samples N (a power of 2; costs N x (parameters + 2) points)", ge=8,
                         le=65_536)
    replicates: int = param(3, "seeds per point, the same seeds at every point (common random numbers); the "
                            "KPI is averaged over them", ge=1, le=100)
    first_seed: int = param(0, "replicate seeds are first_seed, first_seed + 1, ...", ge=0)
    jobs: int = param(2, "runs in parallel (processes)", ge=1)
    seed: int = param(0, "seed of the sampling design", ge=0)
    name: str = param("${sensitivity_name:${sensitivity.method},${sensitivity.kpi},${sensitivity.effect_of}}",
                      "name of the analysis; it lands in results/sensitivity/<name>/ (default: method-kpi"
                      "[-effect-<plan>])")

    def check(self) -> list[str]:
        problems = []
        if self.kpi not in KPIS:
            problems.append(f"kpi: unknown KPI {self.kpi!r}; available: {', '.join(KPIS)}")
        elif self.kpi in UNDEFINED_SOMETIMES:
            problems.append(f"kpi: {self.kpi!r} is undefined in some runs (no spending, a budget never used up), "
                            f"which leaves design points without an output; analyse one defined in every run, "
                            f"e.g. total_cost or mean_dau_last30")
        if self.method == "morris" and self.levels % 2:
            problems.append(f"levels: {self.levels} is odd; Morris's design needs an even number of levels "
                            f"(SALib: an odd one biases the sample), e.g. 4 or 6")
        problems += range_problems("ranges", self.ranges)
        if self.method == "sobol" and self.samples & (self.samples - 1):
            problems.append(f"samples: {self.samples} is not a power of 2 (Sobol sequences need one: 32, 64, 128 ...)")
        if not NAME.fullmatch(self.name):
            problems.append(f"name: {self.name!r} must be a plain name (letters, digits, _ . -): it names a folder")
        return problems


@dataclass
class OptimizeSettings:
    budget: float = param(20_000.0, "the money a plan may spend over the run; every candidate runs under it "
                          "(plan.budget), so none overspends", gt=0, unit="currency")
    trials: int = param(60, "candidate plans evaluated (a re-run with more trials continues the search)", ge=2,
                        le=100_000)
    kpi: str = param("mean_dau_last30", "the outcome maximised: the paired difference of this KPI against the "
                     "baseline plan")
    strategies: list[str] = param(None, "strategies the search may switch on (default: every strategy that "
                                  "declares levers, sim/space.py)", factory=lambda: _searchable())
    replicates: int = param(3, "seeds per candidate, the same for every candidate and the baseline (CRN)", ge=2,
                            le=100)
    first_seed: int = param(0, "replicate seeds are first_seed, first_seed + 1, ...", ge=0)
    confirm_replicates: int = param(10, "fresh seeds the recommended plan is re-run on for its reported interval "
                                    "(not the seeds it was picked on)", ge=2, le=1000)
    draws: int = param(0, "search over this many draws of the uncertain parameters (uncertainty=: the prior, or a "
                       "twin's posterior): each candidate runs on every draw x replicate seed and its effect is "
                       "optimize.objective over the draws (0: at the default parameters only)", ge=0, le=200)
    objective: str = param("mean", "what the search maximises over the draws: mean (the expected gain), or q25 / "
                           "q10 (the gain reached in 75% / 90% of the draws: a choice that fears losses)",
                           choices=("mean", "q25", "q10"))
    split: bool = param(True, "search how the budget is split across a plan's strategies (plan.allowances: each "
                        "chosen strategy's share, drawn as a weight from 0.05 to 1 and normalised)")
    timing: bool = param(True, "search when each chosen strategy that has start_day and end_day starts and stops "
                         "(a window of at least a week)")
    sampler: str = param("nsga2", "Optuna's multi-objective sampler: nsga2 or tpe", choices=("nsga2", "tpe"))
    jobs: int = param(2, "runs in parallel (processes); candidates are asked in batches of twice this many", ge=1)
    seed: int = param(0, "seed of the search", ge=0)
    name: str = param("${optimize_name:${optimize.budget}}", "name of the search; it lands in "
                      "results/optimize/<name>/ (default: budget-<budget>)")

    def check(self) -> list[str]:
        problems = []
        if self.kpi not in KPIS:
            problems.append(f"kpi: unknown KPI {self.kpi!r}; available: {', '.join(KPIS)}")
        elif KPIS[self.kpi].direction <= 0 or self.kpi in UNDEFINED_SOMETIMES:
            fit = [k for k, v in KPIS.items() if v.direction > 0 and k not in UNDEFINED_SOMETIMES]
            problems.append(f"kpi: {self.kpi!r} cannot be maximised (lower is better, or it is undefined in some "
                            f"runs); the search maximises one of: {', '.join(fit)}")
        from commsim.strategies.registry import available

        searchable = _searchable()
        for i, name in enumerate(self.strategies):
            if name not in available():
                problems.append(f"strategies[{i}]: strategy {name!r} is not available")
            elif name not in searchable:
                problems.append(f"strategies[{i}]: {name!r} declares no levers (param(..., lever=True)), so it "
                                f"cannot be searched; searchable: {', '.join(searchable)}")
        if not self.strategies:
            problems.append("strategies: empty; list at least one strategy the search may switch on")
        if self.draws == 1:
            problems.append("draws: 1 draw says nothing about what we don't know; use 0 (the default parameters) or "
                            "at least 2")
        if not NAME.fullmatch(self.name):
            problems.append(f"name: {self.name!r} must be a plain name (letters, digits, _ . -): it names a folder")
        return problems


# KPIs that are null in some runs (no cost: no ROI; a budget that never runs out)
UNDEFINED_SOMETIMES = ("roi", "budget_exhausted_day")

def _searchable() -> list[str]:
    """The strategies the optimiser can tune: those declaring levers (sim/space.py)."""
    from commsim.sim.space import searchable

    return searchable()




@dataclass
class ReportSettings:
    currency: str = param(PRICE_CURRENCY, "the currency every money figure of a report is in (CNY, EUR, ...): "
                          "the unit of the model's prices, whose defaults are in CNY (docs/prices.md); a report in "
                          "another currency says its prices must be given in it")
    language: str = param("en", "the language of the report: en (English) or zh (简体中文); sentences from "
                          "experiments/reports/locale/<language>.po (docs/languages.md)", choices=("en", "zh"))


@dataclass
class OutputSettings:
    activity_log: bool = param(False, "also write activity_log.parquet and interactions.parquet (who was active "
                               "on which day; docs/metrics.md)")


# what a robust comparison draws besides the strategies' own responses: every behaviour parameter
# with a plausible range -- how the community acts and answers the operator, unknown until calibrated
PRIOR_PARAMETERS = ["behaviour.*"]


@dataclass
class UncertaintySettings:
    kind: str = param("auto", "what a comparison's decision carries besides seed noise: none (seed noise only), prior "
                      "(behaviour and response parameters drawn from their plausible ranges), posterior (a twin's posterior draws "
                      "plus the prior for the rest); auto: posterior with calibration=<dir>, else prior; pick with "
                      "uncertainty=none, uncertainty=prior or uncertainty=posterior (experiments/analyses/robust.py)",
                      choices=("auto", "none", "prior", "posterior"))
    draws: int = param(20, "parameter draws; each runs every plan on the same compare.replicates seeds (a plan is "
                       "clear when it gains in at least 95% of at least 20 draws)", ge=2, le=1000)
    seed: int = param(0, "seed of the draws (a Latin hypercube over the plausible ranges)", ge=0)
    parameters: list[str] = param(None, "behaviour parameters drawn besides the compared strategies' own response "
                                  "parameters (keys or glob patterns, sim/space.py)",
                                  factory=lambda: list(PRIOR_PARAMETERS))
    strategy_responses: bool = param(True, "also draw every compared strategy's response parameters "
                                     "(sim/space.py responses(): not levers, not prices)")
    match: Optional[float] = param(
        2.0, "keep a prior draw only when the community it describes resembles this one: its daily active "
        "members without any plan (mean of the last 30 days, over the seeds) within this factor of the "
        "configured community's, screened on the first seed; up to 30 candidate draws per kept one are tried, "
        "ten per draw asked at a time (null: keep every draw)", gt=1,
        unit="factor", why="Plausible ranges drawn one by one also describe communities that die out or explode; a "
        "strategist knows roughly how many are active. A history-matching step (Vernon, Goldstein & Bower 2010): "
        "draws whose baseline is implausibly far from what is known are ruled out before the plans are compared.")

    def check(self) -> list[str]:
        from commsim.sim.space import checked_range, expand, parameters

        infos = parameters()
        problems = []
        for key in expand(self.parameters, infos):
            if key not in infos:
                problems.append(f"parameters: {key!r} is not a declared parameter (sim/space.py)")
            elif isinstance(checked_range(infos[key]), str):
                problems.append(f"parameters: {key!r} has no plausible range to draw from")
        return problems


@dataclass
class RunnerSettings:
    kind: str = param("local", "where runs run: local (processes on this machine), ray (a Ray cluster), slurm "
                      "(a SLURM cluster through submitit); pick with runner=local|ray|slurm (docs/cluster.md)",
                      choices=("local", "ray", "slurm"))
    workers: Optional[int] = param(None, "runs at once; null: the command's own setting (compare.jobs, "
                                   "calibrate.jobs, ...) locally, every CPU of the cluster on Ray", ge=1, le=100_000)
    address: Optional[str] = param(None, "ray: the cluster (host:port of its head, auto, or ray://host:10001); "
                                   "null: $RAY_ADDRESS, else a private Ray instance on this machine")
    retries: int = param(2, "times the runs of a worker that died (killed, out of memory, node lost, pre-empted) "
                         "are run again before the command gives up", ge=0, le=20)
    batch: Optional[int] = param(None, "runs per task; null: enough tasks to keep every worker busy, few round "
                                 "trips (at most 16 runs locally, 64 on a cluster)", ge=1, le=10_000)
    dry_run: bool = param(False, "print how many runs, their estimated compute time (from a short run timed on "
                          "this machine) and where results land, and run nothing (also: --dry-run)")
    partition: Optional[str] = param(None, "slurm: the partition (sbatch --partition); null: the cluster's default")
    time_min: int = param(60, "slurm: the time limit of one array task, in minutes", ge=1)
    mem_gb: float = param(4.0, "slurm: memory of one array task, in GB", gt=0)
    cpus_per_task: int = param(1, "slurm: CPUs of one array task (a run uses one)", ge=1)
    cluster: Optional[str] = param(None, "slurm: submitit's executor -- null: SLURM (sbatch must work here); local: "
                                   "submitit's local executor on this machine; debug: in this process",
                                   choices=(None, "slurm", "local", "debug"))
    folder: Optional[str] = param(None, "slurm: where submitit keeps payloads and task logs (shared); null: "
                                  "<the command's output folder>/.submitit")

    def check(self) -> list[str]:
        problems = []
        if self.kind != "slurm" and (self.partition or self.cluster):
            problems.append(f"partition, cluster: SLURM settings, but runner.kind is {self.kind!r}; "
                            f"add runner=slurm")
        if self.kind != "ray" and self.address:
            problems.append(f"address: a Ray setting, but runner.kind is {self.kind!r}; add runner=ray")
        return problems


@dataclass
class Settings:
    progress: str = param("auto", "terminal progress: auto (work over 2 s), always, never", choices=MODES)
    overwrite: bool = param(False, "re-run into an output dir that already holds a finished run")
    sweep_name: str = param("sweep", "multirun jobs land in results/sweeps/<sweep_name>/<overrides>/; "
                            "re-running a sweep with the same name resumes it")
    compare: CompareSettings = field(default_factory=CompareSettings)
    outputs: OutputSettings = field(default_factory=OutputSettings)
    calibrate: CalibrateSettings = field(default_factory=CalibrateSettings)
    sensitivity: SensitivitySettings = field(default_factory=SensitivitySettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    optimize: OptimizeSettings = field(default_factory=OptimizeSettings)
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    uncertainty: UncertaintySettings = field(default_factory=UncertaintySettings)


SETTINGS_KEYS = tuple(f.name for f in dataclasses.fields(Settings))
assert not set(SETTINGS_KEYS) & set(MODEL_KEYS), "a setting must not shadow a model key"



def _fields_of(*classes):
    for cls in classes:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            yield f.name, hints[f.name], dataclasses.field(default=f.default, default_factory=f.default_factory,
                                                           metadata=f.metadata)


# What Hydra composes: the model config and the settings side by side, flat.
AppConfig = dataclasses.make_dataclass("AppConfig", list(_fields_of(Config, Settings)), module=__name__)


# the keys that say how an export is read: declared once in CalibrateSettings, shared by observe
READING_KEYS = ("columns", "header", "delimiter", "timezone", "day_start", "time_unit")


def _reading_fields():
    return [f for f in _fields_of(CalibrateSettings) if f[0] in READING_KEYS]


# ``python -m experiments.observe log=... [timezone=...]``: its own flat keys, no model config
ObserveSettings = dataclasses.make_dataclass("ObserveSettings", [
    ("log", Optional[str], param(None, "the export to read: CSV/TSV/XLSX/Parquet, one row per action (user, time, "
                                 "[target], [kind]); headers in English or Chinese (docs/observe.md)")),
    ("name", str, param("${observed_name:${log}}", "name of the observation; it lands in results/observed/<name>/ "
                        "(default: the export's file name without its extension)")),
    ("retention_weeks", int, param(12, "weeks after each person's first active day in the cohort retention table",
                                   ge=1, le=520)),
    *_reading_fields(),
    ("report", ReportSettings, dataclasses.field(default_factory=ReportSettings)),
], module=__name__)


def observed_name(log) -> str:
    """The default name of an observation: the export's file name without its extension(s)."""
    if not log:
        return "observed"
    name = Path(str(log)).name
    for suffix in (".gz", ".csv", ".tsv", ".txt", ".parquet", ".xlsx"):
        name = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "observed"


def adhoc_name(scenarios) -> str:
    """The default name of a comparison: ``adhoc-`` and a fingerprint of its scenarios."""
    import hashlib
    import json

    from omegaconf import OmegaConf

    data = OmegaConf.to_container(scenarios, resolve=True) if OmegaConf.is_config(scenarios) else scenarios
    if not data:
        return "comparison"
    return "adhoc-" + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]


def sensitivity_name(method, kpi, effect_of) -> str:
    """The default name of a sensitivity analysis: ``morris-mean_dau_last30[-effect-content]``."""
    return f"{method}-{kpi}" + (f"-effect-{effect_of}" if effect_of not in (None, "", "None") else "")


def optimize_name(budget) -> str:
    """The default name of a budget search: ``budget-20000``."""
    return f"budget-{float(budget):g}"


_REGISTERED: tuple | None = None  # the strategies the stored schemas were made with


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (idempotent; a no-op once they are there:
    storing them costs ~0.1 s, and every preflight of a sweep point used to pay it again)."""
    from hydra.core.config_store import ConfigStore

    from omegaconf import OmegaConf

    from commsim.strategies.registry import available

    global _REGISTERED
    cs = ConfigStore.instance()
    strategies = tuple(available())  # base_config takes each strategy's defaults: one registered since is stored
    if _REGISTERED == strategies and "base_config.yaml" in cs.repo and "schema.yaml" in cs.repo.get("calendar", {}) \
            and OmegaConf.has_resolver("observed_name"):
        return
    _REGISTERED = strategies
    OmegaConf.register_new_resolver("adhoc_name", adhoc_name, replace=True)
    OmegaConf.register_new_resolver("sensitivity_name", sensitivity_name, replace=True)
    OmegaConf.register_new_resolver("optimize_name", optimize_name, replace=True)
    OmegaConf.register_new_resolver("observed_name", observed_name, replace=True)
    cs.store(name="base_config", node=AppConfig)
    cs.store(name="observe_config", node=ObserveSettings)
    for kind, cls in NETWORK_KINDS.items():
        cs.store(group="network", name=f"schema_{kind}", node=cls)
    cs.store(group="population", name="schema", node=PopulationConfig)
    cs.store(group="behaviour", name="schema", node=BehaviourConfig)
    cs.store(group="calendar", name="schema", node=CalendarConfig)


def split(data: dict) -> tuple[dict, dict]:
    """Plain composed data -> (model part, settings part). Unknown top-level keys stay with the model
    part, whose validation names them."""
    data = {k: v for k, v in data.items() if k != "hydra"}
    settings = {k: data.pop(k) for k in SETTINGS_KEYS if k in data}
    return data, settings


def load(cfg: Any, overrides: list[str] | None = None) -> tuple[Config, Settings]:
    """Validate a composed config (DictConfig or dict): the model config and the settings.

    ``overrides`` are the command-line overrides the config was composed with: with
    ``calibration=<dir>`` the calibrated twin's values go under every key they do not set."""
    from commsim.sim import calibrated
    from commsim.sim.config import plain

    model_data, settings_data = split(plain(cfg))
    problems: list[str] = []
    try:
        if model_data.get("calibration"):
            explicit = {o.split("=", 1)[0].lstrip("+~") for o in overrides or []}
            model_data = calibrated.apply(model_data, explicit - {"calibration", "calibration_draw"})
        config = validate(model_data)
    except ConfigError as err:
        problems += err.problems
        config = None
    settings = build(Settings, settings_data, "", problems)
    if problems:
        raise ConfigError(problems)
    return config, settings


def load_observe(cfg: Any):
    """Validate the composed config of ``experiments.observe`` (:data:`ObserveSettings`)."""
    from commsim.sim.config import plain

    problems: list[str] = []
    data = {k: v for k, v in plain(cfg).items() if k != "hydra"}
    settings = build(ObserveSettings, data, "", problems)
    if problems:
        raise ConfigError(problems)
    return settings


def model_config(cfg: Any, overrides: list[str] | None = None) -> Config:
    """Just the validated model config of a composed config (the settings are checked too)."""
    return load(cfg, overrides)[0]
