"""Referral / fission (裂变): pay members for invitations that are accepted.

Levers: ``invite_boost = invite_sensitivity * inviter_reward`` (members invite
more), ``accept_boost = accept_sensitivity * invitee_reward`` (invitees accept
more), and ``referral_fit_penalty = min(0.8, fit_penalty * invitee_reward)``:
people who join *for the reward* fit the community worse, so they are less
active and churn faster (the reward-driven-joiner trade-off).

Cost: ``inviter_reward + invitee_reward`` per accepted invitation, paid the day
it is accepted. When the budget cannot pay, the programme stops.
"""

from __future__ import annotations

from dataclasses import dataclass

from commsim.sim.params import Source, param
from commsim.strategies.base import Strategy
from commsim.strategies.registry import register


@dataclass
class ReferralParams:
    inviter_reward: float = param(5.0, "money to the member whose invitation is accepted", lever=True, ge=0, unit="currency",
                                  source=Source("user"), plausible=(0.0, 20.0),
                                  why="Default in CNY, assumed: a small red packet; WeChat Pay red packets range "
                                      "1-200 元 (docs/prices.md).")
    invitee_reward: float = param(5.0, "money to the invited person on joining", lever=True, ge=0, unit="currency",
                                  source=Source("user"), plausible=(0.0, 20.0),
                                  why="Default in CNY, assumed: a small welcome red packet (WeChat Pay: 1-200 元).")
    invite_sensitivity: float = param(0.4, "relative rise in invitations per unit of inviter reward", ge=0, unit="per currency",
                                      plausible=(0.05, 1.0), why="Paid referrers invite more (assumed): a reward of 5 triples invitations.")
    accept_sensitivity: float = param(0.2, "relative rise in acceptance per unit of invitee reward", ge=0, unit="per currency",
                                      plausible=(0.02, 0.5), why="A sign-up bonus lifts acceptance (assumed).")
    fit_penalty: float = param(0.06, "fit lost by reward-driven joiners per unit of invitee reward", ge=0, unit="per currency",
                               plausible=(0.0, 0.15), why="Those who come for the reward fit worse and leave sooner (assumed).")


@register
class Referral(Strategy):
    name = "referral"
    Params = ReferralParams

    results = {"paid_joins": "accepted invitations rewarded today"}

    def setup(self, ctx) -> None:
        self.running = True
        self.paid_joins = 0

    def before_day(self, ctx) -> None:
        if not self.running:
            return
        p, lev = self.params, ctx.levers
        lev.invite_boost += p.invite_sensitivity * p.inviter_reward
        lev.accept_boost += p.accept_sensitivity * p.invitee_reward
        lev.referral_fit_penalty = max(lev.referral_fit_penalty, min(0.8, p.fit_penalty * p.invitee_reward))

    def after_day(self, ctx) -> None:
        if not self.running:
            return
        joins = int(ctx.today["referral_joins"])
        reward = self.params.inviter_reward + self.params.invitee_reward
        paid = ctx.ledger.spend_units(reward, joins, channel="referral")  # the referral channel's CAC
        self.paid_joins += paid
        ctx.record("paid_joins", paid)
        if paid < joins:
            self.running = False  # out of money: no more rewards from tomorrow
