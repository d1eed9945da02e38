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

import numpy as np

from sim.params import param
from sim.population import Status


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
    member = pop.status == Status.MEMBER
    degree = model.graph_degree
    friends_share = np.divide(pop.active_friends, degree, out=np.zeros(pop.n, np.float32), where=degree > 0)
    quality = lev.content_quality / 0.5
    operator = quality * (lev.posts_by_topic[pop.topic] + par.relevance_general * lev.posts_all)
    content = operator + par.ugc_weight * UGC_SCALE * model.ugc_per_member[pop.topic]
    logit = (
        par.base
        + par.habit * pop.habit
        + par.social * friends_share
        + par.content * np.log1p(content)
        + par.fit * (pop.fit - 0.5)
        + par.satisfaction * (pop.satisfaction - 0.5)
        - par.fatigue * pop.fatigue
        + par.exposure * np.minimum(pop.exposures, 3)
        + lev.activity_uplift
    )
    p_active = 1.0 / (1.0 + np.exp(-logit))
    u = model.streams.uniform("activity", model.day, pop.n)
    np.logical_and(member, u < p_active, out=pop.active)
    pop.last_active_day[pop.active] = model.day
    pop.recent_activity <<= np.uint32(1)
    pop.recent_activity |= pop.active
