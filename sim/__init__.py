"""commsim engine: the community model, its state, graph, random streams and metrics.

>>> from sim import simulate
>>> result = simulate({"network": {"kind": "karate"}, "days": 30, "progress": "never"})
>>> sorted(result.summary)[:3]
['churn_rate_30d', 'days', 'final_members']
"""

from sim.config import Config, ConfigError, validate
from sim.graph import CSRGraph
from sim.model import CommunityModel
from sim.simulate import SimResult, simulate

__all__ = ["CommunityModel", "Config", "ConfigError", "CSRGraph", "SimResult", "simulate", "validate"]
