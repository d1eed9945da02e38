"""Stage 7 of the day: trust -- built slowly, lost quickly.

Everyone starts at the neutral trust 0.5 (``sim.population.TRUST_NEUTRAL``), and every effect of
trust is centred there, so a community in which nothing builds or erodes trust behaves as if
trust did not exist. Each day, for each person ``i`` in the audience with trust ``t``:

    t += build (1 - t) g - erode t b + revert (0.5 - t)          (members; g, b as below)
    t *= 1 - crisis_loss × severity                               (if the crisis news reached i today)
    t += r (1 - t)                                                (r: repair, below)

* good experience ``g`` (active members only): ``max(0, 2 quality - 1)`` if operator content
  reached them (good content), ``+1`` if they posted and were answered (received at least
  ``answered_interactions`` interactions), ``+ moderation_weight × spam_removed`` (moderation: fair
  rules kept);
* bad experience ``b`` (members): ``spam_weight × max(0, spam - spam_tolerance)`` on active days
  (``spam = spam_share (1 - spam_removed)``, :mod:`agents.state`: more spam than an unmoderated
  community usually has), ``+ max(0, fatigue - fatigue_threshold)`` (over-messaging and content
  overload, which build fatigue);
* ``revert``: the memory of both fades, trust drifting back toward 0.5;
* repair ``r``: ``correction_repair`` for someone who had heard the crisis news and whom the
  operator's correction reaches today (:mod:`agents.crisis`), plus the lever ``trust_repair`` (e.g.
  compensation, :mod:`strategies.crisis_response`), capped at 1.

Trust acts on activity (``behaviour.activity.trust``), purchases (``behaviour.actions.trust``),
invitations accepted (``behaviour.joining.trust``) and churn (``behaviour.churn.trust``).
```trust_mean`` is members' mean trust at the end of the day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from commsim.sim.params import coefficient_type, coefficients, param, prob
from commsim.sim.population import NEVER, TRUST_NEUTRAL
from commsim.sim.stages import Stage, fields


@dataclass
class TrustParams:
    build: float = prob(0.02, "share of the gap to full trust closed per unit of good experience", plausible=(0.005, 0.05),
                        why="Trust is built slowly: ~50 days of answered posts and good content take a member from "
                            "0.5 to 0.8.")
    erode: float = prob(0.1, "share of trust lost per unit of bad experience", plausible=(0.03, 0.3),
                        why="...and lost quickly: five times as fast as it is built (assumed; the playbooks' 'trust "
                            "arrives on foot and leaves on horseback').")
    revert: float = prob(0.01, "daily drift of trust back toward neutral (0.5)", plausible=(0.002, 0.03),
                         why="Good and bad memories fade over a few months (a ~70-day half-life).")
    answered_interactions: float = param(0.5, "interactions a post must receive to count as answered", ge=0,
                                         unit="interactions", plausible=(0.2, 2.0),
                                         why="A post that gets a reply or two was heard.")
    spam_weight: float = param(2.0, "bad experience per unit of spam share above spam_tolerance, on an active day",
                               ge=0, unit="per share", plausible=(0.5, 5.0),
                               why="Twice the usual spam (10%) costs an active member 1% of their trust a day.")
    spam_tolerance: float = prob(0.05, "spam share people take for granted (no trust lost below it)",
                                 plausible=(0.0, 0.1),
                                 why="The unmoderated default (behaviour.state.spam_share). If the usual spam eroded "
                                     "trust, trust would fall with tenure and raise every long-standing member's "
                                     "hazard, and newcomers' retention would decay exponentially; CollegeMsg's "
                                     "decays like a power law (tests/test_realism.py).")
    moderation_weight: float = param(0.2, "good experience per unit of spam removed by moderation", ge=0,
                                     unit="per share", plausible=(0.0, 1.0),
                                     why="Seeing rules kept builds a little trust: full moderation is worth a fifth "
                                         "of an answered post a day (assumed).")
    fatigue_threshold: float = param(0.5, "fatigue above which over-messaging erodes trust", ge=0, unit="fatigue",
                                     plausible=(0.2, 1.0),
                                     why="A message a week (fatigue ~0.1) is fine; daily messages (fatigue ~0.7) "
                                         "read as spam from the operator.")
    crisis_loss: float = prob(0.6, "share of trust lost when the crisis news reaches a person, times severity",
                              plausible=(0.2, 0.9),
                              why="A crisis is the fastest way to lose trust: at severity 1 trust 0.5 falls to 0.2.")
    correction_repair: float = prob(0.3, "share of the lost ground regained when the operator's correction reaches "
                                    "someone who heard the news", plausible=(0.1, 0.6),
                                    why="Speed, openness and an apology restore some, not all, of the trust lost "
                                        "(assumed).")


TrustCoefficients = coefficient_type(TrustParams, "TrustCoefficients", __name__)


def update_trust(model, par: TrustParams) -> dict:
    pop, lev, day = model.population, model.levers, model.day
    state = model.params.state
    spam = state.spam_share * (1.0 - lev.spam_removed)
    content_good = max(0.0, 2.0 * lev.content_quality - 1.0)
    volume_by_topic = lev.posts_all + lev.posts_by_topic
    posted = np.zeros(pop.n, np.bool_)
    posted[model.posted] = True
    crisis = model.cfg.crisis
    total, members = _trust_kernel(
        pop.status, pop.active, pop.topic, pop.interactions, pop.fatigue, posted, volume_by_topic,
        pop.heard_day, pop.corrected_day, lev.trust_repair, coefficients(par, TrustCoefficients),
        float(content_good), float(lev.spam_removed), float(spam), float(crisis.severity if crisis.day is not None else 0.0), day,
        TRUST_NEUTRAL, NEVER, pop.trust)
    return {"trust_mean": total / members if members else float("nan")}


@nb.njit(cache=True)
def _trust_kernel(status, active, topic, interactions, fatigue, posted, volume_by_topic, heard_day,
                  corrected_day, repair, c, content_good, spam_removed, spam, severity, day, neutral, never,
                  trust):
    member, outside = np.int8(1), np.int8(3)
    total, members = 0.0, 0
    for i in range(status.size):
        s = status[i]
        if s == outside:
            continue
        t = trust[i]
        if s != member and t == neutral and repair[i] == 0.0 and heard_day[i] != day and corrected_day[i] != day:
            continue  # a non-member at neutral trust with nothing happening to it stays exactly there
        if s == member:
            good, bad = 0.0, max(0.0, fatigue[i] - c.fatigue_threshold)
            if active[i]:
                if volume_by_topic[topic[i]] > 0:
                    good += content_good
                if posted[i] and interactions[i] >= c.answered_interactions:
                    good += 1.0
                good += c.moderation_weight * spam_removed
                bad += c.spam_weight * max(0.0, spam - c.spam_tolerance)
            t += c.build * (1.0 - t) * good - c.erode * t * min(bad, 1.0 / c.erode if c.erode > 0 else 1.0)
        t += c.revert * (neutral - t)
        if severity > 0.0 and heard_day[i] == day:
            t *= 1.0 - c.crisis_loss * severity
        r = repair[i]
        if corrected_day[i] == day and heard_day[i] != never:
            r += c.correction_repair
        if r > 0.0:
            t += min(1.0, r) * (1.0 - t)
        t = min(1.0, max(0.0, t))
        trust[i] = t
        if s == member:
            total += t
            members += 1
    return total, members


STAGE = Stage("trust", update_trust, "trust is built by good content, answered posts and moderation, eroded by "
              "spam, over-messaging and the crisis news, repaired by the operator's answer", group="trust",
              params=TrustParams,
              owns=fields("trust"),
              reads=fields("status", "active", "corrected_day", "fatigue", "heard_day", "interactions",
                           "topic", "trust", "levers"),
              outputs=("trust_mean",))
