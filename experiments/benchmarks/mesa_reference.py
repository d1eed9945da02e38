"""The yardstick: commsim's daily rules written the usual Mesa way.

One ``mesa.Agent`` per person on a ``mesa.discrete_space.Network``, stepped
with ``model.agents.shuffle_do("step")``, neighbours read from the cell's
neighbourhood, Python arithmetic per agent. Same rules and default parameters
as agents/ (joining with Bass p + q x share of active friends, the logistic
activity choice, posting, interactions, outward shares as independent
cascades, habit / fatigue / satisfaction updates, contagious churn), without
strategies. It exists only to be timed against :class:`sim.CommunityModel` on
the same graph and seed; it is not used anywhere else.
"""

from __future__ import annotations

import math

import mesa
from mesa.discrete_space import FixedAgent, Network

from commsim.sim.day import BehaviourConfig

PROSPECT, MEMBER, CHURNED = 0, 1, 2


class Person(FixedAgent):
    def __init__(self, model, cell, member: bool, fit: float, habit: float):
        super().__init__(model)
        self.cell = cell
        self.status = MEMBER if member else PROSPECT
        self.active = member and self.random.random() < habit
        self.habit = habit
        self.fit = fit
        self.satisfaction = 0.5
        self.fatigue = 0.0
        self.last_active = 0 if self.active else -10
        self.join_day = 0
        self.churn_pressure = 0.0

    def friends(self):
        return list(self.cell.neighborhood.agents)

    def step(self):
        b, day = self.model.behaviour, self.model.steps
        if self.status == PROSPECT:
            friends = self.friends()
            share = sum(f.status == MEMBER and f.active for f in friends) / len(friends) if friends else 0.0
            if self.random.random() < b.joining.p_organic + b.joining.q_social * share:
                self.status, self.join_day, self.habit = MEMBER, day, 0.3
            return
        if self.status != MEMBER:
            return
        a = b.activity
        friends = self.friends()
        active_friends = sum(f.active for f in friends)
        share = active_friends / len(friends) if friends else 0.0
        logit = (a.base + a.habit * self.habit + a.social * share + a.fit * (self.fit - 0.5)
                 + a.satisfaction * (self.satisfaction - 0.5) - a.fatigue * self.fatigue)
        self.active = self.random.random() < 1.0 / (1.0 + math.exp(-logit))
        s = b.state
        if self.active:
            self.last_active = day
            self.habit += s.habit_gain * (1 - self.habit)
            if self.random.random() < b.actions.post_prob:
                self.model.posts += 1
            interactions = b.actions.interact_prob * active_friends
            experience = s.satisfaction_base + s.satisfaction_interaction * (1 - 2 ** (-interactions / s.interaction_half))
            self.satisfaction += s.satisfaction_rate * (experience - self.satisfaction)
            if self.random.random() < b.actions.share_prob:
                self.model.reached += self.share(b.actions.share_reach_p)
        else:
            self.habit *= 1 - s.habit_decay
        self.fatigue *= 1 - s.fatigue_recovery
        c = b.churn
        self.churn_pressure *= math.exp(-1 / c.contagion_fade_days)
        since = day - max(self.last_active, self.join_day)
        base = c.hazard_active + (c.hazard_dormant - c.hazard_active) * (1 - math.exp(-since / c.dormancy_days))
        hazard = base * math.exp(-c.satisfaction * (self.satisfaction - 0.5)) * c.contagion ** self.churn_pressure
        if self.random.random() < hazard:
            self.status, self.active = CHURNED, False
            for f in friends:
                f.churn_pressure += 1

    def share(self, p: float) -> int:
        reached, frontier = {self}, [self]
        while frontier:
            nxt = []
            for person in frontier:
                for f in person.friends():
                    if f not in reached and self.random.random() < p:
                        reached.add(f)
                        nxt.append(f)
            frontier = nxt
        return len(reached) - 1


class ReferenceModel(mesa.Model):
    def __init__(self, graph_nx, seed: int = 0, member_share: float = 0.05):
        super().__init__(rng=seed)
        self.behaviour = BehaviourConfig()
        self.grid = Network(graph_nx, random=self.random, layout=None)
        self.posts = 0
        self.reached = 0
        for cell in self.grid.all_cells:
            member = self.random.random() < member_share
            Person(self, cell, member, fit=self.random.betavariate(2, 2),
                   habit=0.5 * (0.5 + self.random.random()) if member else 0.0)
        self.datacollector = mesa.DataCollector(model_reporters={
            "members": lambda m: sum(a.status == MEMBER for a in m.agents),
            "dau": lambda m: sum(a.active for a in m.agents),
        })

    def step(self):
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
