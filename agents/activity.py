"""Stage 3 of the day: members decide whether to be active, and lapsed people whether to come back.

Logistic choice (a standard discrete-choice form for daily engagement):

    logit P(active) = base + θ_i + habit * h + social * a + content * log(1 + c)
                      + fit * (fit - 0.5) + satisfaction * (s - 0.5)
                      - fatigue * f + exposure * min(e, 3) + trust * (τ - 0.5) + uplift + calendar(t)
                      - tenure_decay * log(1 + tenure / 30) - lapse_penalty [if lapsed]

* ``θ_i`` the person's own activity propensity (a stable trait, :mod:`sim.population`);
* ``h`` habit strength in [0, 1] (the habit-formation view of engagement,
  Wood & Neal 2007): the exponentially weighted share of recent active days
  (:mod:`agents.state`);
* ``a`` share of one's friends active at the end of yesterday (social pull;
  the re-activation-by-friends term of Ribeiro 2014);
* ``c`` content units matched to one's interest: operator posts in one's topic,
  ``relevance_general`` times untargeted posts, both times quality/0.5, plus
  ``ugc_weight`` times member posts per member in the topic yesterday x 20 --
  the logarithm makes more content worth less and less;
* ``τ`` the person's trust in the community (:mod:`agents.trust`; 0.5 is neutral);
* ``f`` fatigue (see :mod:`agents.state`), ``e`` word-of-mouth cascades that
  reached the member yesterday, ``uplift`` the levers' per-person push,
  ``calendar(t)`` the day's weekly and event offset (:mod:`sim.calendar`), ``tenure`` days
  since the person joined (novelty wears off; off by default, calibrations fit it).

A member who joined today is active today (joining is their first activity). A lapsed
person (``Status.LAPSED``, see :mod:`agents.churn`) is active with the same formula minus
``lapse_penalty``; when they are, they have come back: a member again, counted in
``returned``. So returning is a documented hazard that friends, content and win-back
messages raise like any other activity.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numba as nb
import numpy as np

from commsim.sim.params import coefficient_type, coefficients, literature, param
from commsim.sim.random_streams import hash_uniform
from commsim.sim.stages import Stage, fields


@dataclass
class ActivityParams:
    base: float = param(
        -3.0, "log-odds of activity with no habit, friends or content", unit="log-odds", plausible=(-5.0, -1.5),
        why="A typical member (propensity 0) with the habit their own rate gives is active on ~6% of days, a "
            "DAU/MAU of ~0.15 with the spread of propensities (CollegeMsg: 0.12).")
    habit: float = param(
        2.0, "log-odds per unit of habit strength", ge=0, unit="log-odds", plausible=(0.5, 3.5),
        why="Past use predicts use (Wood & Neal 2007). Kept below 4 so that a member's activity has one "
            "stable level: with habit the share of recent active days, the loop gain habit x p(1-p) stays "
            "below 1/2, no tipping point (docs/model.md, 'Effects of honest size').")
    social: float = param(
        2.5, "log-odds when all friends were active yesterday (social pull)", ge=0, unit="log-odds",
        plausible=(0.0, 5.0),
        why="Active friends re-activate members (Ribeiro 2014); +2.5 log-odds when all friends are active. "
            "Test `test_ribeiro…` shows the sustain-or-die threshold it creates.")
    content: float = param(
        0.6, "log-odds per log(1 + content units) matched to interest", ge=0, unit="log-odds",
        plausible=(0.0, 2.0),
        why="Content draws members back with diminishing returns (log); 0.6 per log-unit makes 1 matched "
            "post/day worth ≈ +0.4 (assumed; the default comparison then finds a daily post worth +30–40% "
            "DAU, below the source playbooks' best cases of +55%).")
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
    trust: float = param(
        1.5, "log-odds per unit of trust above neutral (0.5)", ge=0, unit="log-odds", plausible=(0.5, 3.0),
        why="People act on what they trust (the playbooks' 建立信任); ±0.75 log-odds across the range, less than "
            "satisfaction, because trust moves less from day to day.")
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
    tenure_decay: float = param(
        0.0, "log-odds lost per unit of log(1 + days since joining / 30): novelty wearing off", ge=0,
        unit="log-odds", plausible=(0.0, 3.0),
        source=literature("Danescu-Niculescu-Mizil et al. 2013, WWW: user life cycles"),
        why="Members' engagement fades with tenure, fast at first, then slowly (a user life cycle; the shape "
            "is literature, the size assumed). Off by default, where habit and churn carry the decline; a "
            "calibration fits it (CollegeMsg: DAU falls steadily once new arrivals stop).")
    lapse_penalty: float = param(
        5.0, "log-odds subtracted from a lapsed person's activity (their chance of coming back)", ge=0,
        unit="log-odds", plausible=(2.0, 8.0),
        why="People who left rarely come back, but some do: at the defaults a lapsed person of average "
            "propensity comes back on about 1 day in 3,000 (~1% a month), the most engaged ones ~5% a month, "
            "more with active friends or a win-back message.")


ActivityCoefficients = coefficient_type(ActivityParams, "ActivityCoefficients", __name__)
UGC_SCALE = 20.0  # 0.05 posts per member per day in a topic counts as one content unit


def decide_activity(model, par: ActivityParams) -> dict:
    pop, lev, day = model.population, model.levers, model.day
    quality = lev.content_quality / 0.5
    operator = quality * (lev.posts_by_topic + par.relevance_general * lev.posts_all)
    content = operator + par.ugc_weight * UGC_SCALE * model.ugc_per_member
    content_term = par.content * np.log1p(content)  # per topic: the same for everyone in it
    returned = _activity_kernel(
        pop.status, pop.habit, pop.fit, pop.satisfaction, pop.fatigue, pop.exposures, pop.active_friends,
        model.graph_degree, pop.topic, lev.activity_uplift, pop.propensity, pop.join_day, pop.trust, content_term,
        coefficients(par, ActivityCoefficients), model.calendar.activity(day),
        model.streams.key("activity", day), day, pop.active, pop.last_active_day, pop.recent_activity)
    return {"returned": int(returned)}


@nb.njit(cache=True)
def _activity_kernel(status, habit, fit, satisfaction, fatigue, exposures, active_friends, degree, topic,
                     uplift, propensity, join_day, trust, content_term, c, day_offset, key, day, active,
                     last_active_day, recent_activity):
    # One fused pass over everyone: the logistic choice of the module docstring, with the
    # draw u = hash(key, i) -- the same number streams.uniform("activity", day, n)[i] gives.
    # ``c`` holds the ActivityParams by name (ActivityCoefficients). Returns how many lapsed
    # people came back.
    member, lapsed = np.int8(1), np.int8(2)
    returned = 0
    for i in range(status.size):
        history = recent_activity[i] << np.uint32(1)
        s = status[i]
        if s != member and s != lapsed:  # prospects and outsiders are never active: write only what changes
            if active[i]:
                active[i] = False
            if history != recent_activity[i]:
                recent_activity[i] = history
            continue
        if s == member and join_day[i] == day:
            now = True  # a joiner's first active day is the day they join
        else:
            share = active_friends[i] / degree[i] if degree[i] > 0 else 0.0
            logit = (c.base + propensity[i] + c.habit * habit[i] + c.social * share + content_term[topic[i]]
                     + c.fit * (fit[i] - 0.5) + c.satisfaction * (satisfaction[i] - 0.5)
                     - c.fatigue * fatigue[i] + c.exposure * min(exposures[i], 3) + uplift[i] + day_offset
                     + c.trust * (trust[i] - 0.5))
            if c.tenure_decay > 0.0:
                logit -= c.tenure_decay * math.log1p((day - join_day[i]) / 30.0)
            if s == lapsed:
                logit -= c.lapse_penalty
            now = hash_uniform(key, np.uint64(i)) < 1.0 / (1.0 + math.exp(-logit))
        if now:
            active[i] = True
            last_active_day[i] = day
            history |= np.uint32(1)
            if s == lapsed:
                status[i] = member
                returned += 1
        else:
            active[i] = False
        recent_activity[i] = history
    return returned


STAGE = Stage("activity", decide_activity,
              "members decide to be active (logistic in propensity, habit, friends, content, fatigue, "
              "calendar); lapsed people may come back",
              group="activity", params=ActivityParams,
              owns=fields("active", "last_active_day", "recent_activity", "status"),
              reads=fields("status", "active", "active_friends", "exposures", "fatigue", "fit", "habit",
                           "join_day", "last_active_day", "propensity", "recent_activity", "satisfaction",
                           "topic", "trust", "levers", "calendar", "model.ugc_per_member"),
              outputs=("returned",))
