"""Structured configuration: the schema of every key, and its validation.

The dataclasses below are the single source of truth for what a run can be
configured with. They are registered with Hydra's ConfigStore (so Hydra checks
types while composing) and :func:`validate` checks the rest before any work
starts: unknown keys (Hydra's ``+key=value`` would add them silently), missing
values (``???``), types, ranges and cross-key rules. Every problem is reported
with its dotted key and what is allowed, all at once.

Behaviour parameters live in :mod:`sim.behaviour_config`; this module holds the
run, network, population and plan schemas and the validator.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from agents.behaviour import BehaviourConfig
from sim.params import param


class ConfigError(ValueError):
    """The configuration is invalid; ``problems`` lists each ``key: what is wrong``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        head = "invalid configuration" if len(problems) == 1 else f"{len(problems)} problems in the configuration"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))


# --------------------------------------------------------------------- network
MAX_PEOPLE = 50_000_000  # ~10 GiB of graph and state at mean degree 10; this machine has 24 GiB

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
    path: str = param(MISSING, "edge list (.csv/.tsv/.txt/.edges) or .graphml file")
    format: str = param("auto", "file format", choices=("auto", "csv", "tsv", "graphml"))


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
    initial_members: Optional[int] = param(None, "members on day 0 (overrides initial_member_share)", ge=0)
    initial_member_share: float = param(0.05, "share of the audience who are members on day 0", ge=0, le=1)
    placement: str = param(
        "random", "where day-0 members sit: random people, or a cluster grown from one person",
        choices=("random", "cluster"),
    )
    topics: int = param(8, "interest topics (graphs with interest groups use their groups instead)", ge=1)
    fit_mean: float = param(0.5, "mean intrinsic fit with the community (Beta distributed)", gt=0, lt=1)
    fit_concentration: float = param(4.0, "Beta concentration of fit (higher = more alike)", gt=0)
    initial_habit: float = param(0.3, "habit strength of a newcomer on joining", ge=0, le=1)
    seed_member_habit: float = param(0.5, "mean habit of day-0 members (spread +/- half of it)", ge=0, le=1)


# ------------------------------------------------------------------------ plan
@dataclass
class PlanConfig:
    name: str = param("baseline", "label of the plan in outputs")
    budget: Optional[float] = param(None, "total money the plan may spend (null = unlimited)", ge=0)
    strategies: list[str] = field(default_factory=list, metadata={"doc": "strategy names, in order"})


# -------------------------------------------------------------------- compare
DEFAULT_KPIS = ["mean_dau_last30", "final_members", "stickiness_last30", "churn_rate_30d",
                "retention_d30", "k_factor", "total_cost", "total_revenue"]


@dataclass
class CompareConfig:
    name: str = param("comparison", "name of the comparison; its report lands in results/reports/<name>/")
    baseline: str = param("baseline", "the scenario every other one is compared against")
    scenarios: dict[str, list[str]] = field(
        default_factory=dict,
        metadata={"doc": "scenario name -> Hydra overrides, e.g. {kol: [plan=kol_seeding]}"},
    )
    replicates: int = param(5, "replicate seeds per scenario, shared by all scenarios (at least 2)", ge=1)
    first_seed: int = param(0, "replicate seeds are first_seed, first_seed + 1, ...", ge=0)
    jobs: int = param(1, "runs in parallel (processes)", ge=1)
    kpis: list[str] = field(default_factory=lambda: list(DEFAULT_KPIS),
                            metadata={"doc": "summary KPIs in the report (docs/metrics.md)"})


