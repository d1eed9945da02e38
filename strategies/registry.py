"""Strategies by name. Every module in this package that defines a strategy
decorated with :func:`register` is discovered automatically: adding a strategy
is one new file, no edits elsewhere."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

from strategies.base import Strategy

_REGISTRY: dict[str, type[Strategy]] = {}
_LOADED = False
_NOT_STRATEGIES = {"base", "registry", "targeting"}


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
    import strategies

    for info in pkgutil.iter_modules(strategies.__path__):
        if info.name not in _NOT_STRATEGIES:
            importlib.import_module(f"strategies.{info.name}")
    _LOADED = True


def available() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def get(name: str) -> type[Strategy]:
    _load_builtin()
    if name not in _REGISTRY:
        raise KeyError(f"unknown strategy {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name]


def create(name: str, params=None) -> Strategy:
    return get(name)(params)


def default_params() -> dict[str, dict]:
    """Every strategy's parameters with their defaults (the ``strategies`` config node)."""
    return {name: dataclasses.asdict(get(name).Params()) for name in available()}
