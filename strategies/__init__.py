"""Operating strategies: the operator's levers, one module per strategy."""

from commsim.strategies.base import Strategy
from commsim.strategies.registry import available, create, register

__all__ = ["Strategy", "available", "create", "register"]
