"""Strategies by name. Every module in this package that defines a strategy
decorated with :func:`register` is discovered automatically: adding a strategy
is one new file, no edits elsewhere.

A strategy module that fails to import does not break runs that do not use it:
it is left out of :func:`available` and :func:`default_params`, and asking for
it by name (in ``plan.strategies`` or as ``strategies.<name>.*``) raises an
error naming the file and the original exception.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import sys
import traceback

from commsim.strategies.base import Strategy

_REGISTRY: dict[str, type[Strategy]] = {}
_BROKEN: dict[str, str] = {}  # module name -> what went wrong when importing it
_LOADED = False
_NOT_STRATEGIES = {"base", "registry", "targeting"}


class StrategyLoadError(ImportError):
    """A strategy module could not be imported."""


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available under ``cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two strategies are called {cls.name!r}")
    if not dataclasses.is_dataclass(cls.Params):
        raise TypeError(f"{cls.__name__}.Params must be a dataclass")
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtin() -> None:
    global _LOADED
    if _LOADED:
        return
    for info in pkgutil.iter_modules(sys.modules[__package__].__path__):
        if info.name in _NOT_STRATEGIES:
            continue
        try:
            importlib.import_module(f"{__package__}.{info.name}")
        except Exception as err:  # noqa: BLE001 - one broken file must not break every run
            where = traceback.extract_tb(err.__traceback__)[-1]
            _BROKEN[info.name] = f"{type(err).__name__}: {err} ({where.filename}, line {where.lineno})"
    _LOADED = True


def available() -> list[str]:
    """Names of the strategies that loaded."""
    _load_builtin()
    return sorted(_REGISTRY)


def broken() -> dict[str, str]:
    """Strategy modules that failed to import, with what went wrong."""
    _load_builtin()
    return dict(_BROKEN)


def get(name: str) -> type[Strategy]:
    _load_builtin()
    if name not in _REGISTRY:
        if name in _BROKEN:
            raise StrategyLoadError(f"strategy {name!r} could not be loaded: strategies/{name}.py failed to "
                                    f"import ({_BROKEN[name]})")
        raise KeyError(f"unknown strategy {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name]


def create(name: str, params=None) -> Strategy:
    return get(name)(params)


def default_params() -> dict[str, dict]:
    """Every (loadable) strategy's parameters with their defaults (the ``strategies`` config node)."""
    return {name: dataclasses.asdict(get(name).Params()) for name in available()}
