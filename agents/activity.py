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

from sim.params import coefficient_type, coefficients, param
from sim.population import Status
from sim.random_streams import hash_uniform
from sim.stages import Stage


@dataclass
class ActivityParams:
    base: float = param(
        -4.0, "log-odds of activity with no habit, friends or content", unit="log-odds", plausible=(-6.0, -2.0),
        why="Sets the floor: a member with no habit, no active friends and no content is active ~2% of days, "
            "so dormancy is sticky (~50% of 14-day-dormant members return within a month).")
    habit: float = param(
        4.5, "log-odds per unit of habit strength", ge=0, unit="log-odds", plausible=(2.0, 6.0),
        why="Habit is the strongest predictor of repeat use (Wood & Neal 2007); a full habit adds +4.5 "
            "log-odds (≈ ×90 odds), so habitual members are active most days.")
    social: float = param(
        2.5, "log-odds when all friends were active yesterday (social pull)", ge=0, unit="log-odds",
        plausible=(0.0, 5.0),
        why="Active friends re-activate members (Ribeiro 2014); +2.5 log-odds when all friends are active. "
            "Test `test_ribeiro…` shows the sustain-or-die threshold it creates.")
    content: float = param(
        0.8, "log-odds per log(1 + content units) matched to interest", ge=0, unit="log-odds",
        plausible=(0.0, 2.0),
        why="Content draws members back with diminishing returns (log); 0.8 per log-unit makes 1 matched "
            "post/day worth ≈ +0.55.")
    fit: float = param(
        2.0, "log-odds per unit of intrinsic fit above 0.5", ge=0, unit="log-odds", plausible=(0.0, 4.0),
        why="Members who fit the community's purpose engage more; ±1 log-odds across the fit range.")
    satisfaction: float = param(
        2.0, "log-odds per unit of satisfaction above 0.5", ge=0, unit="log-odds", plausible=(0.0, 4.0),
        why="Satisfied members return (expectation–confirmation; Bhattacherjee 2001); ±1 log-odds across "
            "the range.")
    fatigue: float = param(
        1.5, "log-odds lost per unit of fatigue", ge=0, unit="log-odds", plausible=(0.5, 3.0),
        why="Too much content and messaging drives disengagement; one unit of fatigue costs 1.5 log-odds.")
    exposure: float = param(
        0.5, "log-odds per word-of-mouth cascade received yesterday (up to 3)", ge=0, unit="log-odds",
        plausible=(0.0, 1.5), why="A friend's shared post pulls a member back for a day; capped at 3 cascades.")
    relevance_general: float = param(
        0.3, "appeal of an untargeted operator post relative to an on-topic one", ge=0, le=1, unit="share",
        plausible=(0.1, 0.6),
        why="An untargeted post interests ~30% as much as an on-topic one (the case for segmentation).")
    ugc_weight: float = param(
        1.0, "content units per (member post per member in topic x 20)", ge=0, unit="content units",
        plausible=(0.2, 2.0),
        why="Member posts are content too; a topic where 5% of members posted yesterday counts like one "
            "operator post.")


ActivityCoefficients = coefficient_type(ActivityParams, "ActivityCoefficients", __name__)
UGC_SCALE = 20.0  # 0.05 posts per member per day in a topic counts as one content unit


def decide_activity(model, par: ActivityParams) -> dict:
    pop, lev = model.population, model.levers
    quality = lev.content_quality / 0.5
    operator = quality * (lev.posts_by_topic + par.relevance_general * lev.posts_all)
    content = operator + par.ugc_weight * UGC_SCALE * model.ugc_per_member
    content_term = par.content * np.log1p(content)  # per topic: the same for everyone in it
    _activity_kernel(pop.status, pop.habit, pop.fit, pop.satisfaction, pop.fatigue, pop.exposures,
                     pop.active_friends, model.graph_degree, pop.topic, lev.activity_uplift, content_term,
                     coefficients(par, ActivityCoefficients), model.streams.key("activity", model.day), model.day,
                     pop.active, pop.last_active_day, pop.recent_activity)
    return {}


@nb.njit(cache=True)
def _activity_kernel(status, habit, fit, satisfaction, fatigue, exposures, active_friends, degree, topic,
                     uplift, content_term, c, key, day, active, last_active_day, recent_activity):
    # One fused pass over everyone: the logistic choice of the module docstring, with the
    # draw u = hash(key, i) -- the same number streams.uniform("activity", day, n)[i] gives.
    # ``c`` holds the ActivityParams by name (ActivityCoefficients).
    member = np.int8(1)
    for i in range(status.size):
        history = recent_activity[i] << np.uint32(1)
        if status[i] != member:
            active[i] = False
            recent_activity[i] = history
            continue
        share = active_friends[i] / degree[i] if degree[i] > 0 else 0.0
        logit = (c.base + c.habit * habit[i] + c.social * share + content_term[topic[i]]
                 + c.fit * (fit[i] - 0.5) + c.satisfaction * (satisfaction[i] - 0.5) - c.fatigue * fatigue[i]
                 + c.exposure * min(exposures[i], 3) + uplift[i])
        p = 1.0 / (1.0 + math.exp(-logit))
        if hash_uniform(key, np.uint64(i)) < p:
            active[i] = True
            last_active_day[i] = day
            history |= np.uint32(1)
        else:
            active[i] = False
        recent_activity[i] = history


STAGE = Stage("activity", decide_activity,
              "members decide to be active (logistic in habit, friends, content, fatigue)",
              group="activity", params=ActivityParams)
