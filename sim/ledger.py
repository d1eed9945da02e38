"""The plan's money: what each strategy spent, day by day, under one budget.

Strategies ask the ledger before spending; it grants at most what is left of
the budget, so total spend can never exceed it. A budget split
(``plan.allowances``) caps what each listed strategy may spend over the run
as well: it is granted at most what is left of its own allowance and of the
budget, whichever is less. Spending is booked per
strategy and per day; the engine reports the day's total as ``cost`` and each
strategy's share in ``spend.parquet``. A strategy sees the ledger through a
:class:`StrategyLedger` bound to its own name.
"""

from __future__ import annotations

import math


class Ledger:
    def __init__(self, budget: float | None = None, allowances: dict[str, float] | None = None):
        if budget is not None and (budget < 0 or math.isnan(budget)):
            raise ValueError(f"budget must be >= 0 or None (unlimited), got {budget}")
        self.budget = math.inf if budget is None else float(budget)
        self.allowances = {k: float(v) for k, v in (allowances or {}).items()}
        if any(v < 0 or math.isnan(v) for v in self.allowances.values()):
            raise ValueError(f"allowances must be >= 0, got {allowances}")
        self.spent_by: dict[str, float] = {}  # over the run, per strategy
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

    def remaining_for(self, strategy: str) -> float:
        """What ``strategy`` may still spend: the budget's rest, or its allowance's rest if that is less."""
        if strategy not in self.allowances:
            return self.remaining
        return min(self.remaining, self.allowances[strategy] - self.spent_by.get(strategy, 0.0))

    def can_afford(self, amount: float, strategy: str | None = None) -> bool:
        left = self.remaining if strategy is None else self.remaining_for(strategy)
        return amount <= left + 1e-9

    def _book(self, strategy: str, amount: float) -> None:
        self.spent += amount
        self.spent_by[strategy] = self.spent_by.get(strategy, 0.0) + amount
        self.today[strategy] = self.today.get(strategy, 0.0) + amount

    def spend(self, strategy: str, amount: float, channel: str | None = None) -> float:
        """Book up to ``amount`` for ``strategy``; returns what was granted (0 if broke). ``channel``:
        the acquisition channel the money bought members through (``spend_<channel>`` columns)."""
        if amount < 0 or math.isnan(amount):
            raise ValueError(f"{strategy}: cannot spend {amount}")
        granted = min(float(amount), max(0.0, self.remaining_for(strategy)))
        self.short_today |= granted < float(amount) - 1e-9 and self.remaining < float(amount) - 1e-9  # the budget's
        self._book(strategy, granted)
        if channel is not None:
            self.channels_today[channel] = self.channels_today.get(channel, 0.0) + granted
        return granted

    def spend_all_or_nothing(self, strategy: str, amount: float) -> bool:
        """Book ``amount`` only if the budget covers all of it; True if booked."""
        if not self.can_afford(amount, strategy):
            self.short_today |= not self.can_afford(amount)  # the budget fell short, not only an allowance
            return False
        self._book(strategy, float(amount))  # the whole amount: affordable within the rounding tolerance
        return True

    def spend_units(self, strategy: str, unit_cost: float, units: int, channel: str | None = None) -> int:
        """Book as many of ``units`` (each ``unit_cost``) as the budget covers; returns how many."""
        left = self.remaining_for(strategy)
        if unit_cost <= 0 or math.isinf(left):
            if unit_cost > 0:
                self.spend(strategy, units * unit_cost, channel)
            return int(units)
        most = max(0.0, left) / unit_cost + 1e-9  # may be inf for a vanishing unit cost
        affordable = int(units) if most >= units else int(math.floor(most))
        self.short_today |= affordable < int(units) and max(0.0, self.remaining) / unit_cost + 1e-9 < units
        if affordable:
            self.spend(strategy, affordable * unit_cost, channel)
        return affordable

    def close_day(self) -> tuple[dict[str, float], bool, dict[str, float]]:
        """The day's spending per strategy, whether a request was cut short for want of budget (not of a
        strategy's own allowance: that is the split working), and the
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
        """The most this strategy may spend over the run: its allowance, else the plan's budget."""
        return min(self._ledger.budget, self._ledger.allowances.get(self.strategy, math.inf))

    @property
    def remaining(self) -> float:
        """What this strategy may still spend (its allowance's rest, within the budget's)."""
        return self._ledger.remaining_for(self.strategy)

    def can_afford(self, amount: float) -> bool:
        return self._ledger.can_afford(amount, self.strategy)

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
