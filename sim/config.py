"""The model config: the schema of every key that describes a simulated community and plan.

The dataclasses below (and the parameter groups declared next to the stages
and strategies that use them) are the single source of truth for what a model
can be configured with. They are the structured-config schema Hydra composes
with (``experiments.settings`` registers them, together with the runner
settings of the commands), and :func:`validate` checks everything before any
work starts: unknown keys (Hydra's ``+key=value`` would add them silently),
missing values (``???``), types, ranges and cross-key rules. Every problem is
reported with its dotted key and what is allowed, all at once.

Only what changes simulated numbers belongs here; how runs are run (progress,
overwrite, comparisons, sweeps) is configured in ``experiments.settings``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from commsim.sim import calibrated, day
from commsim.sim.arrivals import per_person_arrivals
from commsim.sim.calendar import CalendarConfig
from commsim.sim.crisis import CrisisConfig
from commsim.sim.day import BehaviourConfig
from commsim.sim.errors import ConfigError
from commsim.sim.params import Source, literature, param
from commsim.sim.schema import build

__all__ = ["Config", "ConfigError", "validate", "to_dict", "NETWORK_KINDS", "MAX_PEOPLE"]


# --------------------------------------------------------------------- network
MAX_PEOPLE = 2_000_000_000  # member ids are int32; whether a size fits this machine is the memory guard's call (sim/memory.py)

@dataclass
class NetworkConfig:
    kind: str = MISSING


@dataclass
class BarabasiAlbertConfig(NetworkConfig):
    kind: str = "barabasi_albert"
    n: int = param(10_000, "people in the audience (members and prospects)", ge=2, le=MAX_PEOPLE)
    m: int = param(5, "ties each newcomer makes (mean degree is about 2m)", ge=1)


@dataclass
class ErdosRenyiConfig(NetworkConfig):
    kind: str = "erdos_renyi"
    n: int = param(10_000, "people in the audience", ge=1, le=MAX_PEOPLE)
    mean_degree: float = param(10.0, "expected ties per person", ge=0)


@dataclass
class WattsStrogatzConfig(NetworkConfig):
    kind: str = "watts_strogatz"
    n: int = param(10_000, "people in the audience", ge=3, le=MAX_PEOPLE)
    k: int = param(10, "ties per person in the ring lattice (even)", ge=2)
    rewire_p: float = param(0.1, "probability a lattice tie is rewired at random", ge=0, le=1)


@dataclass
class PowerlawClusterConfig(NetworkConfig):
    kind: str = "powerlaw_cluster"
    n: int = param(10_000, "people in the audience", ge=2, le=MAX_PEOPLE)
    m: int = param(5, "ties each newcomer makes", ge=1)
    triangle_p: float = param(0.5, "probability of closing a triangle after each tie", ge=0, le=1)


@dataclass
class StochasticBlockConfig(NetworkConfig):
    kind: str = "stochastic_block"
    n: int = param(10_000, "people in the audience", ge=1, le=MAX_PEOPLE)
    groups: int = param(8, "interest groups (blocks); also the number of topics", ge=1)
    mean_degree: float = param(10.0, "expected ties per person", ge=0)
    within_share: float = param(0.8, "share of ties inside one's own interest group", ge=0, le=1)


@dataclass
class CompleteConfig(NetworkConfig):
    kind: str = "complete"
    n: int = param(1_000, "people; everyone knows everyone (n^2 ties: at most 10 000)", ge=1, le=10_000)


@dataclass
class KarateConfig(NetworkConfig):
    kind: str = "karate"


@dataclass
class FileConfig(NetworkConfig):
    kind: str = "file"
    path: str = param(MISSING, "edge list (.csv/.tsv/.txt/.edges, optionally .gz) or .graphml file "
                      "(docs/model.md, 'Your own network')")
    format: str = param("auto", "file format: auto (by suffix), an edge list (csv and tsv alike: the delimiter is "
                        "detected) or graphml", choices=("auto", "csv", "tsv", "graphml"))
    header: Optional[bool] = param(None, "whether an edge list's first line is a header (null: decided from the data)")
    delimiter: Optional[str] = param(None, "an edge list's delimiter: comma, semicolon, tab, pipe, space (null: "
                                     "detected)")


NETWORK_KINDS: dict[str, type[NetworkConfig]] = {
    c.kind: c
    for c in (
        BarabasiAlbertConfig,
        ErdosRenyiConfig,
        WattsStrogatzConfig,
        PowerlawClusterConfig,
        StochasticBlockConfig,
        CompleteConfig,
        KarateConfig,
        FileConfig,
    )
}


# ------------------------------------------------------------------ population
@dataclass
class PopulationConfig:
    initial_members: Optional[int] = param(
        None, "members on day 0 (overrides initial_member_share)", ge=0, unit="people", source=Source("user"),
        why="An exact day-0 member count; leave empty to use the share.")
    initial_member_share: float = param(
        0.05, "share of the audience who are members on day 0", ge=0, le=1, unit="share", source=Source("user"),
        why="A community starts small inside its audience.")
    placement: str = param(
        "random", "where day-0 members sit: random people, or a cluster grown from one person",
        choices=("random", "cluster"),
        why="`random` scatters day-0 members; `cluster` grows them from one person (a friend group that "
            "starts a community).")
    topics: int = param(8, "interest topics (graphs with interest groups use their groups instead)", ge=1,
                        unit="topics", source=Source("user"),
                        why="Interest topics for content matching; graphs with interest groups use their groups.")
    fit_mean: float = param(0.5, "mean intrinsic fit with the community (Beta distributed)", gt=0, lt=1,
                            unit="fit", plausible=(0.3, 0.7), why="Most of the audience fits moderately.")
    fit_concentration: float = param(4.0, "Beta concentration of fit (higher = more alike)", gt=0,
                                     unit="a + b of the Beta", plausible=(2.0, 10.0), why="Beta(2, 2) at the defaults: a broad spread of fit.")
    initial_habit: float = param(0.7, "habit strength of a newcomer on joining", ge=0, le=1, unit="habit",
                                 plausible=(0.2, 0.9),
                                 why="Newcomers are most active in their first days -- novelty: they arrive "
                                     "with a habit that fades to their own rate within weeks (CollegeMsg: 53% "
                                     "are back in week 1, 28% in week 4).")
    seed_member_habit: float = param(0.5, "mean habit of day-0 members (spread +/- half of it)", ge=0, le=1,
                                     unit="habit", plausible=(0.3, 0.8),
                                     why="Day-0 members already have some habit, spread ±50%.")
    seed_engagement: float = param(
        1.0, "how much more engaged day-0 members are than the audience (log-odds added to their propensity)",
        ge=0, unit="log-odds", plausible=(0.0, 2.0),
        why="An existing community's members are the ones who stayed: selected for engagement. Without "
            "this, day-0 members drawn like anyone else would mostly drift away in the first months.")
    # who differs (sim/population.py draw_traits)
    propensity_sd: float = param(
        1.0, "spread (sd) of personal activity propensity, a log-odds offset", ge=0, unit="log-odds",
        plausible=(0.3, 2.0), source=literature("Muchnik et al. 2013, Sci. Rep. 3:1783"),
        why="Activity differs between people far more than it varies from day to day; a log-normal-like "
            "spread of rates gives the participation inequality of real communities (the top 10% of users "
            "hold ~40% of active days in CollegeMsg).")
    voice_sd: float = param(
        0.8, "spread (sd of the log) of personal voice: posting, sharing and actions per active day", ge=0,
        unit="log", plausible=(0.3, 1.8),
        why="Messages per person are heavy-tailed (CollegeMsg: median 14, mean 44, max 1,091 per sender); "
            "a log-normal voice reproduces the long right tail.")
    voice_corr: float = param(0.5, "correlation of voice with activity propensity", ge=-1, le=1, unit="correlation",
                              plausible=(0.0, 0.9),
                              why="The people who come most often also say the most.")
    frailty_variance: float = param(
        1.0, "variance of the personal churn-hazard multiplier (gamma frailty, mean 1; 0 = everyone alike)",
        ge=0, unit="variance", plausible=(0.0, 3.0),
        source=literature("Vaupel, Manton & Stallard 1979, Demography 16(3)"),
        why="Some people are simply likelier to leave; gamma frailty turns each person's constant hazard into "
            "a survival curve that flattens like a power law (1 + v h t)^(-1/v) for the cohort.")
    # when people arrive (agents/joining.py)
    audience_at_start: float = param(1.0, "share of the audience present on day 0; the rest arrive later", gt=0,
                                     le=1, unit="share", source=Source("user"),
                                     why="A community's audience often grows: new students each term, new "
                                         "customers each month.")
    arrival_days: int = param(180, "days over which the rest of the audience arrives, evenly (times the "
                              "calendar's joining multiplier)", ge=1, unit="days", source=Source("user"),
                              why="Arrivals spread over the first months; use arrivals_file for a dated series.")
    arrivals_file: Optional[str] = param(None, "CSV with columns day,people: people arriving on each day "
                                         "(overrides arrival_days)", source=Source("user"),
                                         why="A dated series of arrivals, e.g. sign-ups per day from your data.")
    state_file: Optional[str] = param(None, "CSV of each person's state on day 0 -- person,status,join_day,"
                                      "last_active_day,recent (sim/start_state.py); a calibrated twin's state at the "
                                      "end of its log, so that its what-ifs start from today (with it, an arrivals_file "
                                      "person,day[,as] lists newcomers after day 0)", source=Source("user"),
                                      why="A twin's future starts from the community as the log leaves it, not "
                                          "from an empty one.")


# ------------------------------------------------------------------------ plan
@dataclass
class PlanConfig:
    name: str = param("baseline", "label of the plan in outputs (a plan that runs strategies under the default "
                      "label is labelled by them: content+winback)")
    budget: Optional[float] = param(None, "total money the plan may spend (null = unlimited)", ge=0, unit="currency")
    strategies: list[str] = param(None, "strategy names, in order", factory=list)
    allowances: dict[str, float] = param(
        None, "a budget split: the most each listed strategy may spend over the run ({content: 5000, kol: 3000}); "
        "together at most plan.budget; a strategy not listed spends from what the budget has left (empty: no split)",
        unit="currency", factory=dict)


# ----------------------------------------------------------------------- model
def _build_strategies(raw, path: str, problems: list[str]) -> dict:
    """``strategies.<name>.<key>``: each loadable strategy's Params, validated."""
    if not isinstance(raw, dict):
        problems.append(f"{path}: expected a group of strategies, got {raw!r}")
        return {}
    given = dict(raw)
    built = {}
    for name in day.strategy_names():
        built[name] = build(day.strategy_params(name), given.pop(name, {}) or {}, f"{path}.{name}", problems)
    broken = day.broken_strategies()
    for name in given:
        if name in broken:
            problems.append(f"{path}.{name}: strategy {name!r} could not be loaded (strategies/{name}.py: "
                            f"{broken[name]})")
        else:
            problems.append(f"{path}.{name}: unknown strategy; available: {', '.join(day.strategy_names())}")
    return built


