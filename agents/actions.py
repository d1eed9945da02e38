"""Stage 4 of the day: active members act.

* **post** (user-generated content) with probability ``post_prob`` times the member's
  voice ``v_i`` (a mean-1 trait, :mod:`sim.population`), times ``kol_post_mult`` for KOLs,
  times (1 + ``levers.post_boost``), capped at 1;
* **interact**: each active member interacts with each active friend with
  probability ``interact_prob``; a member receives ``interact_prob`` times their
  active friends (the expected count -- kept deterministic within a day);
* **share** content outward with probability ``share_prob`` x ``v_i``: each share starts an
  independent cascade over the whole graph (Kempe et al. 2003) in which each
  newly reached person passes it on to each friend with probability
  ``share_reach_p`` (times ``kol_reach_mult`` when a KOL passes it on);
  everyone reached counts one exposure for tomorrow (prospects may join,
  members are pulled back);
* **invite** a random friend with probability ``invite_prob`` x (1 +
  ``levers.invite_boost``); only prospects who were not invited yet today count
  (the invite is answered tomorrow, see :mod:`agents.joining`);
* **buy** with probability ``buy_prob`` x 2 fit x (2 τ)^``trust`` (τ the member's trust, neutral 0.5,
  :mod:`agents.trust`), paying ``price``; each purchase adds ``price × (1 + discount_rate)^(-(t -
  join_day) / 365)`` to the buyer's discounted value (``Population.value``, the basis of the LTV KPI,
  :mod:`sim.metrics`);
* **points**: ``levers.points_per_action`` for the active day and each post,
  share and invite.

``actions_mean`` shapes only the activity log (``outputs.activity_log``): a logged active
day holds ``1 + Poisson((actions_mean - 1) v_i)`` visible actions (messages, comments,
posts), each aimed at a random friend (:func:`sim.day.record_log`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from commsim.sim.diffusion import cascades_from_sharers
from commsim.sim.graph import neighbour_scatter_add
from commsim.sim.params import Source, literature, param, prob
from commsim.sim.population import Role
from commsim.sim.random_streams import hash_uniform
from commsim.sim.stages import Stage, fields


@dataclass
class ActionParams:
    post_prob: float = prob(
        0.05, "chance an active member posts", plausible=(0.01, 0.2),
        why="The 90-9-1 rule (Nielsen 2006): few members create; 5% of active days with a post.")
    interact_prob: float = prob(
        0.1, "chance an active member interacts with a given active friend", plausible=(0.02, 0.3),
        why="Likes/replies between active friends; 10% per friend pair per day.")
    share_prob: float = prob(0.01, "chance an active member shares content outward", plausible=(0.002, 0.05),
                             why="Outward sharing is rare; 1% of active days.")
    share_reach_p: float = prob(
        0.02, "chance a reached person passes a share on to a given friend", plausible=(0.005, 0.05),
        why="Keeps cascades subcritical on mean-degree-10 graphs: most end within one hop (Goel, Watts & "
            "Goldstein 2012).")
    invite_prob: float = prob(0.003, "chance an active member invites a random friend", plausible=(0.001, 0.01),
                              why="Unprompted invitations are rare: ~1 per member per year of active days.")
    buy_prob: float = prob(0.002, "chance an active member with fit 0.5 buys", plausible=(0.0005, 0.01),
                           why="Conversion of active community members to a purchase: 0.2% per active day.")
    trust: float = param(1.0, "elasticity of purchases to trust: conversion × (2 τ)^trust", ge=0, unit="exponent",
                         plausible=(0.5, 2.0),
                         why="Buying from a community needs trust: proportional to it (exponent 1) by default, so a "
                             "member who lost half their trust buys half as often (assumed).")
    discount_rate: float = param(0.10, "yearly discount rate of future revenue (LTV)", ge=0, le=1, unit="per year",
                                 source=Source("user"), plausible=(0.05, 0.2),
                                 why="Revenue next year is worth less than today's; 10% a year is a common "
                                     "choice (set your own cost of capital).")
    price: float = param(20.0, "revenue per purchase", ge=0, unit="currency", source=Source("user"),
                         why="Average order value; default in CNY: community group-buying orders run ~10-43 元 "
                             "(group leaders' accounts, low confidence; docs/prices.md). Set it for your business.")
    kol_post_mult: float = param(4.0, "how many times more often KOLs post", ge=0, unit="×", plausible=(2.0, 8.0),
                                 why="KOLs post several times more than ordinary members.")
    kol_reach_mult: float = param(1.0, "how much likelier a KOL's pass-on reaches a friend", ge=0, unit="×",
                                  plausible=(1.0, 1.5),
                                  source=literature("Hinz, Skiera, Barrot & Becker 2011, J. Marketing 75(6)"),
                                  why="Seeding field experiments (a campaign to >200,000 mobile customers): "
                                      "well-connected seeds win because they take part more and reach more people, "
                                      "but \"do not have more influence on their peers\" -- so no extra pull per "
                                      "tie by default (the hub advantage comes from degree and kol_post_mult); up "
                                      "to 1.5 for playbooks claiming KOL posts travel further.")
    actions_mean: float = param(3.0, "mean visible actions on an active day (shapes the activity log only)",
                                ge=1, unit="actions", plausible=(1.5, 6.0),
                                why="CollegeMsg: 4.1 messages per active sender-day, median 2.")


def act(model, par: ActionParams) -> dict:
    pop, lev, day, streams = model.population, model.levers, model.day, model.streams
    active = pop.active
    idx = active.nonzero()[0]

    # purchases' chances (NumPy's float32 power, which the kernel below could not match bit for bit)
    p_buy = par.buy_prob * 2.0 * pop.fit[idx]
    if par.trust > 0:
        p_buy = p_buy * np.power(2.0 * pop.trust[idx], par.trust)
    # who posts, shares, invites (and whom) and buys: one pass over the active people
    posted, sharers, inviters, targets, bought = _choose(
        idx, pop.role, np.int8(Role.KOL), pop.voice, lev.post_boost, model.graph_degree, model.graph.indptr,
        model.graph.indices, np.minimum(1.0, p_buy), par.post_prob, par.kol_post_mult, par.share_prob,
        par.invite_prob * (1.0 + lev.invite_boost), streams.key("post", day), streams.key("share", day),
        streams.key("invite", day), streams.key("invite.target", day), streams.key("buy", day))
    model.posted = posted
    model.ugc_by_topic = np.bincount(pop.topic[posted], minlength=pop.n_topics)

    # interactions among active friends (this also gives tomorrow's social pull)
    # scattered from the active few rather than gathered over every tie: the same integer counts, but
    # ~DAU x degree memory accesses instead of ~2 x ties random reads (10M people: 1.3 s -> see the benchmark)
    pop.active_friends.fill(0.0)
    neighbour_scatter_add(model.graph.indptr, model.graph.indices, idx, pop.active_friends, 1.0)
    np.multiply(pop.active_friends, par.interact_prob, out=pop.interactions)
    np.multiply(pop.interactions, active, out=pop.interactions)  # x 1 or x 0: no mask to build and scatter

    # outward sharing: one independent cascade per share
    kols = pop.role == Role.KOL
    boost = np.where(kols, par.kol_reach_mult, 1.0) if kols.any() else 1.0  # no per-person array without KOLs
    _, sizes = cascades_from_sharers(
        model.graph, sharers, par.share_reach_p, boost, streams.key("share.cascade", day), out=pop.exposures
    )
    model.cascade_sizes = sizes

    # invitations to a random friend who is a prospect
    inviters = _invite_prospects(inviters, targets, pop.status, pop.pending_inviter)

    # purchases
    buyers = int(bought.size)
    if buyers:
        age = (day - pop.join_day[bought]) / 365.0
        pop.value[bought] += par.price * np.power(1.0 + par.discount_rate, -age)

    # incentive points
    if lev.points_per_action > 0:
        actions = np.ones(pop.n, np.float32) * active
        np.add.at(actions, posted, 1.0)
        np.add.at(actions, sharers, 1.0)
        np.add.at(actions, inviters, 1.0)
        pop.points += lev.points_per_action * actions

    return {
        "posts": int(posted.size),
        "interactions": float(pop.interactions.sum()),
        "shares": int(sharers.size),
        "reached": int(sizes.sum()),
        "max_cascade": int(sizes.max()) if sizes.size else 0,
        "invites": int(inviters.size),
        "purchases": buyers,
        "revenue": buyers * par.price,
    }


@nb.njit(cache=True, inline="always")
def post_chance(post_prob, voice, kol_mult, boost):
    """One person's chance to post, as NumPy formed it: ``post_prob * voice`` in float32 (a Python float
    times a float32 array), times the float64 KOL multiplier (1 for others), times ``1 + boost`` in float32."""
    return np.float64(np.float32(post_prob) * voice) * kol_mult * np.float64(np.float32(1.0) + boost)


@nb.njit(cache=True, inline="always")
def share_chance(share_prob, voice):
    """One person's chance to share: ``share_prob * voice`` in float32, as NumPy formed it."""
    return np.float64(np.float32(share_prob) * voice)


