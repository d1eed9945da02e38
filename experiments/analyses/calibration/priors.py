"""The parameters a calibration may fit, and their priors.

A prior is uniform on ``[low, high]`` -- or on ``[log low, log high]`` when the range spans a
factor of 20 or more (rates and hazards) -- taken from the parameter's declared plausible range
(:mod:`sim.space`, from the declarations of :mod:`sim.params`), except where a calibrated twin needs a wider one (:data:`TWIN_PRIORS`), or
``calibrate.priors`` says otherwise. All search and weighting happens in the transformed
coordinate ``z`` (the value or its log), where the prior is flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from commsim.sim.errors import ConfigError
from commsim.sim.space import checked_range, model_parameters

# In a twin, people enter the audience when first seen, and a first action *is* joining: most
# join within days of arriving, far faster than a prospect of a generic audience.
TWIN_PRIORS = {
    "behaviour.joining.p_organic": (0.005, 0.5),
    "behaviour.joining.q_social": (0.0, 0.3),
    # a twin's community may be young and shrinking, not the settled default: let it lose members fast
    "behaviour.churn.hazard_active": (0.0002, 0.03),
    "behaviour.churn.hazard_dormant": (0.005, 0.2),
    "behaviour.activity.lapse_penalty": (1.0, 10.0),
    "population.initial_habit": (0.05, 1.0),
}
EVENT_ACTIVITY = (0.02, 1.0)


@dataclass(frozen=True)
class Prior:
    key: str
    low: float
    high: float
    log: bool
    integer: bool = False

    def to_z(self, value: float) -> float:
        return math.log(value) if self.log else float(value)

    def from_z(self, z: float) -> float:
        value = math.exp(z) if self.log else float(z)
        value = min(max(value, self.low), self.high)
        return int(round(value)) if self.integer else value

    @property
    def z_low(self) -> float:
        return self.to_z(self.low)

    @property
    def z_high(self) -> float:
        return self.to_z(self.high)


def declarations() -> dict:
    """Every behaviour and population parameter's declaration, by dotted key (:mod:`sim.space`)."""
    return model_parameters()


def priors_for(keys: list[str], given: dict, fitted_events: list[int], responses: list[str] = ()) -> list[Prior]:
    """Priors of ``keys``, of the calendar events whose activity is fitted, and of ``responses`` (how
    members answered the operator's replayed campaigns: strategy parameters, from their declared
    plausible ranges, docs/evidence.md)."""
    from commsim.sim.space import strategy_parameters

    infos = declarations()
    priors, problems = [], []
    for key in keys:
        info = infos.get(key)
        if info is None or not info.numeric:
            problems.append(f"calibrate.parameters: {key!r} is not a numeric behaviour or population parameter")
            continue
        r = checked_range(info, given.get(key) or TWIN_PRIORS.get(key))
        if r == "no range":
            problems.append(f"calibrate.parameters: {key} has no plausible range; give calibrate.priors.{key}=[low,high]")
        elif r == "bad range":
            problems.append(f"calibrate.priors.{key}: {list(given.get(key) or TWIN_PRIORS.get(key) or info.plausible)} must be increasing "
                            f"and inside the parameter's bounds")
        else:
            priors.append(Prior(key, r.low, r.high, log=r.log, integer=r.integer))
    strategy_infos = strategy_parameters()
    for key in responses:
        info = strategy_infos.get(key)
        r = checked_range(info, given.get(key)) if info is not None and info.numeric else "no range"
        if isinstance(r, str):
            problems.append(f"calibrate.priors.{key}: the campaign response needs a range inside its bounds "
                            f"(give calibrate.priors.{key}=[low,high])")
        else:
            priors.append(Prior(key, r.low, r.high, log=r.log, integer=r.integer))
    events = {f"calendar.events.{index}.activity" for index in fitted_events}
    for key in given:
        if key.startswith("calendar.events.") and key not in events:
            problems.append(f"calibrate.priors.{key}: no calendar event with a blank activity (the fitted ones) "
                            f"has that key; fitted here: {', '.join(sorted(events)) or 'none'}")
        elif key not in keys and key not in responses and not key.startswith("calendar.events."):
            problems.append(f"calibrate.priors.{key}: not one of calibrate.parameters")
    for index in fitted_events:
        key = f"calendar.events.{index}.activity"
        low, high = given.get(key) or EVENT_ACTIVITY
        if not 0 < float(low) < float(high):
            problems.append(f"calibrate.priors.{key}: [{low}, {high}] must be increasing and above 0 (a multiplier "
                            f"of the day's activity, fitted on a log scale)")
            continue
        priors.append(Prior(key, float(low), float(high), log=True))
    if problems:
        raise ConfigError(problems)
    return priors


def lhs(priors: list[Prior], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` Latin-hypercube points in z (one stratum per point in every dimension)."""
    d = len(priors)
    u = (rng.permuted(np.tile(np.arange(n), (d, 1)), axis=1).T + rng.random((n, d))) / n
    lo = np.array([p.z_low for p in priors])
    hi = np.array([p.z_high for p in priors])
    return lo + u * (hi - lo)


def values(priors: list[Prior], z) -> dict:
    return {p.key: p.from_z(float(x)) for p, x in zip(priors, z)}
