"""The parameter space: every declared parameter of the model and of every strategy, by dotted key.

One vocabulary, derived from the :func:`sim.params.param` declarations, for everything that
varies parameters -- calibration (what it may fit and its priors), sensitivity analysis (what it
varies and over which range), the optimiser (a strategy's levers) and the pages. A new strategy
file that declares its parameters is searchable, sensitivity-analysable and listed here with no
other edit::

    from commsim.sim import space
    space.parameters()["strategies.content.posts_per_week"].plausible   # (1.0, 21.0)
    space.levers("kol")                                                 # [k, method]
    space.responses("kol")                                              # [perk_uplift]
    space.search_range(space.parameters()["behaviour.churn.hazard_dormant"])

Keys: ``behaviour.<stage group>.<name>`` (the day's stages), ``population.<name>``,
``strategies.<strategy>.<name>`` (every strategy that loaded).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from commsim.sim.params import ParamInfo, declared

LOG_SPAN = 20.0  # a range spanning this factor or more is searched on a log scale (rates, hazards, sizes)


def model_parameters() -> dict[str, ParamInfo]:
    """Behaviour (every stage of the day) and population parameters: what a calibration may fit."""
    from commsim.sim.config import PopulationConfig
    from commsim.sim.day import DAY_PLAN

    infos = {i.key: i for i in declared(PopulationConfig, "population")}
    for stage in DAY_PLAN:
        if stage.group:
            infos.update({i.key: i for i in declared(stage.params, f"behaviour.{stage.group}")})
    return infos


def strategy_parameters(name: str | None = None) -> dict[str, ParamInfo]:
    """The parameters of strategy ``name`` (of every available strategy when None)."""
    from commsim.sim.day import registry  # the composition root holds the strategies

    names = registry.available() if name is None else [name]
    return {i.key: i for n in names for i in declared(registry.get(n).Params, f"strategies.{n}")}


def parameters() -> dict[str, ParamInfo]:
    """Every declared parameter: model and strategies."""
    return {**model_parameters(), **strategy_parameters()}


def levers(name: str) -> list[ParamInfo]:
    """Strategy ``name``'s levers: the parameters declared with ``lever=True`` (what the operator
    chooses), each searchable over its plausible range or its choices."""
    return [i for i in strategy_parameters(name).values() if i.lever and (i.choices or (i.numeric and i.plausible))]


def responses(name: str) -> list[ParamInfo]:
    """Strategy ``name``'s response parameters: how the community answers it -- not a lever the
    operator sets, not a price or capacity the operator knows (``source="user"``) -- each numeric
    with a plausible range: what a robust comparison draws from its prior (experiments/analyses/robust.py)."""
    return [i for i in strategy_parameters(name).values()
            if not i.lever and i.numeric and i.plausible and i.source.kind != "user"]


def searchable() -> list[str]:
    """The strategies that have at least one lever (what the optimiser can switch on and tune)."""
    from commsim.sim.day import registry

    return [name for name in registry.available() if levers(name)]


def expand(patterns: list[str], infos: dict[str, ParamInfo] | None = None) -> list[str]:
    """Keys and glob patterns (``behaviour.churn.*``) -> keys, in order, without repeats. A pattern
    stands for every numeric parameter with a plausible range it matches; a pattern that matches
    nothing is kept as it is (so that the caller's check names it)."""
    infos = parameters() if infos is None else infos
    out = []
    for key in patterns:
        if any(c in key for c in "*?["):
            found = [k for k, i in infos.items() if fnmatch.fnmatchcase(k, key) and i.numeric and i.plausible]
            out += found or [key]
        else:
            out.append(key)
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Range:
    """Where a parameter is searched or sampled: ``[low, high]``, on a log scale when it spans a
    factor of :data:`LOG_SPAN` or more, rounded to integers for integer parameters."""

    key: str
    low: float
    high: float
    log: bool
    integer: bool = False


def log_scale(low: float, high: float) -> bool:
    return low > 0 and high / low >= LOG_SPAN


def search_range(info: ParamInfo, override: tuple[float, float] | None = None) -> Range:
    """The range of ``info`` (its plausible range unless ``override`` gives one)."""
    low, high = override or info.plausible or (None, None)
    if low is None:
        raise ValueError(f"{info.key} declares no plausible range")
    return Range(info.key, float(low), float(high), log_scale(float(low), float(high)), info.type is int)


def checked_range(info: ParamInfo, override: tuple[float, float] | None = None) -> Range | str:
    """The range ``info`` is searched over (``override`` or its plausible range), or what is wrong
    with it: ``"no range"`` (none declared or given) or ``"bad range"`` (not increasing, or outside
    the parameter's hard bounds)."""
    low, high = override or info.plausible or (None, None)
    if low is None:
        return "no range"
    if not (low < high) or not (info.allows(low) and info.allows(high)):
        return "bad range"
    return search_range(info, (low, high))
