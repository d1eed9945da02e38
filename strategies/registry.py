"""Strategies by name."""

from __future__ import annotations

from strategies.base import Strategy

_REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a strategy available under ``cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two strategies are called {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def available() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def create(name: str) -> Strategy:
    _load_builtin()
    if name not in _REGISTRY:
        raise KeyError(f"unknown strategy {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name]()


def _load_builtin() -> None:
    import strategies.baseline  # noqa: F401  (registers itself)
