"""Stage 2 of the day: people arrive in the audience, and prospects join.

Arrivals (:mod:`sim.arrivals`): when the audience grows, today's arrivals become prospects.

Network Bass model (Bass 1969; on networks e.g. Goldenberg, Libai & Muller 2001):
a prospect's daily join probability is

    P(join) = 1 - (1 - min(1, j m_i (p + levers.marketing_p + q * s))) * (1 - exposure_p) ** e

where ``j`` is the calendar's joining multiplier of the day (1 unless an event says
otherwise), ``m_i = exp(w θ_i - w² σ² / 2)`` the prospect's own readiness (mean 1; ``θ_i`` the
activity propensity, ``σ`` its spread, ``w`` = ``propensity_weight``): the people who would be
active members join sooner, and some never do -- in CollegeMsg 29% of the people ever messaged
never sent a message. ``s`` is the share of their neighbours who are active members at the end
of yesterday (or members, with ``signal: member``), and ``e`` is the number of
word-of-mouth cascades that reached them yesterday. On a complete graph with
``signal: member``, no cascades, a flat calendar and ``propensity_weight = 0`` this is the
discrete Bass recursion
F(t+1) = F(t) + (p + q F(t))(1 - F(t)).


Prospects invited yesterday by a member accept with probability
``invite_accept × (2 τ)^trust`` (τ their trust, neutral 0.5: someone who heard bad news about
the community accepts less often; :mod:`agents.trust`) and join through the referral channel.
Prospects a paid channel bought today (lever ``acquire``, :mod:`strategies.acquisition`) join through
that channel first. ``joined_<channel>`` count today's joiners by channel (``referral_joins`` is the
referral channel's). A joiner's first active day is
the day they join (:mod:`agents.activity`).
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numba as nb
import numpy as np

from commsim.sim.graph import neighbour_sum
from commsim.sim.params import param, prob
from commsim.sim.population import CHANNEL_NAMES, Channel, Status
from commsim.sim.random_streams import hash_uniform
from commsim.sim.stages import Stage, fields


@dataclass
class JoiningParams:
    p_organic: float = prob(
        0.0002, "Bass p: daily chance a prospect joins through outside influence", unit="per day",
        plausible=(1e-5, 1e-3),
        why="Bass (1969) innovation coefficients for consumer products are ~0.01–0.03 per year-scale period; "
            "per day and for a niche community, 2e-4 gives ~7% of prospects a year joining without social "
            "influence.")
    q_social: float = param(
        0.01, "Bass q: extra daily join chance when all of one's friends are active members", ge=0,
        unit="per day", plausible=(0.002, 0.05),
        why="Bass imitation q is typically several times p; 0.01/day when all friends are active members. "
            "Kept low enough that joining through friends does not feed on itself: a 30-day push leaves "
            "almost no extra members five months on (docs/model.md).")
    signal: str = param(
        "active", "what counts as a friend's signal: active members, or all members", choices=("active", "member"),
        why="Active members are the ones others see; `member` recovers the classic Bass model, where every "
            "adopter influences (used by the Bass-limit test).")
    exposure_p: float = prob(
        0.02, "join chance per word-of-mouth cascade that reached a prospect yesterday", plausible=(0.0, 0.1),
        why="Seeing one shared post is weak evidence; 2% per cascade keeps word of mouth a minority channel, "
            "as in most community funnels.")
    propensity_weight: float = param(
        0.0, "how much a prospect's own activity propensity speeds up (or slows) their joining", ge=0,
        unit="per log-odds", plausible=(0.0, 3.0),
        why="Who would engage may also join sooner: the join hazard is multiplied by exp(w θ - w²σ²/2), mean "
            "1. Off by default (readiness to join independent of engagement, assumed); a calibration fits it "
            "(CollegeMsg: 29% of the people messaged never send a message themselves).")
    trust: float = param(1.0, "elasticity of invitation acceptance to the invitee's trust: × (2 τ)^trust", ge=0,
                         unit="exponent", plausible=(0.5, 2.0),
                         why="An invitation into a community one distrusts is declined (assumed proportional).")
    invite_accept: float = prob(
        0.25, "chance that an invited prospect accepts and joins", plausible=(0.1, 0.4),
        why="Personal invitations convert far better than ads; referral-programme acceptance of 20–30% is "
            "commonly reported.")


def join(model, par: JoiningParams) -> dict:
    pop, day, streams = model.population, model.day, model.streams
    joining = model.calendar.joining_on(day)
    arrived, arrive_as_members = model.arrivals.arrive(pop, day, joining)
    if par.signal == "active":
        friends = pop.active_friends
    else:
        friends = np.empty(pop.n, np.float32)
        neighbour_sum(model.graph.indptr, model.graph.indices, pop.is_member.view(np.uint8), friends)
    p = min(1.0, joining * (par.p_organic + model.levers.marketing_p))
    p_accept = min(1.0, par.invite_accept * (1.0 + model.levers.accept_boost))
    channel = np.zeros(pop.n, np.int8)
    for people, via in model.levers.acquisitions:  # bought through a paid channel: they join first
        people = people[(pop.status[people] == Status.PROSPECT) & (channel[people] == 0)]
        channel[people] = via
    model.levers.acquisitions.clear()
    w, sd = par.propensity_weight, model.cfg.population.propensity_sd
    _join_kernel(pop.status, friends, model.graph_degree, pop.exposures, pop.pending_inviter, pop.propensity,
                 pop.trust, par.trust, p, joining * par.q_social, par.exposure_p, p_accept, w, 0.5 * w * w * sd * sd,
                 streams.key("join", day), streams.key("join.word_of_mouth", day),
                 streams.key("join.invite_accept", day), channel)
    channel[arrive_as_members] = Channel.ORGANIC  # a scheduled arrival whose first appearance was joining
    joiners, referred, by_channel = _admit(channel, day, model.initial_habit, len(Channel), pop.status, pop.channel,
                                           pop.join_day, pop.habit, pop.satisfaction, pop.fatigue, pop.referrer,
                                           pop.pending_inviter)
    if model.levers.referral_fit_penalty > 0:
        pop.fit[referred] *= np.float32(1.0 - model.levers.referral_fit_penalty)
    pop.pending_inviter.fill(-1)
    return {"arrived": arrived, "joined": int(joiners.size), "referral_joins": int(referred.size),
            **{f"joined_{name}": int(by_channel[c]) for c, name in CHANNEL_NAMES.items() if name != "referral"}}


@nb.njit(cache=True)
def _join_kernel(status, friends, degree, exposures, pending_inviter, propensity, trust, trust_power, p, q,
                 exposure_p, p_accept, weight, norm, key_bass, key_wom, key_accept, channel):
    # One pass over prospects. Draws are hash(key, i): the numbers streams.uniform gives.
    prospect = np.int8(0)
    for i in range(status.size):
        if status[i] != prospect or channel[i] != 0:  # channel set: bought through a paid channel today
            continue
        if pending_inviter[i] >= 0:  # the power only where an invitation waits: most prospects have none
            accept = p_accept * (2.0 * trust[i]) ** trust_power if trust_power > 0 else p_accept
            if hash_uniform(key_accept, np.uint64(i)) < accept:
                channel[i] = 4  # Channel.REFERRAL
                continue
        share = friends[i] / degree[i] if degree[i] > 0 else 0.0
        ready = math.exp(weight * propensity[i] - norm) if weight > 0 else 1.0
        hazard = min(1.0, ready * (p + q * share))
        u = hash_uniform(key_bass, np.uint64(i))
        if u < hazard:
            channel[i] = 2 if u < ready * p else 3  # ORGANIC if the p term alone would do, else SOCIAL
        elif exposure_p > 0 and exposures[i] > 0:
            miss = (1.0 - exposure_p) ** exposures[i]
            if hash_uniform(key_wom, np.uint64(i)) >= miss:
                channel[i] = 3  # SOCIAL: word of mouth


@nb.njit(cache=True)
def _admit(channel, day, habit0, n_channels, status, channels, join_day, habit, satisfaction, fatigue, referrer,
           pending_inviter):
    """Everyone with a channel today joins, in one pass: a member from today, with a new member's habit,
    satisfaction 0.5 and no fatigue; an invitee's referrer is their inviter. Returns the joiners and
    the referred (ascending) and the joiners per channel."""
    joiners, referred = np.empty(channel.size, np.int64), np.empty(channel.size, np.int64)
    by_channel = np.zeros(n_channels, np.int64)
    n_join = n_ref = 0
    for i in range(channel.size):
        c = channel[i]
        if c == 0:
            continue
        joiners[n_join] = i
        n_join += 1
        by_channel[c] += 1
        status[i] = 1  # Status.MEMBER
        channels[i] = c
        join_day[i] = day
        habit[i] = habit0
        satisfaction[i] = 0.5
        fatigue[i] = 0.0
        if c == 4:  # Channel.REFERRAL
            referred[n_ref] = i
            n_ref += 1
            referrer[i] = pending_inviter[i]
    return joiners[:n_join], referred[:n_ref], by_channel


STAGE = Stage("join", join, "people arrive; prospects join: network Bass hazard, word of mouth, accepted invites",
              group="joining", params=JoiningParams,
              owns=fields("status", "join_day", "channel", "fit", "habit", "pending_inviter", "referrer"),
              reads=fields("status", "active_friends", "exposures", "fatigue", "fit", "habit",
                           "pending_inviter", "propensity", "satisfaction", "trust", "levers", "graph",
                           "calendar", "arrivals"),
              outputs=("arrived", "joined", "referral_joins",
                       *(f"joined_{name}" for name in CHANNEL_NAMES.values() if name != "referral")))