@dataclass
class Config:
    """Everything that determines a run's numbers (and nothing else)."""

    seed: int = param(0, "replicate seed; all random streams derive from it", ge=0)
    days: int = param(180, "days to simulate", ge=1, le=36_500, unit="days",
                      why="Up to 100 years: beyond that nothing in the model (people, habits, strategies) means "
                          "anything, and the daily records alone would outgrow memory.")
    history_days: int = param(0, "days of the community's past simulated before day 1, the plan's strategies off and "
                              "nothing recorded (days -history_days+1 .. 0; day 0 is the last day of that past): a "
                              "calibrated twin's replay of its log, so that day 1 is the day after it", ge=0,
                              le=36_500, unit="days",
                              why="A twin's what-ifs start from its own simulation of the log: its members, habits and "
                                  "churn pressure are the model's, so they carry on as its forecast does "
                                  "(docs/calibration.md, section 5).")
    calibration: Optional[str] = param(None, "a calibrated twin (the run directory of python -m experiments.calibrate) "
                                       "whose graph, population, calendar and fitted parameters this run uses")
    calibration_draw: Optional[int] = param(None, "use the fitted parameters of this posterior draw instead of the "
                                            "posterior medians (comparisons set it per replicate)", ge=0)
    network: NetworkConfig = MISSING
    population: PopulationConfig = field(default_factory=PopulationConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    crisis: CrisisConfig = field(default_factory=CrisisConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    strategies: dict[str, Any] = field(
        default_factory=day.strategy_defaults,
        metadata={"doc": "parameters of every strategy, strategies.<name>.<key> (docs/strategies.md)",
                  "build": _build_strategies},
    )


MODEL_KEYS = tuple(f.name for f in dataclasses.fields(Config))


# ------------------------------------------------------------------ validation
def validate(cfg: Any) -> Config:
    """Check a model config (DictConfig, dict or :class:`Config`) and return a typed :class:`Config`.

    Raises :class:`ConfigError` listing every problem with its dotted key.
    """
    data = dataclasses.asdict(cfg) if isinstance(cfg, Config) else plain(cfg)
    data.pop("hydra", None)
    problems: list[str] = []
    result = build(Config, data, "", problems, variants={NetworkConfig: ("kind", NETWORK_KINDS)})
    if not problems:
        _check_cross_keys(result, problems)
    if problems:
        raise ConfigError(problems)
    if result.plan.name == "baseline" and result.plan.strategies:
        # plan.strategies=[content,winback] on top of the default plan: label it by what it runs
        result.plan.name = "+".join(result.plan.strategies)
    return result


def plain(cfg: Any) -> dict:
    """A composed config (DictConfig or dict) as plain nested data; missing values are errors."""
    if isinstance(cfg, (DictConfig, ListConfig)):
        missing = sorted(OmegaConf.missing_keys(cfg))
        if missing:
            raise ConfigError([f"{key}: no value given (it is required; set it on the command line as {key}=...)"
                               for key in missing])
        try:
            return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
        except OmegaConfBaseException as err:
            raise ConfigError([f"{getattr(err, 'full_key', '?')}: {err.msg if hasattr(err, 'msg') else err}"]) from None
    if isinstance(cfg, dict):
        return dict(cfg)
    raise TypeError(f"expected a config mapping, got {type(cfg).__name__}")


def _check_cross_keys(cfg: Config, problems: list[str]) -> None:
    plan = cfg.plan
    for name, amount in (plan.allowances or {}).items():
        if name not in plan.strategies:
            problems.append(f"plan.allowances.{name}: {name!r} is not a strategy of the plan "
                            f"({', '.join(plan.strategies) or 'none'}); a budget split names the plan's strategies")
        if amount < 0:
            problems.append(f"plan.allowances.{name}: {amount:g} is negative; an allowance is the most a strategy "
                            f"may spend")
    if plan.allowances and plan.budget is not None and sum(plan.allowances.values()) > plan.budget + 1e-6:
        problems.append(f"plan.allowances: they add up to {sum(plan.allowances.values()):,.2f}, more than "
                        f"plan.budget ({plan.budget:,.2f}); a split divides the budget, it cannot exceed it")
    net = cfg.network
    n = getattr(net, "n", None)
    if isinstance(net, (BarabasiAlbertConfig, PowerlawClusterConfig)) and net.m >= net.n:
        problems.append(f"network.m: {net.m} must be smaller than network.n ({net.n})")
    if isinstance(net, WattsStrogatzConfig):
        if net.k % 2:
            problems.append(f"network.k: {net.k} must be even (k/2 neighbours on each side of the ring)")
        if net.k >= net.n:
            problems.append(f"network.k: {net.k} must be smaller than network.n ({net.n})")
    if isinstance(net, (ErdosRenyiConfig, StochasticBlockConfig)) and net.mean_degree > net.n - 1:
        problems.append(f"network.mean_degree: {net.mean_degree} is more than the n - 1 = {net.n - 1} "
                        f"others each person could know; use network=complete for everyone-knows-everyone")
    if isinstance(net, StochasticBlockConfig) and net.groups > net.n:
        problems.append(f"network.groups: {net.groups} must not exceed network.n ({net.n})")
    pop = cfg.population
    if n is not None and pop.initial_members is not None and pop.initial_members > n:
        problems.append(
            f"population.initial_members: {pop.initial_members} is more than the {n} people in the "
            f"network (network.n); lower it or raise network.n"
        )
    if cfg.history_days:
        if pop.state_file is not None:
            problems.append("history_days: a run starts either from a replayed past (history_days) or from a state "
                            "file (population.state_file), not both")
        if pop.arrivals_file and Path(pop.arrivals_file).is_file() and not per_person_arrivals(pop.arrivals_file):
            problems.append("population.arrivals_file: with history_days it must say who arrives on which day "
                            "(person,day[,as]; days up to 0 are in the past), not how many (day,people)")
    first = 1 - cfg.history_days
    for k, event in enumerate(cfg.calendar.events):
        if event.start < first:
            problems.append(f"calendar.events.{k}.start: {event.start} is not a day of the run (from "
                            f"{first}{', the first day of the past replayed' if cfg.history_days else ''})")
    if pop.state_file is not None:
        if not Path(pop.state_file).is_file():
            problems.append(f"population.state_file: {pop.state_file!r} is not a file")
        if pop.initial_members:
            problems.append("population.state_file: the day-0 members come from the state file; leave "
                            "population.initial_members at 0")
        if pop.arrivals_file and Path(pop.arrivals_file).is_file() and not per_person_arrivals(pop.arrivals_file):
            problems.append("population.arrivals_file: with a state file it must say who arrives (person,day[,as]: "
                            "the newcomers after day 0), not how many (day,people)")
    if isinstance(net, KarateConfig) and pop.initial_members is not None and pop.initial_members > 34:
        problems.append(f"population.initial_members: {pop.initial_members} is more than the 34 people of the karate club")
    if cfg.crisis.day is not None and cfg.crisis.day > cfg.days:
        problems.append(f"crisis.day: {cfg.crisis.day} is after the last simulated day (days={cfg.days}): the crisis "
                        f"would never happen; lower crisis.day or raise days")
    # a file graph's size is known only once it is read: checked in Population.create
    if cfg.calibration is not None:
        try:
            calibrated.load(cfg.calibration)
        except ConfigError as err:
            problems += err.problems
    elif cfg.calibration_draw is not None:
        problems.append("calibration_draw: only means something with calibration=<dir>")
    names, broken = day.strategy_names(), day.broken_strategies()
    for i, name in enumerate(cfg.plan.strategies):
        if name in broken:
            problems.append(f"plan.strategies[{i}]: strategy {name!r} could not be loaded (strategies/{name}.py: "
                            f"{broken[name]})")
        elif name not in names:
            problems.append(f"plan.strategies[{i}]: unknown strategy {name!r}; available: {', '.join(names)}")
    if len(set(cfg.plan.strategies)) != len(cfg.plan.strategies):
        problems.append(f"plan.strategies: {cfg.plan.strategies} names a strategy twice")


def to_dict(cfg: Config) -> dict:
    """A plain nested dict of a validated config (for saving and logging)."""
    return dataclasses.asdict(cfg)
