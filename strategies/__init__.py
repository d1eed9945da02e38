"""Operating strategies: the operator's levers, one module per strategy."""

from strategies.base import Strategy
from strategies.registry import available, create, register

__all__ = ["Strategy", "available", "create", "register"]
