"""Member behaviour: the daily decision rules, one module per stage of the day.

=================  ==========================================================
module             stage (each declares ``STAGE``: its parameters and outputs)
=================  ==========================================================
``joining``        prospects join (network Bass, invites)
``activity``       members decide to be active (logistic)
``actions``        active members post, interact, share, invite, buy
``state``          habit, fatigue, satisfaction update
``churn``          contagious churn
``member``         ``Member``: a mesa.Agent view of one person
=================  ==========================================================

The stages are put in order by the day plan, :mod:`sim.day`.
"""

__all__ = ["Member"]


def __getattr__(name: str):
    """``Member`` on first use: it imports Mesa (~0.4-1 s), which the command lines' preflight and
    ``--help`` never need."""
    if name == "Member":
        from commsim.agents.member import Member

        return Member
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
