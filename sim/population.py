"""Everyone in the audience -- members, prospects, lapsed and not yet arrived -- as a struct of arrays.

One entry per node of the social graph. The daily rules in :mod:`agents`
update these arrays in place, vectorised over people; a
:class:`agents.member.Member` view exists for inspecting one person.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
from scipy.sparse.csgraph import breadth_first_order

from commsim.sim.errors import ConfigError
from commsim.sim.graph import CSRGraph
from commsim.sim.random_streams import RandomStreams


class Status(IntEnum):
    PROSPECT = 0  # in the audience, not (yet) a member
    MEMBER = 1
    LAPSED = 2  # left the community (churned); may come back (agents/activity.py)
    OUTSIDE = 3  # not yet in the audience; arrives on a later day (agents/joining.py)


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
    ADS = 5  # acquired through paid ads (strategies/acquisition.py)
    PARTNERS = 6  # acquired through partners (other communities, brands, newsletters)
    OFFLINE = 7  # acquired at offline events


# channels as they are named in outputs (joined_<name>) and configs; SEED is day 0, NONE never joined
CHANNEL_NAMES = {Channel.ORGANIC: "organic", Channel.SOCIAL: "social", Channel.REFERRAL: "referral",
                 Channel.ADS: "ads", Channel.PARTNERS: "partners", Channel.OFFLINE: "offline"}
PAID_CHANNELS = ("ads", "partners", "offline")  # bought per acquired member (strategies/acquisition.py)
TRUST_NEUTRAL = 0.5  # everyone's trust on day 0; every effect of trust is centred here (agents/trust.py)


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
    trust: np.ndarray  # float32 in [0, 1]: trust in the community and its operator (agents/trust.py)
    heard_day: np.ndarray  # int32: day the crisis news reached this person (NEVER: not reached; agents/crisis.py)
    corrected_day: np.ndarray  # int32: day the operator's response reached them (NEVER: not reached)
    value: np.ndarray  # float64: revenue from this person, discounted to the day they (first) joined
    # stable traits, drawn once (population.* heterogeneity parameters)
    propensity: np.ndarray  # float32: personal log-odds offset of activity (Normal(0, propensity_sd))
    voice: np.ndarray  # float32: personal multiplier of posting, sharing and actions (mean-1 log-normal)
    frailty: np.ndarray  # float32: personal multiplier of the churn hazard (mean-1 gamma)
    arrival_order: np.ndarray  # int32: order in which people outside the audience arrive (-1: present)
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

    @property
    def arrays(self) -> list[str]:
        return [f.name for f in fields(self) if f.name != "n_topics"]

    @classmethod
    def create(cls, cfg, graph: CSRGraph, streams: RandomStreams,
               arrival_day: np.ndarray | None = None, first_day: int = 0) -> "Population":
        """The population of the run's first state, day ``first_day`` (0, or ``-history_days`` in a run
        that replays a past), for ``graph`` under the population config ``cfg``. ``arrival_day`` (per
        person; up to ``first_day`` = present from the start) replaces ``cfg.audience_at_start`` with a
        known schedule of who arrives when (``sim.arrivals.person_arrivals``)."""
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
        propensity, voice, frailty = draw_traits(cfg, n, streams)
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
            trust=np.full(n, TRUST_NEUTRAL, np.float32),
            heard_day=np.full(n, NEVER, np.int32),
            corrected_day=np.full(n, NEVER, np.int32),
            value=np.zeros(n, np.float64),
            propensity=propensity,
            voice=voice,
            frailty=frailty,
            arrival_order=np.full(n, -1, np.int32),
            n_topics=n_topics,
        )
        if arrival_day is not None:
            present = _scheduled_audience(pop, arrival_day, first_day)
        else:
            present = _audience_at_start(pop, cfg.audience_at_start, streams.generator("init.arrivals"))
        k = cfg.initial_members if cfg.initial_members is not None else int(round(cfg.initial_member_share * n))
        if cfg.state_file:
            k = 0  # the day-0 members are the state file's
        if k > present.size:
            where = "in the network" if present.size == n else "in the audience on day 0 (population.audience_at_start)"
            raise ConfigError([f"population.initial_members: {k} is more than the {present.size} people {where}"])
        seeds = _place_members(graph, k, cfg.placement, streams.generator("init.placement"), present)
        pop.status[seeds] = Status.MEMBER
        pop.channel[seeds] = Channel.SEED
        pop.join_day[seeds] = first_day
        pop.propensity[seeds] += np.float32(cfg.seed_engagement)  # those who stayed are the engaged ones
        g = streams.generator("init.seed_members")
        spread = g.random(seeds.size)
        pop.habit[seeds] = np.clip(cfg.seed_member_habit * (0.5 + spread), 0, 1)
        # who was active "yesterday" (day 0): habitual members more likely
        was_active = g.random(seeds.size) < pop.habit[seeds]
        pop.active[seeds[was_active]] = True
        pop.recent_activity[seeds[was_active]] = 1
        pop.last_active_day[seeds] = first_day + np.where(was_active, 0, -g.integers(1, 30, size=seeds.size))
        if cfg.state_file:  # a twin's state at the end of its log (sim/start_state.py)
            from commsim.sim.start_state import apply_state, read_state

            state = read_state(cfg.state_file, graph.labels, n)
            if arrival_day is not None:  # beside it, an arrivals file lists the newcomers after day 0
                later = state["person"][arrival_day[state["person"]] > 0]
                if later.size:
                    who = graph.labels[later[0]] if graph.labels is not None else int(later[0])
                    raise ConfigError([f"population.arrivals_file: {later.size} people of the state file arrive "
                                       f"after day 0 (the first: {who!r}); the state file holds who is there on "
                                       f"day 0, the arrivals file only newcomers"])
            apply_state(pop, state, Status.MEMBER, Status.LAPSED, Channel.SEED)
        return pop


def draw_traits(cfg, n: int, streams: RandomStreams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stable personal traits (docs/model.md, "Who differs"): activity propensity, voice, frailty.

    * propensity ~ Normal(0, propensity_sd): a personal log-odds offset of daily activity;
    * voice = exp(voice_sd (r z_p + sqrt(1 - r^2) z) - voice_sd^2 / 2): log-normal, mean 1,
      correlated (r = voice_corr) with propensity -- the frequent visitors also say more;
    * frailty ~ Gamma(1 / v, v), mean 1, variance v = frailty_variance (v = 0: everyone 1).
    """
    g = streams.generator("init.traits")
    z_propensity = g.standard_normal(n)
    z_voice = g.standard_normal(n)
    propensity = (cfg.propensity_sd * z_propensity).astype(np.float32)
    r, s = cfg.voice_corr, cfg.voice_sd
    voice = np.exp(s * (r * z_propensity + np.sqrt(1 - r * r) * z_voice) - s * s / 2).astype(np.float32)
    v = cfg.frailty_variance
    frailty = (g.gamma(1.0 / v, v, size=n) if v > 0 else np.ones(n)).astype(np.float32)
    return propensity, voice, frailty


