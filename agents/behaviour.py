"""The behaviour parameters of members, one group per stage of the day.

configs/behaviour/default.yaml sets them; docs/model.md gives each one's
rationale. The groups are owned by the modules that use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.actions import ActionParams
from agents.activity import ActivityParams
from agents.churn import ChurnParams
from agents.joining import JoiningParams
from agents.state import StateParams


@dataclass
class BehaviourConfig:
    joining: JoiningParams = field(default_factory=JoiningParams)
    activity: ActivityParams = field(default_factory=ActivityParams)
    actions: ActionParams = field(default_factory=ActionParams)
    state: StateParams = field(default_factory=StateParams)
    churn: ChurnParams = field(default_factory=ChurnParams)
