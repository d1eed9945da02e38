"""Daily metrics and the run summary. Every formula is in docs/metrics.md.

The daily record is assembled by :func:`daily_record` at the end of each day;
:func:`summarise` turns the whole time series plus the final population into
one flat dict.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import pandas as pd

from sim.population import Channel, Population
from sim.segments import SEGMENT_NAMES, segment_of

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
    c = _census(pop.status, pop.active, pop.last_active_day, pop.join_day, pop.recent_activity, day)
    row = {
        "day": day,
        "members": int(c[1]),
        "prospects": int(c[0]),
        "churned_total": int(c[2]),
        "dau": int(c[3]),
        "wau": int(c[4]),
        "mau": int(c[5]),
        "cost": float(sum(spend.values())),
    }
    for k, name in enumerate(SEGMENT_NAMES):
        row[f"seg_{name}"] = int(c[6 + k])
    for key in TIMESERIES_COLUMNS:
        if key not in row:
            row[key] = events.get(key, 0)
    return row


@nb.njit(cache=True)
def _census(status, active, last_active_day, join_day, recent_activity, day):
    """One pass: prospects, members, churned, dau, wau, mau, then core/active/casual/dormant
    (the definitions of sim/segments.py)."""
    out = np.zeros(10, np.int64)
    for i in range(status.size):
        s = status[i]
        out[s] += 1
        if s != 1:
            continue
        if active[i]:
            out[3] += 1
        since = day - last_active_day[i]
        if since < 7:
            out[4] += 1
        if since < 30:
            out[5] += 1
        out[6 + segment_of(last_active_day[i], join_day[i], recent_activity[i], day)] += 1
    return out


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
