"""The plan's money: what each strategy spent, day by day, under one budget.

Strategies ask the ledger before spending; it grants at most what is left of
the budget, so total spend can never exceed it. Spending is booked per
strategy and per day; the engine reports the day's total as ``cost`` and each
strategy's share in ``spend.parquet``. A strategy sees the ledger through a
:class:`StrategyLedger` bound to its own name.
"""

from __future__ import annotations

import math


class Ledger:
    def __init__(self, budget: float | None = None):
        if budget is not None and (budget < 0 or math.isnan(budget)):
            raise ValueError(f"budget must be >= 0 or None (unlimited), got {budget}")
        self.budget = math.inf if budget is None else float(budget)
        self.spent = 0.0
        self.today: dict[str, float] = {}
        self.channels_today: dict[str, float] = {}  # money spent today per acquisition channel
        self.short_today = False  # a strategy asked for more than the budget had left today
        self.liabilities: dict[str, float] = {}  # money owed but not yet paid (e.g. unredeemed points)

    @property
    def liability(self) -> float:
        """Money owed at the moment, over all strategies (not spent, not part of ``spent``)."""
        return float(sum(self.liabilities.values()))

    def set_liability(self, strategy: str, amount: float) -> None:
        """What ``strategy`` owes right now (e.g. the value of earned, unredeemed points)."""
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"{strategy}: a liability cannot be {amount}")
        self.liabilities[strategy] = float(amount)

    @property
    def remaining(self) -> float:
        return self.budget - self.spent

    def can_afford(self, amount: float) -> bool:
        return amount <= self.remaining + 1e-9

    def spend(self, strategy: str, amount: float, channel: str | None = None) -> float:
        """Book up to ``amount`` for ``strategy``; returns what was granted (0 if broke). ``channel``:
        the acquisition channel the money bought members through (``spend_<channel>`` columns)."""
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"{strategy}: cannot spend {amount}")
        granted = min(float(amount), max(0.0, self.remaining))
        self.short_today |= granted < float(amount) - 1e-9
        self.spent += granted
        self.today[strategy] = self.today.get(strategy, 0.0) + granted
        if channel is not None:
            self.channels_today[channel] = self.channels_today.get(channel, 0.0) + granted
        return granted

    def spend_all_or_nothing(self, strategy: str, amount: float) -> bool:
        """Book ``amount`` only if the budget covers all of it; True if booked."""
        if not self.can_afford(amount):
            self.short_today = True
            return False
        self.spent += float(amount)  # the whole amount: affordable within the rounding tolerance
        self.today[strategy] = self.today.get(strategy, 0.0) + float(amount)
        return True

    def spend_units(self, strategy: str, unit_cost: float, units: int, channel: str | None = None) -> int:
        """Book as many of ``units`` (each ``unit_cost``) as the budget covers; returns how many."""
        if unit_cost <= 0 or math.isinf(self.remaining):
            if unit_cost > 0:
                self.spend(strategy, units * unit_cost, channel)
            return int(units)
        most = max(0.0, self.remaining) / unit_cost + 1e-9  # may be inf for a vanishing unit cost
        affordable = int(units) if most >= units else int(math.floor(most))
        self.short_today |= affordable < int(units)
        if affordable:
            self.spend(strategy, affordable * unit_cost, channel)
        return affordable

    def close_day(self) -> tuple[dict[str, float], bool, dict[str, float]]:
        """The day's spending per strategy, whether a request was cut short for want of budget, and the
        day's spending per acquisition channel; starts a new day."""
        day, short, channels = self.today, self.short_today, self.channels_today
        self.today, self.short_today, self.channels_today = {}, False, {}
        return day, short, channels


class StrategyLedger:
    """The ledger as one strategy sees it: every booking goes to that strategy's name."""

    def __init__(self, ledger: Ledger, strategy: str):
        self._ledger = ledger
        self.strategy = strategy

    @property
    def budget(self) -> float:
        return self._ledger.budget

    @property
    def remaining(self) -> float:
        return self._ledger.remaining

    def can_afford(self, amount: float) -> bool:
        return self._ledger.can_afford(amount)

    def spend(self, amount: float, channel: str | None = None) -> float:
        """Book up to ``amount``; returns what was granted (0 once the budget is gone). ``channel``: the
        acquisition channel it buys members through, if any."""
        return self._ledger.spend(self.strategy, amount, channel)

    def spend_all_or_nothing(self, amount: float) -> bool:
        """Book ``amount`` only if the budget covers all of it; True if booked."""
        return self._ledger.spend_all_or_nothing(self.strategy, amount)

    def spend_units(self, unit_cost: float, units: int, channel: str | None = None) -> int:
        """Book as many of ``units`` (each ``unit_cost``) as the budget covers; returns how many."""
        return self._ledger.spend_units(self.strategy, unit_cost, units, channel)

    @property
    def liability(self) -> float:
        return self._ledger.liabilities.get(self.strategy, 0.0)

    def set_liability(self, amount: float) -> None:
        """What this strategy owes right now (reported as ``liability``; not spent)."""
        self._ledger.set_liability(self.strategy, amount)