# ------------------------------------------------------------------------- run
@dataclass
class Config:
    seed: int = param(0, "replicate seed; all random streams derive from it", ge=0)
    days: int = param(180, "days to simulate", ge=1)
    progress: str = param("auto", "terminal progress: auto (runs over 2 s), always, never",
                          choices=("auto", "always", "never"))
    overwrite: bool = param(False, "re-run into an output dir that already holds a finished run")
    network: NetworkConfig = MISSING
    population: PopulationConfig = field(default_factory=PopulationConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
    sweep_name: str = param("sweep", "multirun jobs land in results/sweeps/<sweep_name>/<overrides>/; "
                            "re-running a sweep with the same name resumes it")
    strategies: dict[str, Any] = field(
        default_factory=lambda: _strategy_defaults(),
        metadata={"doc": "parameters of every strategy, strategies.<name>.<key> (docs/strategies.md)"},
    )


def _strategy_defaults() -> dict:
    from strategies import registry

    return registry.default_params()


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    for kind, cls in NETWORK_KINDS.items():
        cs.store(group="network", name=f"schema_{kind}", node=cls)
    cs.store(group="population", name="schema", node=PopulationConfig)
    cs.store(group="behaviour", name="schema", node=BehaviourConfig)


# ------------------------------------------------------------------ validation
def validate(cfg: Any) -> Config:
    """Check a composed config (DictConfig, dict or :class:`Config`) and return a typed :class:`Config`.

    Raises :class:`ConfigError` listing every problem with its dotted key.
    """
    if isinstance(cfg, Config):
        cfg = OmegaConf.structured(cfg)
    problems: list[str] = []
    if isinstance(cfg, (DictConfig, ListConfig)):
        missing = sorted(OmegaConf.missing_keys(cfg))
        problems += [f"{key}: no value given (it is required; set it on the command line as {key}=...)" for key in missing]
        try:
            data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
        except OmegaConfBaseException as err:
            raise ConfigError([f"{getattr(err, 'full_key', '?')}: {err.msg if hasattr(err, 'msg') else err}"]) from None
    elif isinstance(cfg, dict):
        data = cfg
    else:
        raise TypeError(f"expected a config mapping, got {type(cfg).__name__}")
    data = {k: v for k, v in data.items() if k != "hydra"}
    if problems:
        raise ConfigError(problems)
    result = _build(Config, data, "", problems)
    if not problems:
        _check_cross_keys(result, problems)
    if problems:
        raise ConfigError(problems)
    return result


def _build(cls, data, path: str, problems: list[str]):
    if not isinstance(data, dict):
        problems.append(f"{path or 'config'}: expected a group of keys, got {data!r}")
        return None
    if cls is NetworkConfig:
        kind = data.get("kind", MISSING)
        if kind not in NETWORK_KINDS:
            problems.append(f"{path}.kind: unknown network kind {kind!r}; allowed: {', '.join(NETWORK_KINDS)}")
            return None
        cls = NETWORK_KINDS[kind]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            problems.append(
                f"{_join(path, key)}: unknown key; allowed keys here: {', '.join(fields)}"
            )
    hints = typing.get_type_hints(cls)
    values = {}
    for name, f in fields.items():
        key = _join(path, name)
        if name in data:
            raw = data[name]
        elif f.default is not dataclasses.MISSING:
            raw = f.default
        elif f.default_factory is not dataclasses.MISSING:
            raw = f.default_factory()
        else:
            raw = MISSING
        if isinstance(raw, str) and raw == MISSING:
            problems.append(f"{key}: no value given (it is required; set it as {key}=...)")
            continue
        if cls is Config and name == "strategies":
            values[name] = _build_strategies(raw, key, problems)
            continue
        values[name] = _coerce(hints[name], raw, key, f.metadata, problems)
    try:
        return cls(**values)
    except TypeError:
        return None  # a field failed; its problem is already recorded


def _build_strategies(raw, path: str, problems: list[str]) -> dict:
    from strategies import registry

    if not isinstance(raw, dict):
        problems.append(f"{path}: expected a group of strategies, got {raw!r}")
        return {}
    built = {}
    given = dict(raw)
    for name in registry.available():
        params_cls = registry.get(name).Params
        built[name] = _build(params_cls, given.pop(name, {}) or {}, f"{path}.{name}", problems)
    for name in given:
        problems.append(f"{path}.{name}: unknown strategy; available: {', '.join(registry.available())}")
    return built


def _coerce(tp, raw, key: str, meta, problems: list[str]):
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if raw is None:
            return None
        return _coerce(args[0], raw, key, meta, problems)
    if dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(raw):
            raw = dataclasses.asdict(raw)
        return _build(tp, raw, key, problems)
    if origin is dict:
        if not isinstance(raw, dict):
            problems.append(f"{key}: expected a group of named entries, got {raw!r}")
            return {}
        _, value_type = typing.get_args(tp)
        return {str(k): _coerce(value_type, v, f"{key}.{k}", {}, problems) for k, v in raw.items()}
    if origin is list:
        if not isinstance(raw, (list, tuple)):
            problems.append(f"{key}: expected a list, got {raw!r}")
            return []
        (item,) = typing.get_args(tp)
        return [_coerce(item, v, f"{key}[{i}]", {}, problems) for i, v in enumerate(raw)]
    if tp is bool:
        if not isinstance(raw, bool):
            problems.append(f"{key}: expected true or false, got {raw!r}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            else:
                problems.append(f"{key}: expected a whole number, got {raw!r}")
                return raw
    elif tp is float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            problems.append(f"{key}: expected a number, got {raw!r}")
            return raw
        raw = float(raw)
        if not math.isfinite(raw):
            problems.append(f"{key}: expected a finite number, got {raw!r}")
            return raw
    elif tp is str:
        if not isinstance(raw, str):
            problems.append(f"{key}: expected text, got {raw!r}")
            return raw
    _check_range(raw, key, meta, problems)
    return raw


def _check_range(value, key: str, meta, problems: list[str]) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        problems.append(f"{key}: {value!r} is not allowed; choose one of {', '.join(map(str, choices))}")
        return
    lo, hi = meta.get("ge"), meta.get("le")
    glo, lhi = meta.get("gt"), meta.get("lt")
    bad = (
        (lo is not None and value < lo) or (hi is not None and value > hi)
        or (glo is not None and value <= glo) or (lhi is not None and value >= lhi)
    )
    if bad:
        left = f"[{lo}" if lo is not None else (f"({glo}" if glo is not None else "(-inf")
        right = f"{hi}]" if hi is not None else (f"{lhi})" if lhi is not None else "inf)")
        problems.append(f"{key}: {value!r} is out of range; allowed: {left}, {right}")


def _check_cross_keys(cfg: Config, problems: list[str]) -> None:
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
    if isinstance(net, KarateConfig) and pop.initial_members is not None and pop.initial_members > 34:
        problems.append(f"population.initial_members: {pop.initial_members} is more than the 34 people of the karate club")
    # a file graph's size is known only once it is read: checked in Population.create
    from strategies import registry

    for i, name in enumerate(cfg.plan.strategies):
        if name not in registry.available():
            problems.append(
                f"plan.strategies[{i}]: unknown strategy {name!r}; available: {', '.join(registry.available())}"
            )
    cmp = cfg.compare
    if cmp.replicates < 2:
        problems.append(f"compare.replicates: {cmp.replicates} is too few; confidence intervals need at "
                        f"least 2 replicates per scenario (5-20 is typical)")
    if cmp.scenarios and cmp.baseline not in cmp.scenarios:
        problems.append(f"compare.baseline: {cmp.baseline!r} is not one of the scenarios "
                        f"({', '.join(cmp.scenarios)})")
    from sim.metrics import SUMMARY_KEYS

    if not cmp.kpis:
        problems.append("compare.kpis: empty; list at least one KPI (the first is the headline)")
    import re

    for label, name in [("compare.name", cmp.name)] + [(f"compare.scenarios.{s}", s) for s in cmp.scenarios]:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in (".", ".."):
            problems.append(f"{label}: {name!r} must be a plain name (letters, digits, _ . -): it names a folder")
    for i, kpi in enumerate(cmp.kpis):
        if kpi not in SUMMARY_KEYS:
            problems.append(f"compare.kpis[{i}]: unknown KPI {kpi!r}; available: {', '.join(SUMMARY_KEYS)}")
    if len(set(cfg.plan.strategies)) != len(cfg.plan.strategies):
        problems.append(f"plan.strategies: {cfg.plan.strategies} names a strategy twice")
    for name, params in cfg.strategies.items():
        check = getattr(params, "check", None)
        if check is not None:
            problems += [f"strategies.{name}.{msg}" for msg in check()]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def to_dict(cfg: Config) -> dict:
    """A plain nested dict of a validated config (for saving and logging)."""
    return dataclasses.asdict(cfg)
