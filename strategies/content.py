"""Content calendar (内容): the operator posts to every member on a fixed weekly cadence.

Lever: ``posts_all`` and ``content_quality``. Posts are spread evenly over the
week (day t gets ``floor(t r) - floor((t - 1) r)`` posts, r = posts_per_week / 7).

Trade-off: content lifts activity with diminishing returns (log appeal in
agents/activity.py), but pushes beyond members' tolerance build fatigue, which
lowers activity and raises churn -- the inverted U. Sameness: a team can make
``team_capacity`` posts a week at the chosen quality; beyond that quality
drops as ``quality / (1 + excess / team_capacity)``.

Cost: ``cost_per_post`` per post.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from commsim.sim.params import Source, param, prob
from commsim.strategies.base import Strategy
from commsim.strategies.registry import register


@dataclass
class ContentParams:
    posts_per_week: float = param(7.0, "operator posts per week, pushed to all members", lever=True, ge=0, unit="posts/week", source=Source("user"),
                                  plausible=(1.0, 21.0))
    quality: float = prob(0.6, "content quality at or below team capacity (0.5 = average)", unit="quality", plausible=(0.4, 0.8),
                           why="A good team writes better than average (assumed); quality scales both appeal and satisfaction.")
    team_capacity: float = param(14.0, "posts per week the team makes at full quality", gt=0, unit="posts/week", source=Source("user"))
    cost_per_post: float = param(50.0, "money per post", ge=0, unit="currency", source=Source("user"),
                                 why="Default in CNY: about an hour of writing; an operator's hour costs ~50 元 "
                                     "(docs/prices.md). A long article takes 2-10 hours.")


def posts_on_day(day: int, per_week: float) -> int:
    rate = per_week / 7.0
    return int(math.floor(day * rate + 1e-9) - math.floor((day - 1) * rate + 1e-9))


@register
class ContentCalendar(Strategy):
    name = "content"
    Params = ContentParams

    def effective_quality(self) -> float:
        p = self.params
        excess = max(0.0, p.posts_per_week - p.team_capacity)
        return p.quality / (1.0 + excess / p.team_capacity)

    def before_day(self, ctx) -> None:
        wanted = posts_on_day(ctx.day, self.params.posts_per_week)
        if wanted == 0:
            return
        posts = ctx.ledger.spend_units(self.params.cost_per_post, wanted)
        if posts:
            ctx.levers.posts_all += posts
            ctx.levers.content_quality = self.effective_quality()