@nb.njit(cache=True)
def _choose(idx, role, kol, voice, post_boost, degree, indptr, indices, p_buy, post_prob, kol_post_mult,
            share_prob, p_invite, key_post, key_share, key_invite, key_target, key_buy):
    """The day's choices of the active people ``idx`` (ascending): who posts, shares, invites (and which
    friend: a uniform pick among their ties) and buys, each drawn from its own stream as
    ``hash(key, person) < chance``. The chances are NumPy's arithmetic, type for type (a float32 voice
    times a float32 probability; a float64 KOL multiplier), so the people chosen are the ones the
    vectorised form chose: ``p_post = post_prob * voice * where(KOL, kol_post_mult, 1) * (1 + post_boost)``,
    ``p_share = share_prob * voice``, ``p_invite`` for everyone, ``p_buy`` given."""
    n = idx.size
    posted, sharers, inviters = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    targets, bought = np.empty(n, np.int64), np.empty(n, np.int64)
    n_post = n_share = n_invite = n_buy = 0
    for j in range(n):
        i = idx[j]
        at = np.uint64(i)
        if hash_uniform(key_post, at) < post_chance(post_prob, voice[i], kol_post_mult if role[i] == kol else 1.0,
                                                    post_boost[i]):
            posted[n_post] = i
            n_post += 1
        if hash_uniform(key_share, at) < share_chance(share_prob, voice[i]):
            sharers[n_share] = i
            n_share += 1
        if hash_uniform(key_invite, at) < p_invite and degree[i] > 0:
            pick = np.int64(hash_uniform(key_target, at) * np.float64(degree[i]))
            inviters[n_invite] = i
            targets[n_invite] = indices[indptr[i] + pick]
            n_invite += 1
        if hash_uniform(key_buy, at) < np.float64(p_buy[j]):
            bought[n_buy] = i
            n_buy += 1
    return posted[:n_post], sharers[:n_share], inviters[:n_invite], targets[:n_invite], bought[:n_buy]


