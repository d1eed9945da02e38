"""commsim engine: the community model, its state, graph, random streams and metrics.

>>> from commsim.sim import simulate
>>> result = simulate({"network": {"kind": "karate"}, "days": 30}, progress="never")
>>> sorted(result.summary)[:3]
['churn_rate_30d', 'days', 'final_members']

Names are imported lazily (PEP 562), so ``import sim.graph`` stays light: a
leaf module (graph, streams, population, levers, ledger, ...) never pulls in
the engine, the member rules or the strategies.
"""

from importlib import import_module

_EXPORTS = {
    "CommunityModel": "commsim.sim.model",
    "Config": "commsim.sim.config",
    "ConfigError": "commsim.sim.errors",
    "validate": "commsim.sim.config",
    "CSRGraph": "commsim.sim.graph",
    "SimResult": "commsim.sim.simulation",
    "simulate": "commsim.sim.simulation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return __all__
