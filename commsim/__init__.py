"""commsim: a strategy lab for online communities (社群运营).

One installed package, ``commsim``, holds the project's folders as sub-packages, so that nothing
is installed under a generic top-level name:

========================  ==========================================================
``commsim.sim``           the engine (``sim/`` in the source tree)
``commsim.agents``        member behaviour (``agents/``)
``commsim.strategies``    the operator's levers (``strategies/``)
``commsim.experiments``   commands, the job runner, analyses, reports (``experiments/``)
``commsim/configs``       the Hydra configs (``configs/``), found from the installed package
========================  ==========================================================

The console command is ``commsim`` (:mod:`commsim.cli`); in a clone, ``python -m
experiments.run`` and the other ``python -m experiments.*`` commands work as well.

    from commsim import simulate
    result = simulate({"days": 90, "network": {"kind": "watts_strogatz", "n": 5000}})
"""

from __future__ import annotations

from pathlib import Path

# Run from a source tree that was not installed (or whose own folder shadows an installed copy):
# the sub-packages are the folders beside this one.
_tree = Path(__file__).resolve().parent.parent
if (_tree / "sim" / "__init__.py").is_file() and (_tree / "pyproject.toml").is_file():
    __path__.append(str(_tree))  # noqa: F821 (a package's __path__)

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("commsim")
except PackageNotFoundError:  # a source tree that was not installed
    __version__ = "unknown"

_LAZY = {"simulate": "commsim.sim.simulation", "CommunityModel": "commsim.sim.model",
         "SimResult": "commsim.sim.simulation", "UserError": "commsim.sim.errors",
         "ConfigError": "commsim.sim.errors"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "api":
        import importlib

        return importlib.import_module("commsim.experiments.api")
    raise AttributeError(f"module 'commsim' has no attribute {name!r}")

