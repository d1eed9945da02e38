"""Tables of a comparison report a strategist acts on: value for money, each scenario's settings,
the whole horizon next to the last 30 days, and wide CSVs for spreadsheets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from commsim.experiments.analyses.stats import paired_difference, t_quantile
from commsim.sim.metrics import KPIS
from commsim.sim.space import levers

def _paired(summaries: pd.DataFrame, scenario: str, baseline: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    a = summaries[summaries.scenario == scenario].set_index("seed")[column]
    b = summaries[summaries.scenario == baseline].set_index("seed")[column]
    seeds = sorted(set(a.index) & set(b.index))
    return a.loc[seeds].to_numpy(float), b.loc[seeds].to_numpy(float)


def cost_per_unit(extra_cost: np.ndarray, effect: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Extra cost per extra unit of effect (the ratio of the paired means) and its ``level`` interval by
    Fieller's theorem (Fieller 1954) on the paired replicates: the ratios ``R`` for which ``cost - R x
    effect`` has a mean its t-interval does not exclude -- the interval the paired t-test of the effect
    implies, carried to the ratio (a percentile bootstrap over 5 pairs covered 83% where 95% was asked).
    NaN where the effect is not positive; ``(nan, inf)`` for the interval where the effect is not
    distinguishable from zero at ``level`` (the set of ratios is then unbounded)."""
    c, e = np.asarray(extra_cost, float), np.asarray(effect, float)
    pairs = np.isfinite(c) & np.isfinite(e)  # a seed whose KPI is undefined drops out, as in the effect's interval
    c, e = c[pairs], e[pairs]
    n = len(e)
    if n < 2 or e.mean() <= 0:
        return math.nan, math.nan, math.nan
    point = float(c.mean() / e.mean())
    t2 = t_quantile(n - 1, level) ** 2 / n
    cov = np.cov(c, e)  # sample (co)variances of the pairs, ddof 1
    a = e.mean() ** 2 - t2 * cov[1, 1]
    b = c.mean() * e.mean() - t2 * cov[0, 1]
    q = c.mean() ** 2 - t2 * cov[0, 0]
    if a <= 0:  # the effect's own interval reaches zero: the set of ratios is unbounded
        return point, math.nan, math.inf
    root = math.sqrt(max(b * b - a * q, 0.0))  # >= 0 whenever a > 0 (the point estimate is inside)
    return point, float((b - root) / a), float((b + root) / a)


def horizon_means(timeseries: pd.DataFrame, column: str = "dau") -> pd.DataFrame:
    """Per scenario and seed: the mean of a daily column over the whole run."""
    return timeseries.groupby(["scenario", "seed"])[column].mean().rename(f"{column}_all_days").reset_index()


def value_table(summaries: pd.DataFrame, timeseries: pd.DataFrame, baseline: str, scenarios: list[str],
                primary: str) -> pd.DataFrame:
    """One row per plan: the headline effect (as reported), the effect on mean DAU over the whole
    run, the extra cost (spend plus the points still owed at the end: a points plan pays for
    points only when they are redeemed), and the extra cost per extra unit with its interval;
    best value first."""
    whole = horizon_means(timeseries)
    summaries = summaries.assign(cost_owed=summaries["total_cost"] + summaries.get("liability", 0.0).fillna(0.0))
    rows = []
    for s in scenarios:
        if s == baseline:
            continue
        a, b = _paired(summaries, s, baseline, primary)
        ca, cb = _paired(summaries, s, baseline, "cost_owed")  # spend plus points still owed at the end
        wa, wb = _paired(whole, s, baseline, "dau_all_days")
        head, all_days = paired_difference(a, b), paired_difference(wa, wb)
        good = KPIS[primary].direction if primary in KPIS else 0  # +1: higher is better, -1: lower is
        per, per_low, per_high = cost_per_unit(ca - cb, good * (a - b)) if head.excludes_zero and good \
            else (math.nan,) * 3
        rows.append({"scenario": s, "effect": head.mean, "effect_low": head.low, "effect_high": head.high,
                     "effect_all_days": all_days.mean, "effect_all_days_low": all_days.low,
                     "effect_all_days_high": all_days.high, "extra_cost": float((ca - cb).mean()),
                     "cost_per_unit": per, "cost_per_unit_low": per_low, "cost_per_unit_high": per_high})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    key = table["cost_per_unit"].where(table["cost_per_unit"].notna(), np.inf)
    good = (KPIS[primary].direction if primary in KPIS else 0) or 1
    # no cost per unit: the larger gain in the KPI's good direction first (a plan that raised churn last)
    return table.assign(_k=key, _e=-good * table["effect"]).sort_values(["_k", "_e"]).drop(columns=["_k", "_e"]) \
        .reset_index(drop=True)


