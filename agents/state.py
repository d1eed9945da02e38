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

from dataclasses import dataclass

import numpy as np

from sim.params import param, prob
from sim.population import Status


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
    member = pop.status == Status.MEMBER
    active = pop.active
    idle = member & ~active

    pop.habit[active] += par.habit_gain * (1.0 - pop.habit[active])
    pop.habit[idle] *= 1.0 - par.habit_decay

    volume = lev.push_volume(pop.topic)
    excess = np.maximum(0.0, volume - par.fatigue_tolerance) / par.fatigue_tolerance
    fatigue = pop.fatigue * (1.0 - par.fatigue_recovery) + par.fatigue_gain * excess
    fatigue += par.message_annoyance * lev.messages
    pop.fatigue[:] = np.where(member, fatigue, pop.fatigue)

    spam = par.spam_share * (1.0 - lev.spam_removed)
    idx = np.flatnonzero(active)
    got_content = volume[idx] > 0 if np.ndim(volume) else np.full(idx.size, volume > 0)
    experience = (
        par.satisfaction_base
        + par.satisfaction_interaction * (1.0 - np.exp2(-pop.interactions[idx] / par.interaction_half))
        + par.quality_weight * (lev.content_quality - 0.5) * got_content
        - par.spam_penalty * spam
    )
    s = pop.satisfaction[idx]
    pop.satisfaction[idx] = np.clip(s + par.satisfaction_rate * (experience - s), 0.0, 1.0)
