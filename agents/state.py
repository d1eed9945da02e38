"""Stage 5 of the day: habit, fatigue and satisfaction update.

* **habit** (members): grows toward 1 on active days, ``h += habit_gain (1 - h)``,
  and decays on inactive days, ``h *= 1 - habit_decay`` (habits form with
  repetition and fade without it; Lally et al. 2010).
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

from sim.params import param, prob


@dataclass
class StateParams:
    habit_gain: float = prob(0.08, "share of the gap to full habit closed by an active day")
    habit_decay: float = prob(0.03, "share of habit lost on an inactive day")
    fatigue_tolerance: float = param(1.0, "operator posts per day a member takes without tiring", gt=0)
    fatigue_gain: float = param(0.3, "fatigue per tolerance-unit of content beyond tolerance", ge=0)
    fatigue_recovery: float = prob(0.15, "share of fatigue that wears off each day")
    message_annoyance: float = param(0.1, "fatigue per operator message received", ge=0)
    satisfaction_rate: float = prob(0.1, "step toward today's experience on an active day")
    satisfaction_base: float = prob(0.5, "experience of an active day with no interactions")
    satisfaction_interaction: float = param(0.4, "experience added by plenty of interactions", ge=0)
    interaction_half: float = param(1.0, "interactions received that give half that effect", gt=0)
    quality_weight: float = param(0.3, "experience per unit of operator content quality above 0.5", ge=0)
    spam_share: float = prob(0.05, "share of member posts that are spam when nobody moderates")
    spam_penalty: float = param(1.0, "experience lost per unit of spam share", ge=0)


def update_state(model) -> None:
    pop, par, lev = model.population, model.params.state, model.levers
    spam = par.spam_share * (1.0 - lev.spam_removed)
    quality_term = par.quality_weight * (lev.content_quality - 0.5)
    base = par.satisfaction_base - par.spam_penalty * spam
    volume_by_topic = lev.posts_all + lev.posts_by_topic  # operator posts pushed to each topic today
    coef = np.array([par.habit_gain, par.habit_decay, par.fatigue_tolerance, par.fatigue_gain,
                     par.fatigue_recovery, par.message_annoyance, par.satisfaction_rate, base,
                     par.satisfaction_interaction, par.interaction_half, quality_term])
    _state_kernel(pop.status, pop.active, pop.topic, pop.interactions, lev.messages, volume_by_topic, coef,
                  pop.habit, pop.fatigue, pop.satisfaction)


@nb.njit(cache=True)
def _state_kernel(status, active, topic, interactions, messages, volume_by_topic, coef,
                  habit, fatigue, satisfaction):
    gain, decay, tolerance, fatigue_gain, recovery, annoyance, rate, base, w_inter, half, quality = (
        coef[0], coef[1], coef[2], coef[3], coef[4], coef[5], coef[6], coef[7], coef[8], coef[9], coef[10])
    member = np.int8(1)
    for i in range(status.size):
        if status[i] != member:
            continue
        volume = volume_by_topic[topic[i]]
        excess = max(0.0, volume - tolerance) / tolerance
        fatigue[i] = fatigue[i] * (1.0 - recovery) + fatigue_gain * excess + annoyance * messages[i]
        if active[i]:
            habit[i] += gain * (1.0 - habit[i])
            experience = base + w_inter * (1.0 - math.exp2(-interactions[i] / half))
            if volume > 0:
                experience += quality
            s = satisfaction[i] + rate * (experience - satisfaction[i])
            satisfaction[i] = min(1.0, max(0.0, s))
        else:
            habit[i] *= 1.0 - decay
