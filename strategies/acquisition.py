"""Acquisition channels (拓展渠道, 成员招募): buy members through paid ads, partners and offline events.

Each day from ``start_day`` to ``end_day``, ``daily_budget`` is split by the channel mix (``mix_ads``,
``mix_partners``, ``mix_offline``; they sum to 1). A channel turns its money into members at its cost per
acquired member (``cpa_<channel>``; the fraction of a member left over carries to the next day), booked
to that channel (``spend_<channel>`` columns: the CAC of the channel). Who a channel brings differs
-- each has a **fit tilt** ``fit_<channel>``: prospects are drawn with weights ``exp(tilt × fit)``
(an efficient weighted sample without replacement, by common random numbers: the keys ``u^(1/w)``), so
ads bring whoever clicks (tilt 0: the audience's own fit), partners people close to the community's
purpose, offline events the best fits, at a higher price. Better-fitting members stay longer and buy
more (agents/activity.py, agents/actions.py), which is what the per-channel LTV (``ltv_<channel>``)
and LTV/CAC show.

The channel's members join through it (lever ``acquire``; ``joined_<channel>`` columns) instead of
the organic or social channel that might have brought some of them later anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from commsim.sim.params import Source, param
from commsim.sim.population import PAID_CHANNELS, Channel, Status
from commsim.sim.selection import race_winners
from commsim.strategies.base import Strategy, window_problems
from commsim.strategies.registry import register

CODES = {"ads": Channel.ADS, "partners": Channel.PARTNERS, "offline": Channel.OFFLINE}


@dataclass
class AcquisitionParams:
    daily_budget: float = param(50.0, "money spent on acquisition each day", ge=0, unit="currency",
                                source=Source("user"), why="Default in CNY: a small daily test budget (set your own).")
    mix_ads: float = param(0.6, "channel mix: share of the daily budget spent on paid ads", ge=0, le=1,
                           unit="share", source=Source("user"))
    mix_partners: float = param(0.3, "channel mix: share spent through partners", ge=0, le=1, unit="share",
                                source=Source("user"))
    mix_offline: float = param(0.1, "channel mix: share spent on offline events", ge=0, le=1, unit="share",
                               source=Source("user"))
    cpa_ads: float = param(15.0, "cost of a member acquired through ads", gt=0, unit="currency", source=Source("user"),
                           plausible=(5.0, 60.0),
                           why="Default in CNY: follower and lead costs reported for Douyin and WeChat ads run "
                               "~10-23 元 a person (campaign write-ups, low confidence; docs/prices.md).")
    cpa_partners: float = param(8.0, "cost of a member acquired through partners", gt=0, unit="currency",
                                source=Source("user"), plausible=(2.0, 40.0),
                                why="Default in CNY, assumed: a partner's cross-promotion (互推) costs less than ads.")
    cpa_offline: float = param(15.0, "cost of a member acquired at offline events", gt=0, unit="currency",
                               source=Source("user"), plausible=(5.0, 60.0),
                               why="Default in CNY, assumed: staff time at an offline stand (地推) per member gained.")
    fit_ads: float = param(0.0, "fit tilt of ads: who arrives is drawn with weights exp(tilt x fit)", unit="per fit",
                           plausible=(-2.0, 2.0),
                           why="Ads reach whoever clicks: the audience's own fit (assumed).")
    fit_partners: float = param(3.0, "fit tilt of partners", unit="per fit", plausible=(0.0, 6.0),
                                why="A partner's audience shares the community's purpose (assumed).")
    fit_offline: float = param(6.0, "fit tilt of offline events", unit="per fit", plausible=(0.0, 10.0),
                               why="People met in person at a topical event fit best (assumed).")
    start_day: int = param(1, "first day of spending", ge=1, unit="day", source=Source("user"))
    end_day: Optional[int] = param(None, "day spending stops (null = never)", ge=1, unit="day", source=Source("user"))

    def check(self) -> list[str]:
        total = self.mix_ads + self.mix_partners + self.mix_offline
        problems = [] if math.isclose(total, 1.0, abs_tol=1e-6) else [
            f"mix_ads, mix_partners, mix_offline: the shares sum to {total:g}; they must sum to 1"]
        return problems + window_problems(self.start_day, self.end_day, "acquisition")


@register
class Acquisition(Strategy):
    name = "acquisition"
    Params = AcquisitionParams

    results = {f"acquired_{c}": f"members bought through {c} today" for c in PAID_CHANNELS}

    def setup(self, ctx) -> None:
        self.carry = dict.fromkeys(PAID_CHANNELS, 0.0)

    def before_day(self, ctx) -> None:
        p, pop, day = self.params, ctx.population, ctx.day
        if day < p.start_day or (p.end_day is not None and day >= p.end_day):
            return
        prospects = int(np.count_nonzero(pop.status == Status.PROSPECT))
        fit_range = (pop.fit.min(), pop.fit.max()) if prospects else (0.0, 0.0)
        taken = np.zeros(0, np.int64)  # person ids bought through an earlier channel today
        for name in PAID_CHANNELS:
            share = getattr(p, f"mix_{name}")
            cpa = getattr(p, f"cpa_{name}")
            want = share * p.daily_budget / cpa + self.carry[name]
            wanted = int(math.floor(want + 1e-9))
            self.carry[name] = want - wanted
            wanted = min(wanted, prospects - taken.size)
            if wanted == 0:
                continue
            k = ctx.ledger.spend_units(cpa, wanted, channel=name)
            if k == 0:
                continue
            # every prospect's number (what uniform_at gives it), -1 for everyone else: out of every race
            # (no index of the prospects: they are most of a large audience)
            u, racing = ctx.uniform_of(f"draw.{name}", Status.PROSPECT)
            u[taken] = -1.0  # bought through an earlier channel today: out of this channel's race
            tilt = getattr(p, f"fit_{name}")
            # weights exp(tilt x fit): the k largest log(u)/w are a weighted sample (an exponential race)
            ends = (tilt * float(fit_range[0]), tilt * float(fit_range[1]))
            won = race_winners(u, lambda at: tilt * pop.fit[at].astype(np.float64), k, (min(ends), max(ends)),
                               racing=racing - taken.size)  # taken: distinct prospects
            ctx.levers.acquire(won, CODES[name])
            taken = np.concatenate([taken, won])
            ctx.record(f"acquired_{name}", k)