def _audience_at_start(pop: "Population", share: float, rng: np.random.Generator) -> np.ndarray:
    """Mark everyone but a ``share`` of people as outside the audience; they arrive later in a
    random order (``arrival_order``). Returns the ids present on day 0."""
    n = pop.n
    if share >= 1.0:
        return np.arange(n)
    order = rng.permutation(n)
    k = int(round(share * n))
    present, later = np.sort(order[:k]), order[k:]
    pop.status[later] = Status.OUTSIDE
    pop.arrival_order[later] = np.arange(later.size, dtype=np.int32)
    return present


def _scheduled_audience(pop: "Population", arrival_day: np.ndarray, first_day: int = 0) -> np.ndarray:
    """People with an arrival day after the run's first state (``first_day``) start outside the
    audience, queued by day."""
    later = np.flatnonzero(arrival_day > first_day)
    order = later[np.lexsort((later, arrival_day[later]))]
    pop.status[order] = Status.OUTSIDE
    pop.arrival_order[order] = np.arange(order.size, dtype=np.int32)
    return np.flatnonzero(arrival_day <= first_day)


def _place_members(graph: CSRGraph, k: int, placement: str, rng: np.random.Generator,
                   present: np.ndarray) -> np.ndarray:
    n = graph.n
    if k == 0:
        return np.empty(0, np.int64)
    if placement == "random":
        if present.size == n:
            return np.sort(rng.choice(n, size=k, replace=False))
        return np.sort(rng.choice(present, size=k, replace=False))
    # "cluster": breadth-first from a random person, jumping to a new random
    # start whenever a connected component is used up
    adjacency = graph.adjacency()
    chosen = np.zeros(n, bool)
    chosen[np.setdiff1d(np.arange(n), present)] = True  # people outside the audience cannot be members
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
