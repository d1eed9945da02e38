"""Observed metrics: what an analyst measures on an activity log -- data and model alike.

Every function takes an :class:`~sim.activity_log.ActivityLog`, imported from a community's
export or written by a run, so the stylized facts, the calibration targets and the backtest
compare the same quantities computed by the same code. Definitions (docs/metrics.md,
"Observed metrics"):

* **DAU / WAU / MAU** on day t: people active on t / in t-6..t / in t-29..t;
* **new people** on day t: people whose first active day is t;
* **weekly retention** at week k: of the people whose first active day f satisfies
  f + 7k + 6 <= last day, the share active at least once in days f+7k .. f+7k+6;
  both leave out people the log marks as established (members before the window began:
  a simulated community's day-0 members), whose first day in the window is no first activity;
* **participation**: share of all active person-days held by the most active 10% of people;
  share of people active on one day only; actions per person (median, mean, max, Hill tail
  index of the top 10%);
* **dormant** on day t: people active before but not in the last 14 days;
  **churned** (analysts' rule): not active in the last 30 days;
* **weekday profile**: mean DAU on each weekday over the mean DAU;
* **life cycle**: the day of peak (7-day mean) DAU, and the last 30 days' mean DAU over the peak;
* **newcomer share**: of the active person-days of the last 28 days, the share by people first
  seen in them (neither active nor named by anyone before).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from commsim.sim.activity_log import ActivityLog

DORMANT_AFTER_DAYS = 14  # the segment rule of sim/segments.py
CHURN_AFTER_DAYS = 30


def _index(log: ActivityLog) -> tuple[np.ndarray, np.ndarray]:
    """(person, day offset 0..n_days-1) of every active person-day."""
    return log.days.person.to_numpy(), log.days.day.to_numpy() - log.first_day


def _first_offsets(log: ActivityLog, newcomers_only: bool) -> tuple[np.ndarray, np.ndarray]:
    """(person, first active day offset) of every active person, by person id (see :func:`first_days`)."""
    person, offset = _index(log)
    # the rows are sorted by (day, person): a person's first row is their first active day
    ids, at = np.unique(person, return_index=True)
    first = offset[at]
    established = log.meta.get("established")
    if newcomers_only and established is not None and len(established):
        keep = ~np.isin(ids, np.fromiter(established, np.int64))  # an array, list or set of ids
        ids, first = ids[keep], first[keep]
    return ids, first


def first_days(log: ActivityLog, newcomers_only: bool = False) -> pd.Series:
    """Each active person's first active day (offset from ``first_day``). ``newcomers_only``
    leaves out the people the log marks as established (already members when the window began,
    ``log.meta["established"]``): their first day in the window is not their first activity."""
    ids, first = _first_offsets(log, newcomers_only)
    return pd.Series(first, index=ids)


def _spans(n: int, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """How many of the day spans ``start .. end - 1`` (clipped to the window's ``n`` days) cover each day."""
    start, end = np.minimum(start, n), np.minimum(end, n)
    keep = start < end
    return np.cumsum(np.bincount(start[keep], minlength=n + 1) - np.bincount(end[keep], minlength=n + 1))[:n]


def dau_and_new(log: ActivityLog) -> tuple[np.ndarray, np.ndarray]:
    """DAU and new people on each day of the window: :func:`daily`'s ``dau`` and ``new_people``
    without the rest (a calibration measures only these of it, thousands of times)."""
    n = log.n_days
    offset = _index(log)[1]
    return (np.bincount(offset, minlength=n)[:n],
            np.bincount(_first_offsets(log, newcomers_only=True)[1], minlength=n)[:n])


def daily(log: ActivityLog) -> pd.DataFrame:
    """One row per day of the window: dau, wau, mau, new people, actions, dormant, churned."""
    n = log.n_days
    person, offset = _index(log)
    actions = log.days.actions.to_numpy()
    dau, new = dau_and_new(log)
    acts = np.bincount(offset, weights=actions, minlength=n)[:n]
    # each active day d of a person counts towards the days up to their next active day (or the end):
    # within a week of d for WAU, a month for MAU; from 14 (30) days after d for dormant (churned)
    order = np.lexsort((offset, person))
    person, offset = person[order], offset[order]
    following = np.full(offset.size, n, np.int64)
    same = person[1:] == person[:-1]
    following[:-1][same] = offset[1:][same]
    wau = _spans(n, offset, np.minimum(offset + 7, following))
    mau = _spans(n, offset, np.minimum(offset + 30, following))
    dormant = _spans(n, offset + DORMANT_AFTER_DAYS, following)
    churned = _spans(n, offset + CHURN_AFTER_DAYS, following)
    return pd.DataFrame({"day": np.arange(log.first_day, log.last_day + 1), "dau": dau, "wau": wau, "mau": mau,
                         "new_people": new, "actions": acts.astype(np.int64), "dormant": dormant,
                         "churned": churned})


def _newcomer_weeks(log: ActivityLog) -> tuple[np.ndarray, np.ndarray, pd.Series, np.ndarray]:
    """Every active person-day of a newcomer as (person, their own week: (day - first day) // 7),
    each newcomer's first active day, and the same by person id (-1 for anyone else)."""
    person, offset = _index(log)
    ids, first = _first_offsets(log, newcomers_only=True)
    first_of = np.full(max(log.people, int(person.max()) + 1 if person.size else 0), -1, np.int64)
    first_of[ids] = first
    keep = first_of[person] >= 0
    person, offset = person[keep], offset[keep]
    return person, (offset - first_of[person]) // 7, pd.Series(first, index=ids), first_of


def weekly_retention(log: ActivityLog, max_week: int | None = None) -> pd.DataFrame:
    """Weekly cohort retention for weeks 1..max_week (see the module docstring), over newcomers
    (people established before the window are left out, see :func:`first_days`)."""
    person, week, first, first_of = _newcomer_weeks(log)
    n = log.n_days
    if max_week is None:
        max_week = max(0, (n - 7) // 7)
    # each (newcomer, own week) once; week k of a newcomer counts if it is over by the last day
    pairs = np.unique(person * (n // 7 + 2) + week)
    who, wk = pairs // (n // 7 + 2), pairs % (n // 7 + 2)
    over = first_of[who] + 7 * wk + 6 <= n - 1
    back = np.bincount(wk[over], minlength=max(max_week, 0) + 1)
    firsts = np.sort(first.to_numpy())
    rows = []
    for k in range(1, max_week + 1):
        eligible = int(np.searchsorted(firsts, n - 1 - 7 * k - 6, side="right"))
        if eligible == 0:
            break
        rows.append({"week": k, "retention": int(back[k]) / eligible, "eligible": eligible})
    return pd.DataFrame(rows, columns=["week", "retention", "eligible"])


def per_person(log: ActivityLog) -> pd.DataFrame:
    """Active days and actions of every person who was active at least once."""
    person = log.days.person.to_numpy()
    ids, inverse = np.unique(person, return_inverse=True)
    total = (lambda column: np.bincount(inverse, weights=log.days[column].to_numpy(), minlength=ids.size)
             .astype(np.int64))
    return pd.DataFrame({"active_days": np.bincount(inverse, minlength=ids.size), "actions": total("actions"),
                         "posts": total("posts")}, index=pd.Index(ids, name="person"))


def hill_tail_index(values, top_share: float = 0.1) -> float:
    """Hill estimator of the tail index alpha of the largest ``top_share`` of ``values``
    (P(X > x) ~ x^-alpha); nan when fewer than 10 values lie in the tail."""
    x = np.sort(np.asarray(values, float))[::-1]
    x = x[x > 0]
    k = int(math.ceil(top_share * x.size))
    if k < 10 or k >= x.size:
        return math.nan
    return float(k / np.sum(np.log(x[:k] / x[k])))


def participation(log: ActivityLog) -> dict:
    pp = per_person(log)
    if pp.empty:
        return {"active_people": 0, "top10_share_of_active_days": math.nan, "one_day_share": math.nan,
                "actions_median": math.nan, "actions_mean": math.nan, "actions_max": 0,
                "actions_tail_index": math.nan, "active_days_median": math.nan}
    days = np.sort(pp.active_days.to_numpy())[::-1]
    top = int(math.ceil(0.1 * days.size))
    return {
        "active_people": int(days.size),
        "top10_share_of_active_days": float(days[:top].sum() / days.sum()),
        "one_day_share": float(np.mean(days == 1)),
        "actions_median": float(pp.actions.median()),
        "actions_mean": float(pp.actions.mean()),
        "actions_max": int(pp.actions.max()),
        "actions_tail_index": hill_tail_index(pp.actions.to_numpy()),
        "active_days_median": float(np.median(days)),
    }


def retention_shape(curve: pd.DataFrame) -> dict:
    """Least-squares fits of log(retention) on log(week) (power law) and on week (exponential);
    which explains more (R²). Weeks with zero retention are left out."""
    c = curve[curve.retention > 0]
    if len(c) < 3:
        return {"power_r2": math.nan, "exponential_r2": math.nan, "power_law_fits_better": False,
                "power_exponent": math.nan}
    y = np.log(c.retention.to_numpy())

    def r2(x):
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (slope * x + intercept)
        total = np.sum((y - y.mean()) ** 2)
        return (1 - np.sum(resid ** 2) / total if total > 0 else math.nan), slope

    power, exponent = r2(np.log(c.week.to_numpy(float)))
    expo, _ = r2(c.week.to_numpy(float))
    return {"power_r2": float(power), "exponential_r2": float(expo),
            "power_law_fits_better": bool(power > expo), "power_exponent": float(exponent)}


def weekday_profile(log: ActivityLog, series: pd.DataFrame | None = None) -> pd.Series | None:
    """Mean DAU per weekday (0 = Monday) over the overall mean DAU; None if weekdays are unknown."""
    if log.first_weekday is None:
        return None
    d = daily(log) if series is None else series
    weekday = (log.first_weekday + np.arange(len(d))) % 7
    profile = d.dau.groupby(weekday).mean() / d.dau.mean()
    return profile.reindex(range(7))


def dau_over_mau(series: pd.DataFrame) -> float:
    """Mean DAU/MAU over the days with a month of history behind them (every day of a log of 60 days
    or fewer); a day with no MAU counts 0."""
    skip = 29 if len(series) > 60 else 0  # MAU needs 30 days of history
    mau = series.mau.to_numpy(float)[skip:]
    dau = series.dau.to_numpy(float)[skip:]
    return float(np.mean(np.divide(dau, mau, out=np.zeros_like(dau), where=mau > 0)))


def life_cycle(series: pd.DataFrame) -> dict:
    smooth = series.dau.rolling(7, min_periods=1).mean()
    peak = float(smooth.max())
    return {"peak_day": int(series.day.iloc[int(smooth.to_numpy().argmax())]), "peak_dau_7d": peak,
            "last30_over_peak": float(series.dau.tail(30).mean() / peak) if peak > 0 else math.nan}


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def stylized_facts(log: ActivityLog, retention_weeks=(1, 4, 7, 10, 14, 19)) -> dict:
    """One flat record of the stylized facts (the table the docs and tests compare)."""
    series = daily(log)
    curve = weekly_retention(log)
    facts = participation(log)
    for k in retention_weeks:
        row = curve[curve.week == k]
        facts[f"retention_week{k}"] = float(row.retention.iloc[0]) if len(row) else math.nan
    facts.update(retention_shape(curve))
    facts["dau_over_mau"] = dau_over_mau(series)
    facts["mean_dau"] = float(series.dau.mean())
    facts.update(life_cycle(series))
    profile = weekday_profile(log, series)
    if profile is not None:
        for i, name in enumerate(WEEKDAYS):
            facts[f"weekday_{name}"] = float(profile.iloc[i])
    return facts


# -------------------------------------------------------------- a log's own numbers (observe)
def dates(log: ActivityLog) -> list[str]:
    """Each day of the window as an ISO date (the date its 24-hour block or calendar day starts on),
    or ``day N`` when the log carries no dates."""
    first = log.meta.get("first_time")
    if not first or first == "day 0":
        return [f"day {d}" for d in range(log.first_day, log.last_day + 1)]
    start = pd.Timestamp(first)
    return [(start + pd.Timedelta(days=d)).date().isoformat() for d in range(log.n_days)]


def observed_table(log: ActivityLog) -> pd.DataFrame:
    """``observed.csv``: ``date, dau, wau, mau, new, returning, cumulative_people`` -- new people are
    active for the first time that day, returning ones were active before, and cumulative people
    have been active on any day so far."""
    d = daily(log)
    new = d.new_people.to_numpy()
    return pd.DataFrame({"date": dates(log), "dau": d.dau, "wau": d.wau, "mau": d.mau, "new": new,
                         "returning": d.dau.to_numpy() - new, "cumulative_people": np.cumsum(new)})


def cohort_retention(log: ActivityLog, max_week: int = 12) -> pd.DataFrame:
    """Weekly cohort retention as a table: one row per cohort (people whose first active day falls
    in the same week of the log, by the week's first day), ``people`` in it, and ``week_k`` the share
    of them active in their own week k (days f + 7k .. f + 7k + 6 after their first day f); empty
    where week k is not over for all of the cohort by the log's last day."""
    person, week_of, first, _ = _newcomer_weeks(log)
    cohort = (first // 7).rename("cohort")
    labels = dates(log)
    rows = []
    for c, members in cohort.groupby(cohort):
        ids = members.index.to_numpy()
        row = {"cohort_start": labels[7 * int(c)], "people": int(ids.size)}
        last_first = int(first.loc[ids].max())
        for k in range(1, max_week + 1):
            if last_first + 7 * k + 6 > log.n_days - 1:
                row[f"week_{k}"] = math.nan
                continue
            back = np.unique(person[(week_of == k) & np.isin(person, ids)]).size
            row[f"week_{k}"] = back / ids.size
        rows.append(row)
    return pd.DataFrame(rows, columns=["cohort_start", "people", *[f"week_{k}" for k in range(1, max_week + 1)]])


def newcomer_share(log: ActivityLog, days: int = 28) -> float:
    """The share of the active person-days of the window's last ``days`` days that were by people first
    *seen* in those days -- neither active nor named as the other person of an interaction before
    them (NaN without activity there): the recent activity of people a twin built from the days
    before would not hold (a twin holds everyone its log names, prospects included)."""
    person, offset = _index(log)
    start = log.n_days - days
    recent = offset >= start
    if not recent.any():
        return math.nan
    seen_before = [person[~recent]]
    if log.interactions is not None and len(log.interactions):
        early = log.interactions[log.interactions.day.to_numpy() - log.first_day < start]
        seen_before += [early.person.to_numpy(), early.other.to_numpy()]
    return float(np.mean(~np.isin(person[recent], np.concatenate(seen_before))))
