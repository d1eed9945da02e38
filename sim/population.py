"""Everyone in the audience -- members, prospects and churned -- as a struct of arrays.

One entry per node of the social graph. The daily rules in :mod:`agents`
update these arrays in place, vectorised over people; a
:class:`agents.member.Member` view exists for inspecting one person.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
from scipy.sparse.csgraph import breadth_first_order

from sim.errors import ConfigError
from sim.graph import CSRGraph
from sim.random_streams import RandomStreams


class Status(IntEnum):
    PROSPECT = 0  # in the audience, not (yet) a member
    MEMBER = 1
    CHURNED = 2  # left; never active again


class Role(IntEnum):
    MEMBER = 0
    KOL = 1  # key opinion leader: posts more, reaches further
    ADMIN = 2  # member promoted to help run the community


class Channel(IntEnum):
    NONE = 0  # never joined
    SEED = 1  # member on day 0
    ORGANIC = 2  # joined through the Bass "innovation" term p (marketing, search)
    SOCIAL = 3  # joined through active friends or word-of-mouth cascades (Bass q)
    REFERRAL = 4  # accepted a member's invitation


NEVER = -(2**30)  # "day" of something that has not happened


@dataclass(eq=False)
class Population:
    status: np.ndarray  # int8 Status
    active: np.ndarray  # bool, active today
    habit: np.ndarray  # float32 in [0, 1]: engagement habit strength
    satisfaction: np.ndarray  # float32 in [0, 1]
    fatigue: np.ndarray  # float32 >= 0: tiredness from operator content and messages
    points: np.ndarray  # float32 >= 0: incentive points held
    topic: np.ndarray  # int32: main interest topic
    fit: np.ndarray  # float32 in (0, 1): intrinsic fit with the community
    role: np.ndarray  # int8 Role
    join_day: np.ndarray  # int32, NEVER if never joined
    last_active_day: np.ndarray  # int32, NEVER if never active
    churn_day: np.ndarray  # int32, NEVER if not churned
    referrer: np.ndarray  # int32, -1 if none
    channel: np.ndarray  # int8 Channel
    # carried from one day to the next
    pending_inviter: np.ndarray  # int32: who invited this prospect yesterday (-1 = nobody)
    exposures: np.ndarray  # int32: word-of-mouth cascades that reached this person yesterday
    active_friends: np.ndarray  # float32: neighbours active at the end of yesterday
    churn_pressure: np.ndarray  # float32: churned friends, each fading exponentially
    interactions: np.ndarray  # float32: interactions received today
    recent_activity: np.ndarray  # uint32: activity history, bit 0 = today, bit k = k days ago
    n_topics: int = 1

    @property
    def n(self) -> int:
        return self.status.size

    @property
    def is_member(self) -> np.ndarray:
        return self.status == Status.MEMBER

    def count(self, status: Status) -> int:
        return int(np.count_nonzero(self.status == status))

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "n_topics")

    @classmethod
    def create(cls, cfg, graph: CSRGraph, streams: RandomStreams) -> "Population":
        """Day-0 population for ``graph`` under the population config ``cfg``."""
        n = graph.n
        if graph.groups is not None:
            topic = graph.groups.astype(np.int32)
            n_topics = int(topic.max()) + 1 if n else 1
        else:
            n_topics = cfg.topics
            topic = streams.generator("init.topic").integers(0, n_topics, size=n).astype(np.int32)
        a = cfg.fit_mean * cfg.fit_concentration
        b = (1 - cfg.fit_mean) * cfg.fit_concentration
        fit = streams.generator("init.fit").beta(a, b, size=n).astype(np.float32)
        pop = cls(
            status=np.zeros(n, np.int8),
            active=np.zeros(n, bool),
            habit=np.zeros(n, np.float32),
            satisfaction=np.full(n, 0.5, np.float32),
            fatigue=np.zeros(n, np.float32),
            points=np.zeros(n, np.float32),
            topic=topic,
            fit=fit,
            role=np.zeros(n, np.int8),
            join_day=np.full(n, NEVER, np.int32),
            last_active_day=np.full(n, NEVER, np.int32),
            churn_day=np.full(n, NEVER, np.int32),
            referrer=np.full(n, -1, np.int32),
            channel=np.zeros(n, np.int8),
            pending_inviter=np.full(n, -1, np.int32),
            exposures=np.zeros(n, np.int32),
            active_friends=np.zeros(n, np.float32),
            churn_pressure=np.zeros(n, np.float32),
            interactions=np.zeros(n, np.float32),
            recent_activity=np.zeros(n, np.uint32),
            n_topics=n_topics,
        )
        k = cfg.initial_members if cfg.initial_members is not None else int(round(cfg.initial_member_share * n))
        if k > n:
            raise ConfigError([f"population.initial_members: {k} is more than the {n} people in the network"])
        seeds = _place_members(graph, k, cfg.placement, streams.generator("init.placement"))
        pop.status[seeds] = Status.MEMBER
        pop.channel[seeds] = Channel.SEED
        pop.join_day[seeds] = 0
        g = streams.generator("init.seed_members")
        spread = g.random(seeds.size)
        pop.habit[seeds] = np.clip(cfg.seed_member_habit * (0.5 + spread), 0, 1)
        # who was active "yesterday" (day 0): habitual members more likely
        was_active = g.random(seeds.size) < pop.habit[seeds]
        pop.active[seeds[was_active]] = True
        pop.recent_activity[seeds[was_active]] = 1
        pop.last_active_day[seeds] = np.where(was_active, 0, -g.integers(1, 30, size=seeds.size))
        return pop


def _place_members(graph: CSRGraph, k: int, placement: str, rng: np.random.Generator) -> np.ndarray:
    n = graph.n
    if k == 0:
        return np.empty(0, np.int64)
    if placement == "random":
        return np.sort(rng.choice(n, size=k, replace=False))
    # "cluster": breadth-first from a random person, jumping to a new random
    # start whenever a connected component is used up
    adjacency = graph.adjacency()
    chosen = np.zeros(n, bool)
    picked: list[np.ndarray] = []
    remaining = k
    order = rng.permutation(n)
    for start in order:
        if remaining == 0:
            break
        if chosen[start]:
            continue
        ball = breadth_first_order(adjacency, int(start), directed=False, return_predecessors=False)
        ball = ball[~chosen[ball]][:remaining]
        chosen[ball] = True
        picked.append(ball)
        remaining -= ball.size
    return np.sort(np.concatenate(picked))
