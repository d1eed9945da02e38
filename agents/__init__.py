"""Member behaviour: the daily decision rules, one module per stage of the day.

=================  ==========================================================
module             stage
=================  ==========================================================
``joining``        prospects join (network Bass, invites)
``activity``       members decide to be active (logistic)
``actions``        active members post, interact, share, invite, buy
``state``          habit, fatigue, satisfaction update
``churn``          contagious churn
``member``         ``Member``: a mesa.Agent view of one person
``behaviour``      ``BehaviourConfig``: all parameter groups together
=================  ==========================================================
"""

from agents.behaviour import BehaviourConfig
from agents.member import Member

__all__ = ["BehaviourConfig", "Member"]
