"""Moderation and member admins (社群规范 / 用户管理用户).

Paid moderators remove a share ``intensity`` of spam; on top, ``admins``
members promoted from the most active members -- the core segment, then the
active one (on ``promote_day``, and refilled weekly when admins leave) each remove ``admin_removal`` of it for a small perk
and are themselves more active (``admin_uplift``): members managing members.
Lever: ``spam_removed = min(1, intensity + admin_removal * admins)``. Spam
lowers every active member's satisfaction (agents/state.py), which lowers
activity and raises churn.

Volunteer admins also keep members from leaving: with ``c = min(1, admins x
members_per_admin / members)`` of the members looked after, every member's churn hazard
is multiplied by ``1 - admin_churn_cut x c`` (lever ``churn_multiplier``). The default cut,
at most 25% with full coverage, is the source playbooks' best case for 用户管理用户
(``assumed``: a claim, not a measurement).

Trade-off: moderation cost ``cost_per_1000_members`` x intensity per day, plus
``admin_perk_cost`` per admin per day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.sim.params import Source, param, prob
from commsim.sim.population import Role, Status
from commsim.strategies.base import Strategy
from commsim.strategies.registry import register
from commsim.strategies.targeting import targets


@dataclass
class ModerationParams:
    intensity: float = prob(0.7, "share of spam paid moderators remove", source=Source("user"))
    cost_per_1000_members: float = param(10.0, "money per day per 1000 members at full intensity", ge=0,
                                         unit="currency", source=Source("user"),
                                         why="Default in CNY: ~12 minutes of moderation a day per 1,000 members; "
                                             "an operator's hour costs ~50 元 (docs/prices.md) (assumed time).")
    admins: int = param(10, "members promoted to admin", ge=0, unit="people", source=Source("user"))
    promote_day: int = param(14, "day admins are first promoted (core members first, then active)", ge=1, unit="day", source=Source("user"))
    admin_removal: float = prob(0.03, "share of spam each admin removes", plausible=(0.005, 0.1),
                                why="A volunteer catches some of the spam (assumed).")
    admin_perk_cost: float = param(2.0, "money per admin per day", ge=0, unit="currency", source=Source("user"),
                                   why="Default in CNY, assumed: ~60 元 a month of perks per volunteer admin.")
    admin_uplift: float = param(0.5, "activity log-odds of being an admin", ge=0, unit="log-odds",
                                plausible=(0.0, 1.0), why="A role gives a reason to come back.")
    admin_churn_cut: float = prob(0.25, "share of the churn hazard admins remove when they look after everyone",
                                  plausible=(0.0, 0.25),
                                  why="The playbooks' best case: volunteer admins cut churn by 25%.")
    members_per_admin: float = param(50.0, "members one admin looks after", gt=0, unit="members",
                                     plausible=(20.0, 200.0), why="A volunteer can follow a few dozen members.")


@register
class Moderation(Strategy):
    name = "moderation"
    Params = ModerationParams

    results = {"admins": "admins who are members and received their perks today",
               "spam_removed": "share of spam removed today"}

    def setup(self, ctx) -> None:
        self.admin_ids = np.empty(0, np.int64)

    def before_day(self, ctx) -> None:
        p, pop, day = self.params, ctx.population, ctx.day
        if day >= p.promote_day and (day - p.promote_day) % 7 == 0:
            self._refill_admins(ctx)
        members = int(np.count_nonzero(pop.status == Status.MEMBER))
        paid_mods = ctx.ledger.spend_all_or_nothing(p.intensity * p.cost_per_1000_members * members / 1000)
        staying = self.admin_ids[pop.status[self.admin_ids] == Status.MEMBER]
        paid_admins = ctx.ledger.spend_units(p.admin_perk_cost, staying.size)
        staying = staying[:paid_admins]
        removed = (p.intensity if paid_mods else 0.0) + p.admin_removal * staying.size
        ctx.levers.spam_removed = max(ctx.levers.spam_removed, min(1.0, removed))
        ctx.levers.activity_uplift[staying] += p.admin_uplift
        coverage = min(1.0, staying.size * p.members_per_admin / members) if members else 0.0
        ctx.levers.churn_multiplier *= 1.0 - p.admin_churn_cut * coverage
        ctx.record("admins", staying.size)
        ctx.record("spam_removed", min(1.0, removed))

    def _refill_admins(self, ctx) -> None:
        pop = ctx.population
        self.admin_ids = self.admin_ids[pop.status[self.admin_ids] == Status.MEMBER]
        need = self.params.admins - self.admin_ids.size
        if need <= 0:
            return
        new = np.empty(0, np.int64)
        for segment in ("core", "active"):
            pool = targets(ctx, segment)
            pool = pool[pop.role[pool] == Role.MEMBER]
            new = np.concatenate([new, ctx.pick(f"promote.{segment}", pool, need - new.size)])
            if new.size >= need:
                break
        ctx.levers.set_role(new, Role.ADMIN)
        self.admin_ids = np.concatenate([self.admin_ids, new])
