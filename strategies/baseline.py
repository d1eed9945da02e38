"""Baseline: the operator does nothing. The yardstick every plan is compared with."""

from __future__ import annotations

from strategies.base import Strategy
from strategies.registry import register


@register
class Baseline(Strategy):
    name = "baseline"