@nb.njit(cache=True)
def _invite_prospects(inviters, targets, status, pending_inviter):
    """Each invitation whose target is a prospect waits in ``pending_inviter`` (which ``join``
    empties every morning), one per prospect: the first inviter's. Returns the inviters whose
    invitation waits."""
    kept = np.empty(inviters.size, np.int64)
    k = 0
    for j in range(inviters.size):
        t = targets[j]
        if status[t] == 0 and pending_inviter[t] < 0:  # Status.PROSPECT, not yet invited today
            pending_inviter[t] = inviters[j]
            kept[k] = inviters[j]
            k += 1
    return kept[:k]


STAGE = Stage("act", act, "active members post, interact, share (cascades), invite, buy",
              group="actions", params=ActionParams,
              owns=fields("active_friends", "exposures", "interactions", "pending_inviter", "points", "value",
                          "model.cascade_sizes", "model.posted", "model.ugc_by_topic"),
              # pending_inviter: read as empty (-1) -- join, earlier in the day, consumes and empties it
              reads=fields("status", "active", "active_friends", "fit", "join_day", "pending_inviter", "points",
                           "role", "topic", "trust", "value", "voice", "levers", "graph"),
              outputs=("posts", "interactions", "shares", "reached", "max_cascade", "invites", "purchases",
                       "revenue"))
