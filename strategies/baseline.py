"""Baseline: the operator does nothing. The yardstick every plan is compared with."""

from __future__ import annotations

from commsim.strategies.base import Strategy
from commsim.strategies.registry import register


@register
class Baseline(Strategy):
    name = "baseline"
