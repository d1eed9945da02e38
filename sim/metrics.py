"""Daily metrics and the run summary. Every formula is in docs/metrics.md.

The daily record is assembled by :func:`daily_record` at the end of each day;
:func:`summarise` turns the whole time series plus the final population into
one flat dict.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.population import Channel, Population, Status
from sim.segments import SEGMENT_NAMES, segments

TIMESERIES_COLUMNS = [
    "day", "members", "prospects", "churned_total", "joined", "churned", "dau", "wau", "mau",
    "posts", "interactions", "shares", "reached", "max_cascade", "invites", "referral_joins",
    "purchases", "cost", "revenue", "seg_core", "seg_active", "seg_casual", "seg_dormant", "new_ties",
]

SUMMARY_KEYS = [
    "final_members", "mean_dau_last30", "stickiness_last30", "churn_rate_30d", "retention_d7",
    "retention_d30", "k_factor", "max_cascade", "total_cost", "total_revenue", "roi",
    "total_joined", "total_churned", "peak_dau", "days", "people",
]


def daily_record(pop: Population, day: int, events: dict, spend: dict[str, float]) -> dict:
    """One row of the time series, measured at the end of ``day``.

    ``spend`` is the day's money per strategy (the breakdown goes to
    ``spend.parquet``; the time series carries the total as ``cost``).
    """
    member = pop.status == Status.MEMBER
    since = day - pop.last_active_day
    row = {
        "day": day,
        "members": int(member.sum()),
        "prospects": pop.count(Status.PROSPECT),
        "churned_total": pop.count(Status.CHURNED),
        "dau": int(np.count_nonzero(pop.active)),
        "wau": int(np.count_nonzero(member & (since < 7))),
        "mau": int(np.count_nonzero(member & (since < 30))),
        "cost": float(sum(spend.values())),
    }
    counts = np.bincount(segments(pop, day) + 1, minlength=len(SEGMENT_NAMES) + 1)[1:]
    for name, count in zip(SEGMENT_NAMES, counts):
        row[f"seg_{name}"] = int(count)
    for key in TIMESERIES_COLUMNS:
        if key not in row:
            row[key] = events.get(key, 0)
    return row


def rolling_retention(pop: Population, last_day: int, horizon: int) -> float:
    """Share of members who joined on days 1..last_day-horizon and were active
    again on or after ``horizon`` days after joining (rolling retention)."""
    joined = (pop.channel != Channel.SEED) & (pop.channel != Channel.NONE)
    eligible = joined & (pop.join_day <= last_day - horizon)
    n = int(eligible.sum())
    if n == 0:
        return math.nan
    back = pop.last_active_day[eligible] >= pop.join_day[eligible] + horizon
    return float(back.sum()) / n


def retention_curve(pop: Population, last_day: int, max_horizon: int = 90) -> pd.DataFrame:
    horizons = np.arange(0, min(max_horizon, max(last_day - 1, 0)) + 1)
    return pd.DataFrame({"days_since_join": horizons,
                         "retention": [rolling_retention(pop, last_day, int(h)) for h in horizons]})


def summarise(ts: pd.DataFrame, pop: Population, initial_members: int) -> dict:
    last = ts.iloc[-1]
    window = ts.tail(30)
    T = int(last["day"])
    mau = window["mau"].to_numpy(float)
    ratio = np.divide(window["dau"].to_numpy(float), mau, out=np.full(mau.size, np.nan), where=mau > 0)
    start_members = initial_members if len(ts) <= 30 else int(ts["members"].iloc[-31])
    churned_30 = int(window["churned"].sum())
    joined_30 = int(window["joined"].sum())
    total_joined = int(ts["joined"].sum())
    ever = initial_members + total_joined
    cost = float(ts["cost"].sum())
    revenue = float(ts["revenue"].sum())
    summary = {
        "final_members": int(last["members"]),
        "mean_dau_last30": float(window["dau"].mean()),
        "stickiness_last30": float(np.nanmean(ratio)) if np.isfinite(ratio).any() else math.nan,
        "churn_rate_30d": (churned_30 / (start_members + joined_30)
                           if start_members + joined_30 else math.nan),
        "retention_d7": rolling_retention(pop, T, 7),
        "retention_d30": rolling_retention(pop, T, 30),
        "k_factor": float(ts["referral_joins"].sum()) / ever if ever else math.nan,
        "max_cascade": int(ts["max_cascade"].max()),
        "total_cost": cost,
        "total_revenue": revenue,
        "roi": (revenue - cost) / cost if cost > 0 else math.nan,
        "total_joined": total_joined,
        "total_churned": int(ts["churned"].sum()),
        "peak_dau": int(ts["dau"].max()),
        "days": T,
        "people": pop.n,
    }
    return summary