LEVERS = {  # the settings worth showing per built-in strategy (others show their declared levers, sim/space.py)
    "content": ("posts_per_week", "quality"), "events": ("every_days", "kind", "capacity"),
    "incentive": ("points_per_action", "redeem_at", "end_day"), "kol": ("k", "method"),
    "referral": ("inviter_reward", "invitee_reward"), "winback": ("dormant_days", "max_messages"),
    "segmentation": ("posts_per_week", "max_topics"), "moderation": ("intensity", "admins"),
}


def _formatter(fmt):
    from commsim.experiments.reports.kit import Formatter

    return fmt or Formatter()


def settings_rows(configs: dict, summaries: pd.DataFrame, currency: str, fmt=None) -> list[str]:
    """Markdown table rows: each scenario's plan, strategies with their key settings, budget, and
    whether and when the budget ran out; in the language of ``fmt`` (a report's Formatter; English
    without one)."""
    t = _formatter(fmt).t
    if fmt is not None and currency == "currency units":
        currency = fmt.money_unit
    header = ("scenario", "plan", "strategies and key settings", "budget", "budget ran out")
    rows = ["| " + " | ".join(t(h) for h in header) + " |", "|---|---|---|---|---|"]
    for scenario, config in configs.items():
        parts = []
        for name in config.plan.strategies:
            params = config.strategies.get(name)
            keys = LEVERS.get(name) or tuple(info.name for info in levers(name))  # a new strategy: its levers
            shown = [f"{k} {getattr(params, k)}" for k in keys if getattr(params, k, None) is not None]
            parts.append(f"{name} ({t(', ').join(shown)})" if shown else name)
        budget = (t("unlimited") if config.plan.budget is None else fmt.money(config.plan.budget) if fmt is not None
                  else f"{config.plan.budget:,.0f} {currency}")
        ran_out = "-"
        if "budget_exhausted_day" in summaries:
            days = summaries.loc[summaries.scenario == scenario, "budget_exhausted_day"].dropna()
            total = int((summaries.scenario == scenario).sum())
            if len(days):
                ran_out = t("day {day} (in {n} of {total} runs)", day=int(days.median()), n=len(days), total=total)
            elif config.plan.budget is not None:
                ran_out = t("no")
        rows.append(f"| `{scenario}` | `{config.plan.name}` | {t('; ').join(parts) or t('none')} | {budget} | {ran_out} |")
    return rows


def kpis_wide(table: pd.DataFrame) -> pd.DataFrame:
    """The long KPI table (scenario, kpi, mean, low, high) as one row per scenario, rounded."""
    wide = table.pivot(index="scenario", columns="kpi", values=["mean", "low", "high"])
    wide.columns = [f"{kpi}_{stat}" if stat != "mean" else kpi for stat, kpi in wide.columns]
    order = [c for kpi in table.kpi.unique() for c in (kpi, f"{kpi}_low", f"{kpi}_high")]
    return wide[order].reindex(table.scenario.unique()).round(4).reset_index()


def withdrawal_rows(configs: dict, summaries: pd.DataFrame, timeseries: pd.DataFrame, baseline: str,
                    fmt=None) -> list[str]:
    """Markdown lines: for each scenario whose strategies stop before the run ends (``end_day``), the
    paired difference from the baseline in mean DAU and in members lost over the days after the
    last one stops -- the withdrawal effect the last 30 days can hide or exaggerate."""
    t = _formatter(fmt).t
    rows = []
    for scenario, config in configs.items():
        ends = {n: getattr(config.strategies.get(n), "end_day", None) for n in config.plan.strategies}
        ends = {n: e for n, e in ends.items() if e is not None and e < config.days}
        if scenario == baseline or not ends:
            continue
        stop = max(ends.values())
        running = [n for n in config.plan.strategies if n not in ends]
        after = timeseries[timeseries.day >= stop]  # a strategy acts while day < end_day
        dau = after.groupby(["scenario", "seed"])["dau"].mean().rename("v").reset_index()
        churn = after.groupby(["scenario", "seed"])["churned"].sum().rename("v").reset_index()
        d, c = paired_difference(*_paired(dau, scenario, baseline, "v")), \
            paired_difference(*_paired(churn, scenario, baseline, "v"))
        stops = t(", ").join(ends) + (t(" (still running: {names})", names=t(", ").join(running)) if running else "")
        rows.append(f"| `{scenario}` | {t('{stops}: day {day}', stops=stops, day=stop)} | "
                    f"{d.mean:+.3g} [{d.low:+.3g}, {d.high:+.3g}] | {c.mean:+.3g} [{c.low:+.3g}, {c.high:+.3g}] |")
    if not rows:
        return []
    header = ("scenario", "what stops: from day", "mean DAU after it stops: difference",
              "members lost after it stops: difference")
    return ["## " + t("After a strategy stops"), "",
            t("Scenarios whose strategies end before the run does (`end_day`): the paired difference from the "
              "baseline over the days after the last one stops. A gain that vanishes, or extra churn, here is "
              "the withdrawal effect of taking the strategy away."), "",
            "| " + " | ".join(t(h) for h in header) + " |", "|---|---|---|---|", *rows, ""]
