"""Stage 6 of the day: members churn (lapse).

Daily hazard of member ``i``, last active ``d`` days ago (days of an event everyone is away for do
not count, and on them no one lapses: :mod:`sim.calendar`):

    h = [hazard_active + (hazard_dormant - hazard_active)(1 - exp(-d / dormancy_days))]
        * exp(-satisfaction (s - 0.5)) * exp(-trust (τ - 0.5)) * exp(fatigue * f) * contagion ** c * φ_i * m

capped at 1, where ``τ`` is the member's trust (:mod:`agents.trust`), ``c`` is the churn pressure from friends: every friend who
churned adds 1, fading by ``exp(-1 / contagion_fade_days)`` a day. With the
default ``contagion = 1.8`` each recently churned friend multiplies the hazard
by about 1.8 (Nitzan & Libai 2011). ``φ_i`` is the person's frailty (a gamma trait with
mean 1, :mod:`sim.population`), so some people are likelier to leave than others and a
cohort's survival flattens; ``m`` is the levers' ``churn_multiplier`` (1 unless a strategy,
e.g. volunteer admins, lowers it).

A member who churns *lapses* (``Status.LAPSED``): they stop being a member and lose their
habit, but they can come back (:mod:`agents.activity`, ``lapse_penalty``). ``churned`` counts
the members who lapsed today; ``churned_total`` all lapses so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from commsim.sim.graph import neighbour_scatter_add
from commsim.sim.params import literature, param, prob
from commsim.sim.stages import Stage, fields


@dataclass
class ChurnParams:
    enabled: bool = param(True, "switch churn off (e.g. to check the Bass limit)",
                          why="Off isolates adoption, e.g. for the Bass-limit check.")
    hazard_active: float = prob(0.002, "daily churn hazard of a member active today (~6%/month)",
                                unit="per day", plausible=(0.0002, 0.005),
                                why="Even members active today leave eventually (life moves on): ~6% a month, a "
                                    "mean membership of ~18 months for someone active every day.")
    hazard_dormant: float = prob(0.03, "daily churn hazard of a long-inactive member (~60%/month)",
                                 unit="per day", plausible=(0.005, 0.08),
                                 why="Silence is how people leave a community: most of those inactive for a "
                                     "month are gone the next (CollegeMsg: retention falls from 53% in week 1 "
                                     "to 12% in week 7). Lapsed people can come back (activity.lapse_penalty).")
    dormancy_days: float = param(7.0, "days of inactivity over which hazard moves from active to dormant", gt=0,
                                 unit="days", plausible=(3.0, 30.0),
                                 why="About a week of silence turns an active member into a dormant one.")
    satisfaction: float = param(2.0, "hazard multiplier exp(-satisfaction (s - 0.5))", ge=0, unit="per unit",
                                plausible=(0.5, 3.0),
                                why="Dissatisfied members leave (±1 in s moves the hazard by e^2 ≈ ×7.4 across "
                                    "the range).")
    trust: float = param(1.0, "hazard multiplier exp(-trust (τ - 0.5))", ge=0, unit="per unit", plausible=(0.0, 2.5),
                         why="Members who stop trusting the community leave: losing 0.3 of trust (a severe crisis) "
                             "multiplies the hazard by e^0.3 ≈ 1.35, on top of what it does to activity.")
    fatigue: float = param(0.7, "hazard multiplier exp(fatigue * f)", ge=0, unit="per unit", plausible=(0.2, 1.5),
                           why="Fatigue drives churn as well as inactivity (e^0.7 ≈ ×2 per unit).")
    contagion: float = param(1.8, "hazard multiplier per recently churned friend (Nitzan & Libai 2011)", ge=1,
                             unit="×", plausible=(1.0, 2.5), source=literature("Nitzan & Libai 2011, J. Marketing 75(6)"),
                             why="Each defecting neighbour raises the hazard ~×1.8 (Nitzan & Libai 2011).")
    contagion_fade_days: float = param(21.0, "e-folding days over which a churned friend's pull fades", gt=0,
                                       unit="days", plausible=(7.0, 60.0),
                                       why="A churned friend's pull fades over ~3 weeks.")


def churn(model, par: ChurnParams) -> dict:
    pop, day = model.population, model.day
    graph = model.graph
    pop.churn_pressure *= np.float32(math.exp(-1.0 / par.contagion_fade_days))
    if not par.enabled:
        return {"churned": 0, "churned_total": model.churned_total}
    if model.calendar.is_away(day):  # everyone is away (sim/calendar.py): nobody lapses over a holiday
        return {"churned": 0, "churned_total": model.churned_total}
    idx = _members(pop.status)
    since = model.calendar.days_present(np.maximum(pop.last_active_day[idx], pop.join_day[idx]), day)
    base = par.hazard_active + (par.hazard_dormant - par.hazard_active) * (-np.expm1(-since / par.dormancy_days))
    hazard = (
        base
        * np.exp(-par.satisfaction * (pop.satisfaction[idx] - 0.5))
        * np.exp(-par.trust * (pop.trust[idx] - 0.5))
        * np.exp(par.fatigue * pop.fatigue[idx])
        * np.power(par.contagion, np.minimum(pop.churn_pressure[idx], 64.0))  # 1.8^64: certain churn already
        * (pop.frailty[idx] * model.levers.churn_multiplier)
    )
    leaving = model.streams.below("churn", day, idx, hazard)
    was_active = _lapse(leaving, day, pop.status, pop.churn_day, pop.habit, pop.active, pop.interactions)
    # friends feel it from tomorrow on; an active leaver no longer pulls friends in
    neighbour_scatter_add(graph.indptr, graph.indices, leaving, pop.churn_pressure, 1.0)
    neighbour_scatter_add(graph.indptr, graph.indices, was_active, pop.active_friends, -1.0)
    model.churned_total += int(leaving.size)
    return {"churned": int(leaving.size), "churned_total": model.churned_total}


@nb.njit(cache=True)
def _members(status):
    """The members, ascending (``flatnonzero(status == MEMBER)`` without the mask)."""
    out = np.empty(status.size, np.int64)
    n = 0
    for i in range(status.size):
        if status[i] == 1:  # Status.MEMBER
            out[n] = i
            n += 1
    return out[:n]


@nb.njit(cache=True)
def _lapse(leaving, day, status, churn_day, habit, active, interactions):
    """The leavers lapse today: no habit, inactive, no interactions. Returns those who were active."""
    was_active = np.empty(leaving.size, np.int64)
    n = 0
    for i in leaving:
        status[i] = 2  # Status.LAPSED
        churn_day[i] = day
        habit[i] = 0.0
        if active[i]:
            was_active[n] = i
            n += 1
        active[i] = False
        interactions[i] = 0.0
    return was_active[:n]


STAGE = Stage("churn", churn, "members churn (lapse): hazard from inactivity, satisfaction, fatigue, churned "
              "friends, frailty", group="churn", params=ChurnParams,
              owns=fields("status", "active", "churn_day", "churn_pressure", "habit", "interactions",
                          "active_friends", "model.churned_total"),
              reads=fields("status", "active", "active_friends", "churn_day", "churn_pressure", "fatigue",
                           "frailty", "habit", "interactions", "join_day", "last_active_day", "satisfaction",
                           "trust", "graph", "calendar"),
              outputs=("churned", "churned_total"))
