"""Stage 2 of the day: prospects join.

Network Bass model (Bass 1969; on networks e.g. Goldenberg, Libai & Muller 2001):
a prospect's daily join probability is

    P(join) = 1 - (1 - min(1, p + levers.marketing_p + q * s)) * (1 - exposure_p) ** e

where ``s`` is the share of their neighbours who are active members at the end
of yesterday (or members, with ``signal: member``), and ``e`` is the number of
word-of-mouth cascades that reached them yesterday. On a complete graph with
``signal: member`` and no cascades this is the discrete Bass recursion
F(t+1) = F(t) + (p + q F(t))(1 - F(t)).

Prospects invited yesterday by a member accept with probability
``invite_accept`` and join through the referral channel (DESIGN.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.graph import neighbour_sum
from sim.params import param, prob
from sim.population import Channel, Status


@dataclass
class JoiningParams:
    p_organic: float = prob(0.0001, "Bass p: daily chance a prospect joins through outside influence")
    q_social: float = param(0.03, "Bass q: extra daily join chance when all of one's friends are active members", ge=0)
    signal: str = param("active", "what counts as a friend's signal: active members, or all members",
                        choices=("active", "member"))
    exposure_p: float = prob(0.02, "join chance per word-of-mouth cascade that reached a prospect yesterday")
    invite_accept: float = prob(0.25, "chance that an invited prospect accepts and joins")


def join(model) -> None:
    pop, par, day = model.population, model.params.joining, model.day
    prospect = pop.status == Status.PROSPECT
    degree = model.graph_degree
    if par.signal == "active":
        friends = pop.active_friends
    else:
        friends = np.empty(pop.n, np.float64)
        neighbour_sum(model.graph.indptr, model.graph.indices, pop.is_member.astype(np.float64), friends)
    share = np.divide(friends, degree, out=np.zeros(pop.n, np.float64), where=degree > 0)
    p = par.p_organic + model.levers.marketing_p
    hazard = np.minimum(1.0, p + par.q_social * share)
    u = model.streams.uniform("join", day, pop.n)
    joins_bass = prospect & (u < hazard)
    # word of mouth: independent extra chances, one per cascade that reached the prospect
    if par.exposure_p > 0:
        miss = (1.0 - par.exposure_p) ** pop.exposures
        u_wom = model.streams.uniform("join.word_of_mouth", day, pop.n)
        joins_wom = prospect & ~joins_bass & (u_wom >= miss)
    else:
        joins_wom = np.zeros(pop.n, bool)
    invited = prospect & (pop.pending_inviter >= 0)
    p_accept = min(1.0, par.invite_accept * (1.0 + model.levers.accept_boost))
    accept = invited & (model.streams.uniform("join.invite_accept", day, pop.n) < p_accept)

    organic = joins_bass & ~accept & (u < min(1.0, p))
    social = (joins_bass | joins_wom) & ~accept & ~organic
    for mask, channel in ((organic, Channel.ORGANIC), (social, Channel.SOCIAL), (accept, Channel.REFERRAL)):
        idx = np.flatnonzero(mask)
        pop.status[idx] = Status.MEMBER
        pop.channel[idx] = channel
        pop.join_day[idx] = day
        pop.habit[idx] = model.initial_habit
        pop.satisfaction[idx] = 0.5
        pop.fatigue[idx] = 0.0
    referred = np.flatnonzero(accept)
    pop.referrer[referred] = pop.pending_inviter[referred]
    if model.levers.referral_fit_penalty > 0:
        pop.fit[referred] *= np.float32(1.0 - model.levers.referral_fit_penalty)
    pop.pending_inviter.fill(-1)
    model.record["joined"] = int(organic.sum() + social.sum() + referred.size)
    model.record["referral_joins"] = int(referred.size)
