"""Stage 3 of the day: members decide whether to be active.

Logistic choice (a standard discrete-choice form for daily engagement):

    logit P(active) = base + habit * h + social * a + content * log(1 + c)
                      + fit * (fit - 0.5) + satisfaction * (s - 0.5)
                      - fatigue * f + exposure * min(e, 3) + uplift

* ``h`` habit strength in [0, 1] (the habit-formation view of engagement,
  Wood & Neal 2007);
* ``a`` share of one's friends active at the end of yesterday (social pull;
  the re-activation-by-friends term of Ribeiro 2014);
* ``c`` content units matched to one's interest: operator posts in one's topic,
  ``relevance_general`` times untargeted posts, both times quality/0.5, plus
  ``ugc_weight`` times member posts per member in the topic yesterday x 20 --
  the logarithm makes more content worth less and less;
* ``f`` fatigue (see :mod:`agents.state`), ``e`` word-of-mouth cascades that
  reached the member yesterday, ``uplift`` the levers' per-person push.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numba as nb
import numpy as np

from sim.params import param
from sim.population import Status
from sim.random_streams import hash_uniform


@dataclass
class ActivityParams:
    base: float = param(-4.0, "log-odds of activity with no habit, friends or content")
    habit: float = param(4.5, "log-odds per unit of habit strength", ge=0)
    social: float = param(2.5, "log-odds when all friends were active yesterday (social pull)", ge=0)
    content: float = param(0.8, "log-odds per log(1 + content units) matched to interest", ge=0)
    fit: float = param(2.0, "log-odds per unit of intrinsic fit above 0.5", ge=0)
    satisfaction: float = param(2.0, "log-odds per unit of satisfaction above 0.5", ge=0)
    fatigue: float = param(1.5, "log-odds lost per unit of fatigue", ge=0)
    exposure: float = param(0.5, "log-odds per word-of-mouth cascade received yesterday (up to 3)", ge=0)
    relevance_general: float = param(0.3, "appeal of an untargeted operator post relative to an on-topic one",
                                     ge=0, le=1)
    ugc_weight: float = param(1.0, "content units per (member post per member in topic x 20)", ge=0)


UGC_SCALE = 20.0  # 0.05 posts per member per day in a topic counts as one content unit


def decide_activity(model) -> None:
    pop, par, lev = model.population, model.params.activity, model.levers
    quality = lev.content_quality / 0.5
    operator = quality * (lev.posts_by_topic + par.relevance_general * lev.posts_all)
    content = operator + par.ugc_weight * UGC_SCALE * model.ugc_per_member
    content_term = par.content * np.log1p(content)  # per topic: the same for everyone in it
    coef = np.array([par.base, par.habit, par.social, par.fit, par.satisfaction, par.fatigue, par.exposure])
    _activity_kernel(pop.status, pop.habit, pop.fit, pop.satisfaction, pop.fatigue, pop.exposures,
                     pop.active_friends, model.graph_degree, pop.topic, lev.activity_uplift, content_term,
                     coef, model.streams.key("activity", model.day), model.day,
                     pop.active, pop.last_active_day, pop.recent_activity)


@nb.njit(cache=True)
def _activity_kernel(status, habit, fit, satisfaction, fatigue, exposures, active_friends, degree, topic,
                     uplift, content_term, coef, key, day, active, last_active_day, recent_activity):
    # One fused pass over everyone: the logistic choice of the module docstring, with the
    # draw u = hash(key, i) -- the same number streams.uniform("activity", day, n)[i] gives.
    base, w_habit, w_social, w_fit, w_sat, w_fatigue, w_exposure = (
        coef[0], coef[1], coef[2], coef[3], coef[4], coef[5], coef[6])
    member = np.int8(1)
    for i in range(status.size):
        history = recent_activity[i] << np.uint32(1)
        if status[i] != member:
            active[i] = False
            recent_activity[i] = history
            continue
        share = active_friends[i] / degree[i] if degree[i] > 0 else 0.0
        logit = (base + w_habit * habit[i] + w_social * share + content_term[topic[i]]
                 + w_fit * (fit[i] - 0.5) + w_sat * (satisfaction[i] - 0.5) - w_fatigue * fatigue[i]
                 + w_exposure * min(exposures[i], 3) + uplift[i])
        p = 1.0 / (1.0 + math.exp(-logit))
        if hash_uniform(key, np.uint64(i)) < p:
            active[i] = True
            last_active_day[i] = day
            history |= np.uint32(1)
        else:
            active[i] = False
        recent_activity[i] = history
