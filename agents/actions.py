"""Stage 4 of the day: active members act.

* **post** (user-generated content) with probability ``post_prob``, times
  ``kol_post_mult`` for KOLs, times (1 + ``levers.post_boost``);
* **interact**: each active member interacts with each active friend with
  probability ``interact_prob``; a member receives ``interact_prob`` times their
  active friends (the expected count -- kept deterministic within a day);
* **share** content outward with probability ``share_prob``: each share starts an
  independent cascade over the whole graph (Kempe et al. 2003) in which each
  newly reached person passes it on to each friend with probability
  ``share_reach_p`` (times ``kol_reach_mult`` when a KOL passes it on);
  everyone reached counts one exposure for tomorrow (prospects may join,
  members are pulled back);
* **invite** a random friend with probability ``invite_prob`` x (1 +
  ``levers.invite_boost``); only prospects who were not invited yet today count
  (the invite is answered tomorrow, see :mod:`agents.joining`);
* **buy** with probability ``buy_prob`` x 2 fit, paying ``price``;
* **points**: ``levers.points_per_action`` for the active day and each post,
  share and invite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.diffusion import cascades_from_sharers
from sim.graph import neighbour_sum
from sim.params import param, prob
from sim.population import Role, Status


@dataclass
class ActionParams:
    post_prob: float = prob(0.05, "chance an active member posts")
    interact_prob: float = prob(0.1, "chance an active member interacts with a given active friend")
    share_prob: float = prob(0.01, "chance an active member shares content outward")
    share_reach_p: float = prob(0.02, "chance a reached person passes a share on to a given friend")
    invite_prob: float = prob(0.003, "chance an active member invites a random friend")
    buy_prob: float = prob(0.002, "chance an active member with fit 0.5 buys")
    price: float = param(20.0, "revenue per purchase (currency units)", ge=0)
    kol_post_mult: float = param(4.0, "how many times more often KOLs post", ge=0)
    kol_reach_mult: float = param(2.0, "how much likelier a KOL's pass-on reaches a friend", ge=0)


def act(model) -> None:
    pop, par, lev, day, streams = model.population, model.params.actions, model.levers, model.day, model.streams
    active = pop.active
    idx = np.flatnonzero(active)
    kol = pop.role[idx] == Role.KOL

    # posting
    p_post = par.post_prob * np.where(kol, par.kol_post_mult, 1.0) * (1.0 + lev.post_boost[idx])
    posted = idx[streams.uniform_at("post", day, idx) < p_post]
    model.ugc_by_topic = np.bincount(pop.topic[posted], minlength=pop.n_topics)

    # interactions among active friends (this also gives tomorrow's social pull)
    neighbour_sum(model.graph.indptr, model.graph.indices, active.view(np.uint8), pop.active_friends)
    np.multiply(pop.active_friends, par.interact_prob, out=pop.interactions)
    pop.interactions[~active] = 0.0

    # outward sharing: one independent cascade per share
    sharers = idx[streams.uniform_at("share", day, idx) < par.share_prob]
    boost = model.reach_boost
    exposures, sizes = cascades_from_sharers(
        model.graph, sharers, par.share_reach_p, boost, streams.key("share.cascade", day)
    )
    pop.exposures[:] = exposures
    model.cascade_sizes = sizes

    # invitations to a random friend who is a prospect
    p_invite = par.invite_prob * (1.0 + lev.invite_boost)
    inviters = idx[streams.uniform_at("invite", day, idx) < p_invite]
    degree = model.graph_degree[inviters]
    inviters = inviters[degree > 0]
    degree = degree[degree > 0]
    pick = (streams.uniform_at("invite.target", day, inviters) * degree).astype(np.int64)
    targets = model.graph.indices[model.graph.indptr[inviters] + pick]
    to_prospect = pop.status[targets] == Status.PROSPECT
    inviters, targets = inviters[to_prospect], targets[to_prospect]
    first = np.unique(targets, return_index=True)[1]  # one invitation per prospect: the first inviter's
    inviters, targets = inviters[first], targets[first]
    pop.pending_inviter[targets] = inviters

    # purchases
    p_buy = np.minimum(1.0, par.buy_prob * 2.0 * pop.fit[idx])
    buyers = int(np.count_nonzero(streams.uniform_at("buy", day, idx) < p_buy))

    # incentive points
    if lev.points_per_action > 0:
        actions = np.ones(pop.n, np.float32) * active
        np.add.at(actions, posted, 1.0)
        np.add.at(actions, sharers, 1.0)
        np.add.at(actions, inviters, 1.0)
        pop.points += lev.points_per_action * actions

    rec = model.record
    rec["posts"] = int(posted.size)
    rec["interactions"] = float(pop.interactions.sum())
    rec["shares"] = int(sharers.size)
    rec["reached"] = int(sizes.sum())
    rec["max_cascade"] = int(sizes.max()) if sizes.size else 0
    rec["invites"] = int(inviters.size)
    rec["purchases"] = buyers
    rec["revenue"] = buyers * par.price
