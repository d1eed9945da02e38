"""Stage 5 of the day: habit, fatigue and satisfaction update.

* **habit** (members): grows toward 1 on active days, ``h += habit_gain (1 - h)``,
  and decays on inactive days, ``h *= 1 - habit_decay`` (habits form with
  repetition and fade without it; Lally et al. 2010) -- but not on a day the calendar
  marks as away (a holiday everyone takes: :mod:`sim.calendar`).
* **fatigue** (members): ``f = f (1 - fatigue_recovery) + fatigue_gain
  max(0, v - fatigue_tolerance) / fatigue_tolerance + message_annoyance m``,
  with ``v`` the operator posts pushed to the member today and ``m`` the
  operator messages they received: content beyond tolerance and
  over-messaging tire people.
* **satisfaction** (active members): moves a step ``satisfaction_rate`` toward
  today's experience ``x = satisfaction_base + satisfaction_interaction
  (1 - 2^(-i / interaction_half)) + quality_weight (quality - 0.5)
  [if operator content was received] - spam_penalty spam`` where ``i`` is
  interactions received and ``spam = spam_share (1 - levers.spam_removed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from commsim.sim.params import coefficient_type, coefficients, param, prob
from commsim.sim.stages import Stage, fields


@dataclass
class StateParams:
    habit_gain: float = prob(
        0.05, "share of the gap to full habit closed by an active day", plausible=(0.02, 0.15),
        why="Habits form over weeks (Lally et al. 2010): ~45 active days take habit from 0 to 0.9.")
    habit_decay: float = prob(
        0.05, "share of habit lost on an inactive day", plausible=(0.02, 0.15),
        why="Equal to habit_gain by default, so habit is the exponentially weighted share of recent active "
            "days (a ~20-day memory): it reflects a member's own rate of use and cannot lock anyone into a "
            "habitual or lapsed state (no tipping point; docs/model.md).")
    fatigue_tolerance: float = param(1.0, "operator posts per day a member takes without tiring", gt=0,
                                     unit="posts per day", plausible=(0.5, 2.0),
                                     why="About one operator post a day is taken without tiring.")
    fatigue_gain: float = param(
        0.3, "fatigue per tolerance-unit of content beyond tolerance", ge=0, unit="fatigue", plausible=(0.1, 0.6),
        why="Each extra tolerance-unit of daily posts adds 0.3 fatigue; with 15% recovery, sustained overload "
            "settles at 2× (gain/recovery) the excess.")
    fatigue_recovery: float = prob(0.15, "share of fatigue that wears off each day", plausible=(0.05, 0.3),
                                   why="Fatigue halves in about 4 days without overload.")
    message_annoyance: float = param(
        0.1, "fatigue per operator message received", ge=0, unit="fatigue", plausible=(0.02, 0.3),
        why="One message adds a little fatigue (0.1, fading ~15%/day); daily messages accumulate to ~0.7, "
            "which lowers activity and doubles churn risk: over-messaging annoys.")
    satisfaction_rate: float = prob(0.1, "step toward today's experience on an active day", plausible=(0.05, 0.3),
                                    why="Satisfaction tracks the last ~10 active days.")
    satisfaction_base: float = prob(0.5, "experience of an active day with no interactions", plausible=(0.4, 0.6),
                                    why="A quiet active day (no interactions) is neutral.")
    satisfaction_interaction: float = param(
        0.4, "experience added by plenty of interactions", ge=0, unit="satisfaction", plausible=(0.1, 0.6),
        why="Replies and likes received are the main social reward of a community.")
    interaction_half: float = param(1.0, "interactions received that give half that effect", gt=0,
                                    unit="interactions", plausible=(0.5, 3.0),
                                    why="One interaction gives half the social reward; returns diminish.")
    quality_weight: float = param(0.3, "experience per unit of operator content quality above 0.5", ge=0,
                                  unit="satisfaction", plausible=(0.1, 0.5),
                                  why="Good operator content pleases, poor content disappoints.")
    spam_share: float = prob(0.05, "share of member posts that are spam when nobody moderates", plausible=(0.0, 0.2),
                             why="Unmoderated communities carry some spam; 5% of posts.")
    spam_penalty: float = param(1.0, "experience lost per unit of spam share", ge=0, unit="satisfaction",
                                plausible=(0.5, 2.0), why="Spam lowers the experience in proportion to its share.")


StateCoefficients = coefficient_type(StateParams, "StateCoefficients", __name__)


def update_state(model, par: StateParams) -> dict:
    pop, lev = model.population, model.levers
    spam = par.spam_share * (1.0 - lev.spam_removed)
    quality_bonus = par.quality_weight * (lev.content_quality - 0.5)
    experience_base = par.satisfaction_base - par.spam_penalty * spam
    volume_by_topic = lev.posts_all + lev.posts_by_topic  # operator posts pushed to each topic today
    _state_kernel(pop.status, pop.active, pop.topic, pop.interactions, lev.messages, volume_by_topic,
                  coefficients(par, StateCoefficients), float(experience_base), float(quality_bonus),
                  model.calendar.is_away(model.day), pop.habit, pop.fatigue, pop.satisfaction)
    return {}


@nb.njit(cache=True)
def _state_kernel(status, active, topic, interactions, messages, volume_by_topic, c, experience_base,
                  quality_bonus, away, habit, fatigue, satisfaction):
    # ``c`` holds the StateParams by name (StateCoefficients); experience_base and quality_bonus
    # are today's spam-adjusted base experience and operator-content quality term; on an ``away``
    # day an inactive member's habit does not fade.
    member = np.int8(1)
    for i in range(status.size):
        if status[i] != member:
            continue
        volume = volume_by_topic[topic[i]]
        excess = max(0.0, volume - c.fatigue_tolerance) / c.fatigue_tolerance
        fatigue[i] = (fatigue[i] * (1.0 - c.fatigue_recovery) + c.fatigue_gain * excess
                      + c.message_annoyance * messages[i])
        if active[i]:
            habit[i] += c.habit_gain * (1.0 - habit[i])
            experience = experience_base + c.satisfaction_interaction * (
                1.0 - math.exp2(-interactions[i] / c.interaction_half))
            if volume > 0:
                experience += quality_bonus
            s = satisfaction[i] + c.satisfaction_rate * (experience - satisfaction[i])
            satisfaction[i] = min(1.0, max(0.0, s))
        elif not away:
            habit[i] *= 1.0 - c.habit_decay


STAGE = Stage("state", update_state, "habit, fatigue and satisfaction update", group="state", params=StateParams,
              owns=fields("fatigue", "habit", "satisfaction"),
              reads=fields("status", "active", "fatigue", "habit", "interactions", "satisfaction", "topic",
                           "levers", "model.ugc_per_member", "calendar"))
