"""What each step of the workbench runs: the ``commsim`` command line, built from the choices on
the page (the same keys a researcher types; docs/workbench.md lists them).

Every path given to a command is inside the project's folder (the export, the twin), and every
command writes into its job's own folder (``hydra.run.dir``, added by
:mod:`experiments.workbench.task`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from commsim.experiments.cli import hydra_quoted

# the plans a strategist can pick: plan config -> the strategy it switches on (configs/plan/)
PLANS = {"content": "content", "events": "events", "incentive": "incentive", "kol_seeding": "kol",
         "referral": "referral", "winback": "winback", "segmentation": "segmentation", "moderation": "moderation"}
CURRENCIES = ("CNY", "USD", "EUR")
TIMEZONES = ("Asia/Shanghai", "UTC", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
             "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles")
BUDGETS = {"quick": 400, "standard": 6000}
DAY_STARTS = ("midnight", "first")  # calibrate.runs: a look in minutes, or the default fit


@dataclass
class Reading:
    """How the export is read (sim/log_io.py): chosen on the page, kept in the project's settings.
    Only known time zones and day starts are taken; columns go to the command by their position in
    the file (``columns.user=2``), never by a name from the file, which could hold anything."""

    timezone: str = "Asia/Shanghai"
    day_start: str = "midnight"
    columns: dict = field(default_factory=dict)  # role -> column name; empty: found from the data
    order: list = field(default_factory=list)  # the file's columns in order (ReadReport.all_columns)

    @classmethod
    def of(cls, settings: dict) -> Reading:
        zone, start = settings.get("timezone"), settings.get("day_start")
        order = [str(c) for c in settings.get("order") or []]
        columns = {role: str(name) for role, name in dict(settings.get("columns") or {}).items()
                   if role in ("user", "time", "target") and str(name) in order}
        return cls(zone if zone in TIMEZONES else cls.timezone, start if start in DAY_STARTS else cls.day_start,
                   columns, order)

    def words(self, prefix: str) -> list[str]:
        out = [f"{prefix}timezone={self.timezone}", f"{prefix}day_start={self.day_start}"]
        return out + [f"{prefix}columns.{role}={self.order.index(name)}" for role, name in self.columns.items()]

    def read(self, export: Path):
        from commsim.sim.log_io import read_log

        columns = {role: self.order.index(name) for role, name in self.columns.items()}
        return read_log(export, columns=columns, timezone=self.timezone, day_start=self.day_start)


def observe(export: Path, reading: Reading, language: str) -> list[str]:
    return [f"log={hydra_quoted(export)}", *reading.words(""), f"report.language={language}"]


def calibrate(export: Path, reading: Reading, budget: str, language: str) -> list[str]:
    if budget not in BUDGETS:
        raise ValueError(f"budget {budget!r}; allowed: {', '.join(BUDGETS)}")
    return [f"calibrate.log={hydra_quoted(export)}", *reading.words("calibrate."), f"calibrate.runs={BUDGETS[budget]}",
            "calibrate.jobs=2", f"report.language={language}"]


def _common(twin: Path | None, days: int, language: str, currency: str) -> list[str]:
    if currency not in CURRENCIES:
        raise ValueError(f"currency {currency!r}; allowed: {', '.join(CURRENCIES)}")
    return ([f"calibration={hydra_quoted(twin)}"] if twin else []) + [f"days={int(days)}", f"report.language={language}",
                                                       f"report.currency={currency}"]


def _plans(plans) -> list[str]:
    chosen = [p for p in PLANS if p in plans]
    unknown = sorted(set(plans) - set(PLANS))
    if unknown or not chosen:
        raise ValueError(f"plans {sorted(plans)}; pick one or more of {', '.join(PLANS)}")
    return chosen


def compare(plans, budget: float, twin: Path | None, days: int, replicates: int, draws: int, language: str,
            currency: str, name: str) -> list[str]:
    """The chosen plans, each under ``budget``, against doing nothing."""
    chosen = _plans(plans)
    money = f"'plan.budget={float(budget):g}'"
    inner = ",".join(["baseline:['plan=baseline']"] + [f"{p}:['plan={p}',{money}]" for p in chosen])
    return [*_common(twin, days, language, currency), f"++compare.scenarios={{{inner}}}", "compare.baseline=baseline",
            f"compare.name={name}", f"compare.replicates={int(replicates)}", f"uncertainty.draws={int(draws)}",
            "compare.jobs=2"]


def optimize(plans, budget: float, twin: Path | None, days: int, trials: int, replicates: int, language: str,
             currency: str) -> list[str]:
    """A search for the best split of ``budget`` across the chosen plans' strategies, and when to run them:
    each candidate on ``replicates`` seeds (the page's seeds per plan), the plan it recommends re-run on
    twice as many fresh seeds for its interval."""
    strategies = [PLANS[p] for p in _plans(plans)]
    return [*_common(twin, days, language, currency), f"optimize.budget={float(budget):g}",
            f"optimize.trials={int(trials)}", f"optimize.strategies=[{','.join(strategies)}]",
            f"optimize.replicates={int(replicates)}", f"optimize.confirm_replicates={2 * int(replicates)}",
            "optimize.jobs=2"]
