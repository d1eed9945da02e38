"""Segmentation and interest groups (精准化 / 兴趣小组).

Instead of one feed for everyone, the operator posts ``posts_per_week`` per
topic, only to that topic's members (lever ``posts_by_topic``): an on-topic
post appeals fully, where an untargeted one appeals only
``behaviour.activity.relevance_general`` as much, and members receive fewer
posts they do not care about (less fatigue for the same appeal).

Interest sub-groups: every ``group_every_days`` days, members active the day
before make ``group_ties_per_member`` new friendships on average with other active
members of their topic (lever ``add_ties``).

Trade-off: operator effort per segment -- ``cost_per_topic_per_week`` for each
topic served (the ``max_topics`` largest topics, or all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from commsim.sim.params import Source, param
from commsim.sim.population import Status
from commsim.strategies.base import Strategy
from commsim.strategies.content import posts_on_day
from commsim.strategies.registry import register


@dataclass
class SegmentationParams:
    posts_per_week: float = param(3.5, "operator posts per week in each served topic", ge=0, unit="posts/week", source=Source("user"))
    max_topics: Optional[int] = param(None, "serve only the largest topics (null = all)", ge=1, unit="topics", source=Source("user"))
    cost_per_topic_per_week: float = param(150.0, "operator effort per served topic per week (money)", ge=0,
                                           unit="currency", source=Source("user"),
                                           why="Default in CNY: three operator hours a week per topic; an operator's hour costs ~50 元 (docs/prices.md)." )
    group_every_days: int = param(30, "days between interest-group meetups", ge=1, unit="days", source=Source("user"))
    group_ties_per_member: float = param(1.0, "new friendships per active member at a meetup", ge=0, unit="ties", plausible=(0.2, 3.0),
                                         why="An interest group introduces people who share a topic (assumed).")


@register
class Segmentation(Strategy):
    name = "segmentation"
    Params = SegmentationParams

    results = {"topics_served": "topics that got operator posts and effort today"}

    def setup(self, ctx) -> None:
        pop = ctx.population
        sizes = np.bincount(pop.topic[pop.status == Status.MEMBER], minlength=pop.n_topics)
        order = np.argsort(-sizes, kind="stable")
        k = pop.n_topics if self.params.max_topics is None else min(self.params.max_topics, pop.n_topics)
        self.topics = np.sort(order[:k])

    def before_day(self, ctx) -> None:
        p = self.params
        if not ctx.ledger.spend_all_or_nothing(p.cost_per_topic_per_week * self.topics.size / 7.0):
            return
        ctx.record("topics_served", self.topics.size)
        posts = posts_on_day(ctx.day, p.posts_per_week)
        if posts:
            ctx.levers.posts_by_topic[self.topics] += posts
        if ctx.day % p.group_every_days == 0:
            self._meetups(ctx)

    def _meetups(self, ctx) -> None:
        pop = ctx.population
        src, dst = [], []
        for topic in self.topics:
            members = np.flatnonzero((pop.topic == topic) & (pop.last_active_day >= ctx.day - 1)
                                     & (pop.status == Status.MEMBER))
            n_ties = int(round(self.params.group_ties_per_member * members.size / 2))
            if members.size < 2 or n_ties == 0:
                continue
            u = ctx.uniform(f"meetup.{topic}", np.arange(2 * n_ties))
            src.append(members[(u[:n_ties] * members.size).astype(np.int64)])
            dst.append(members[(u[n_ties:] * members.size).astype(np.int64)])
        if src:
            ctx.levers.add_ties(np.concatenate(src), np.concatenate(dst))
