"""Incentive loop (激励体系): points per action, levels, redemption.

While the programme runs (``start_day`` <= day < ``end_day`` and the budget
lasts), members earn ``points_per_action`` for each active day, post, share
and invite (lever ``points_per_action``) and get an activity uplift

    uplift_i = reward_uplift * exp(-d_i / habituation_days) + level_uplift * min(level_i, max_level)

where ``d_i`` is how many days member i has been in the programme (habituation:
the same reward motivates less and less) and ``level_i = floor(points / level_step)``.
Every day in the programme moves a member's *reliance* on rewards a step
``1 / reliance_days`` toward 1. When the programme stops, rewards are withdrawn
and a member loses ``crowding * reliance_i`` of the pull of their habit,

    penalty_i = crowding * reliance_i * behaviour.activity.habit * habit_i

log-odds, fading as reliance decays with e-folding time ``recovery_days``:
extrinsic rewards crowd out intrinsic motivation (Deci, Koestner & Ryan 1999),
and habits formed around a reward cue weaken when the cue disappears (Wood &
Neal 2007). So activity dips below where it would have been without the
programme, most for the members who engaged most under it.

Redemption: every ``redeem_at`` points a member cashes in, costing
``redeem_at * point_value``; members keep redeeming the points they earned after the
programme is withdrawn. Points earned and not yet redeemed are money owed: the programme
books their value as its liability every day (``liability`` in the time series and the
summary; not part of ``total_cost``), and it stops issuing points once the budget left does
not cover what it owes (it cannot promise more than it can pay). A programme that cannot pay
its redemptions stops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from commsim.sim.params import Source, literature, param
from commsim.sim.population import Status
from commsim.strategies.base import Strategy, window_problems
from commsim.strategies.registry import register


@dataclass
class IncentiveParams:
    points_per_action: float = param(10.0, "points per active day, post, share and invite", lever=True, ge=0, unit="points", source=Source("user"),
                                     plausible=(1.0, 50.0))
    point_value: float = param(0.01, "money per point when redeemed", ge=0, unit="currency", source=Source("user"),
                               why="Default in CNY: 100 points = 1 元, the common convention of Chinese loyalty "
                                   "schemes (e.g. JD's 京豆); set your programme's own rate.")
    redeem_at: float = param(1000.0, "points per redemption", gt=0, unit="points", source=Source("user"))
    reward_uplift: float = param(0.4, "activity log-odds of the reward when new", ge=0, unit="log-odds",
                                 plausible=(0.0, 1.0),
                                 source=literature("Restivo & van de Rijt 2012, PLoS ONE 7(3):e34358; "
                                                   "Gallus 2017, Management Science; Hamari 2013, Electron. Commer. "
                                                   "Res. Appl. 12"),
                                 why="Randomised rewards in online communities: Wikipedia barnstars raised top "
                                     "editors' productivity 60% (+0.47 log-odds; Restivo & van de Rijt 2012); a "
                                     "symbolic award raised newcomers' retention from 56.5% to 65.2% (+0.37 "
                                     "log-odds; Gallus 2017); adding badges alone changed nothing measurable "
                                     "(3,234 users randomised; Hamari 2013). Default 0.4, range 0 (the nulls) to "
                                     "1.0; symbolic awards and badges, not points, are the closest trials found.")
    habituation_days: float = param(30.0, "e-folding days over which the reward's pull fades", gt=0, unit="days",
                                    plausible=(14.0, 90.0),
                                    source=literature("Rodrigues et al. 2021, Int. J. Educ. Technol. High. Educ. "
                                                      "(s41239-021-00314-6)"),
                                    why="The same reward motivates less and less: in a 14-week study of 756 students "
                                        "the effect of gamification began to fade after four weeks and had mostly "
                                        "gone by week 6-10 (an e-folding time of ~20-45 days); a one-off symbolic "
                                        "award lasted four quarters (Gallus 2017), hence the range's upper end.")
    level_step: float = param(500.0, "lifetime points per level", gt=0, unit="points", source=Source("user"))
    level_uplift: float = param(0.1, "activity log-odds per level", ge=0, unit="log-odds", plausible=(0.0, 0.2),
                                source=literature("Sailer & Homner 2020, Educ. Psychol. Rev., "
                                                  "doi:10.1007/s10648-019-09498-w"),
                                why="A meta-analysis of gamification (points, badges, levels, leaderboards) found "
                                    "behavioural outcomes up by g = 0.25 (95% CI 0.04-0.46; 9 studies, N = 951): "
                                    "about +0.45 log-odds (g x 1.81) for the whole package, ~0.09 a level over the "
                                    "5 levels -- so 0.1, and at most 0.2 (the interval's top over 5 levels). "
                                    "Indirect: learners, not community members, and not levels alone.")
    max_level: int = param(5, "highest level", ge=0, unit="levels", source=Source("user"))
    crowding: float = param(0.8, "share of the habit's pull lost at full reliance once rewards stop",
                            ge=0, le=1, unit="share", plausible=(0.3, 1.0),
                            source=literature("Deci, Koestner & Ryan 1999, Psychol. Bull. 125(6)"),
                            why="Extrinsic rewards undermine intrinsic motivation: over 128 experiments, free-choice "
                                "activity after engagement-contingent rewards stopped fell by d = -0.40 (-0.73 "
                                "log-odds by d x 1.81). Here the loss is crowding x behaviour.activity.habit (2.0) x the "
                                "member's habit strength h, so a regular member (h ~0.5) loses the measured size "
                                "at crowding ~0.7-0.8; an occasional one (h ~0.06) can lose at most ~0.1. "
                                "Removing points from IBM's internal network reduced participation (Thom et al. "
                                "2012, CSCW: direction).")
    reliance_days: float = param(60.0, "days in the programme to build most of the reliance", gt=0, unit="days",
                                  plausible=(20.0, 120.0), why="Reliance on rewards grows over months (assumed).")
    recovery_days: float = param(45.0, "e-folding days for intrinsic motivation to recover", gt=0, unit="days",
                                  plausible=(15.0, 120.0), why="Crowded-out motivation comes back slowly (assumed).")
    start_day: int = param(1, "first day of the programme", ge=1, unit="day", source=Source("user"))
    end_day: Optional[int] = param(None, "day the programme is withdrawn (null = never)", ge=1, unit="day", source=Source("user"))

    def check(self) -> list[str]:
        return window_problems(self.start_day, self.end_day, "programme")


@register
class Incentives(Strategy):
    name = "incentive"
    Params = IncentiveParams

    results = {"redeemed_value": "money paid out for redemptions today",
               "liability": "value of earned, unredeemed points at the end of the day (money owed)",
               "running": "1 while the programme runs, 0 once it has stopped or not yet started"}

    def setup(self, ctx) -> None:
        n = ctx.n
        self.days_in = np.zeros(n, np.float32)
        self.reliance = np.zeros(n, np.float32)
        self.redeemed = np.zeros(n, np.float32)
        self.stopped_for_budget = False

    def running(self, day: int) -> bool:
        p = self.params
        return (not self.stopped_for_budget and day >= p.start_day
                and (p.end_day is None or day < p.end_day))

    def before_day(self, ctx) -> None:
        p, pop = self.params, ctx.population
        member = np.flatnonzero(pop.status == Status.MEMBER)  # members only: a few % of a large audience
        if self.running(ctx.day) and ctx.ledger.remaining <= ctx.ledger.liability:
            self.stopped_for_budget = True  # every further point would be a promise it cannot keep
        ctx.record("running", self.running(ctx.day))
        if self.running(ctx.day):
            ctx.levers.points_per_action = p.points_per_action
            level = np.minimum(np.floor(pop.points[member] / p.level_step), p.max_level)
            uplift = p.reward_uplift * np.exp(-self.days_in[member] / p.habituation_days) + p.level_uplift * level
            ctx.levers.activity_uplift[member] += uplift.astype(np.float32)
            self.days_in[member] += 1
            self.reliance[member] += (1.0 - self.reliance[member]) / p.reliance_days
        else:
            habit_pull = ctx.behaviour.activity.habit * pop.habit[member]
            penalty = p.crowding * self.reliance[member] * habit_pull
            ctx.levers.activity_uplift[member] -= penalty.astype(np.float32)
            self.reliance *= np.float32(math.exp(-1.0 / p.recovery_days))

    def after_day(self, ctx) -> None:
        p, pop = self.params, ctx.population
        if ctx.day < p.start_day:
            return
        unredeemed = pop.points - self.redeemed
        cashing = np.flatnonzero((unredeemed >= p.redeem_at) & (pop.status == Status.MEMBER))
        if cashing.size:
            lots = np.floor(unredeemed[cashing] / p.redeem_at)
            cost = float(lots.sum() * p.redeem_at * p.point_value)
            if ctx.ledger.spend_all_or_nothing(cost):
                self.redeemed[cashing] += lots * p.redeem_at
                unredeemed[cashing] -= lots * p.redeem_at
                ctx.record("redeemed_value", cost)
            else:
                self.stopped_for_budget = True  # can't honour redemptions: the programme ends
        owed = float(unredeemed.sum(dtype=np.float64)) * p.point_value
        ctx.ledger.set_liability(owed)
        ctx.record("liability", owed)
