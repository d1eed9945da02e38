"""Every metric, defined once: the daily columns, the summary KPIs, and how both are computed.

* :data:`COLUMNS` declares each column of ``timeseries.parquet`` (name and
  definition); the stages of the day (:mod:`sim.stages`) declare which of them
  they write, and the engine checks that each is written by exactly one stage.
* :func:`kpi` declares a summary KPI (label, unit, direction, formula, how to
  compute it) in one decorated function; :data:`KPIS` is the registry that
  :func:`summarise`, reports, sweeps and config checks read.

docs/metrics.md is generated from these declarations (``experiments.make_docs``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numba as nb
import numpy as np

from commsim.sim.population import CHANNEL_NAMES, PAID_CHANNELS, Channel, Population
from commsim.sim.segments import SEGMENT_NAMES, segment_of

if TYPE_CHECKING:  # pandas is imported where a table is made: the config (and --help) need only the columns
    import pandas as pd


# ---------------------------------------------------------------- daily columns
@dataclass(frozen=True)
class Column:
    name: str
    definition: str


COLUMNS: tuple[Column, ...] = (
    Column("day", "day number t (1..T); day 0 is the initial state"),
    Column("members", "people with status member at the end of day t"),
    Column("prospects", "people in the audience who have never joined"),
    Column("lapsed", "people who churned and have not come back (at the end of day t)"),
    Column("outside", "people not yet in the audience (they arrive later)"),
    Column("churned_total", "churn events so far: members who lapsed on days 1..t (a person who returns and "
                            "lapses again counts twice)"),
    Column("arrived", "people who entered the audience on day t (audience growth)"),
    Column("joined", "prospects who became members on day t (all channels)"),
    Column("churned", "members who churned (lapsed) on day t"),
    Column("returned", "lapsed people who came back (were active again) on day t"),
    Column("dau", "members active on day t and still members at the end of it"),
    Column("wau", "members whose `last_active` ≥ t − 6 (active in the last 7 days)"),
    Column("mau", "members whose `last_active` ≥ t − 29 (active in the last 30 days)"),
    Column("posts", "posts written by members on day t"),
    Column("interactions", "interactions received on day t, summed over members (expected counts)"),
    Column("shares", "outward shares on day t (each starts one cascade)"),
    Column("reached", "people reached by day t's cascades, summed over cascades (sharers excluded)"),
    Column("max_cascade", "people reached by the largest single cascade of day t"),
    Column("invites", "invitations sent on day t to prospects (one per prospect per day)"),
    Column("referral_joins", "invited prospects who accepted on day t (a subset of `joined`)"),
    Column("purchases", "purchases on day t"),
    Column("cost", "money the plan's strategies spent on day t (never more than the budget left)"),
    Column("revenue", "`purchases × price` on day t"),
    Column("liability", "money the plan owes at the end of day t but has not paid (earned, unredeemed points)"),
    Column("budget_short", "1 if a strategy asked for more money on day t than the budget had left (it got less or "
                           "nothing), else 0"),
    Column("seg_core", "members in the core segment at the end of day t (segments below)"),
    Column("seg_active", "members in the active segment at the end of day t"),
    Column("seg_casual", "members in the casual segment at the end of day t"),
    Column("seg_dormant", "members in the dormant segment at the end of day t"),
    Column("new_ties", "friendships added on day t by strategies (events, interest groups)"),
    Column("trust_mean", "members' mean trust at the end of day t (0..1, neutral 0.5; agents/trust.py)"),
    Column("crisis_reached", "people the crisis news reached for the first time on day t (agents/crisis.py)"),
    Column("corrected", "people the operator's answer to the crisis reached for the first time on day t"),
    *(Column(f"joined_{name}", f"prospects who joined on day t through the {name} channel")
      for name in CHANNEL_NAMES.values() if name != "referral"),
    *(Column(f"spend_{name}", f"money spent on day t to acquire members through the {name} channel")
      for name in ("referral", *PAID_CHANNELS)),
)
SPEND_CHANNELS = ("referral", *PAID_CHANNELS)  # channels money is booked to (ledger ``channel=``)
TIMESERIES_COLUMNS = [c.name for c in COLUMNS]
CENSUS_OUTPUTS = ("members", "prospects", "lapsed", "outside", "dau", "wau", "mau") + tuple(
    f"seg_{name}" for name in SEGMENT_NAMES)


def census(pop: Population, day: int) -> dict:
    """The stock columns at the end of ``day``: people by status, DAU/WAU/MAU, segments."""
    c = _census(pop.status, pop.active, pop.last_active_day, pop.join_day, pop.recent_activity, day)
    row = {"members": int(c[1]), "prospects": int(c[0]), "lapsed": int(c[2]), "outside": int(c[3]),
           "dau": int(c[4]), "wau": int(c[5]), "mau": int(c[6])}
    for k, name in enumerate(SEGMENT_NAMES):
        row[f"seg_{name}"] = int(c[7 + k])
    return row


@nb.njit(cache=True)
def _census(status, active, last_active_day, join_day, recent_activity, day):
    """One pass: people by status (prospect, member, lapsed, outside), dau, wau, mau, then
    core/active/casual/dormant (the definitions of sim/segments.py)."""
    out = np.zeros(11, np.int64)
    others = 0  # prospects, lapsed and outside are counted at the end: most people are one of them, and
    for i in range(status.size):  # a counter in a register beats incrementing out[s] for each of them
        s = status[i]
        if s != 1:
            others += 1
            if s != 0:
                out[s] += 1
            continue
        out[1] += 1
        if active[i]:
            out[4] += 1
        since = day - last_active_day[i]
        if since < 7:
            out[5] += 1
        if since < 30:
            out[6] += 1
        out[7 + segment_of(last_active_day[i], join_day[i], recent_activity[i], day)] += 1
    out[0] = others - out[2] - out[3]
    return out


# -------------------------------------------------------------------- retention
def rolling_retention(pop: Population, last_day: int, horizon: int) -> float:
    """Share of members who joined on days 1..last_day-horizon and were active
    again on or after ``horizon`` days after joining (rolling retention)."""
    joined = (pop.channel != Channel.SEED) & (pop.channel != Channel.NONE) & (pop.join_day >= 1)  # not in a past replayed
    eligible = joined & (pop.join_day <= last_day - horizon)
    n = int(eligible.sum())
    if n == 0:
        return math.nan
    back = pop.last_active_day[eligible] >= pop.join_day[eligible] + horizon
    return float(back.sum()) / n


def retention_curve(pop: Population, last_day: int, max_horizon: int = 90) -> pd.DataFrame:
    import pandas as pd

    horizons = np.arange(0, min(max_horizon, max(last_day - 1, 0)) + 1)
    return pd.DataFrame({"days_since_join": horizons,
                         "retention": [rolling_retention(pop, last_day, int(h)) for h in horizons]})


# ------------------------------------------------------------------------ KPIs
@dataclass(frozen=True)
class KPI:
    """A summary KPI. ``direction``: +1 higher is better, -1 lower is better, 0 neither.

    ``kind`` says how to show it (count, share, ratio, currency, days); ``per_unit``
    phrases "it cost X per ..." in reports; ``report_rank`` places it in the
    default KPI list of comparisons (1 = the headline); ``response`` draws it
    in sweep response curves."""

    name: str
    label: str
    unit: str
    direction: int
    formula: str
    compute: Callable
    kind: str = "count"
    per_unit: str | None = None
    report_rank: int | None = None
    response: bool = False
    non_negative: bool = True


KPIS: dict[str, KPI] = {}
KINDS = ("count", "share", "ratio", "currency", "days")


def kpi(name: str, label: str, unit: str, *, direction: int, formula: str, kind: str = "count",
        per_unit: str | None = None, report_rank: int | None = None, response: bool = False,
        non_negative: bool = True):
    """Declare a summary KPI computed by the decorated function ``f(run) -> value``."""
    if kind not in KINDS:
        raise ValueError(f"KPI {name}: kind {kind!r}; allowed: {', '.join(KINDS)}")

    def register(compute):
        if name in KPIS:
            raise ValueError(f"two KPIs are called {name!r}")
        KPIS[name] = KPI(name, label, unit, direction, formula, compute, kind, per_unit, report_rank,
                         response, non_negative)
        return compute
    return register


@dataclass
class Run:
    """What a KPI is computed from: the whole time series (``col``: column -> array), its last 30 days
    (``window``), its last day (``last``: column -> value), the final population."""

    ts: pd.DataFrame
    pop: Population
    initial_members: int
    discount_rate: float = 0.10  # yearly (behaviour.actions.discount_rate): the LTV's
    columns: dict | None = field(default=None, repr=False)  # ts's columns as arrays, if already made

    def __post_init__(self):
        # the columns as NumPy arrays: a KPI's sums and means over them are the numbers pandas gives
        # (the same NumPy reductions), without a Series per use (a summary was 2.4 ms of a small run)
        self.col = self.columns if self.columns is not None else {name: self.ts[name].to_numpy()
                                                                  for name in self.ts.columns}
        self.window = {name: values[-30:] for name, values in self.col.items()}  # the last 30 days
        self.last = {name: values[-1] for name, values in self.col.items()}
        self.T = int(self.last["day"])
        self.memo: dict = {}  # what several KPIs use, computed once (once())


def once(compute):
    """``compute(run, ...)`` computed once per run and arguments (the LTV, the CAC and the cohorts
    several KPIs share: a summary computed them up to five times, 1.2 ms of a small run's 3.7). An
    array it returns is read-only: every caller gets the same one."""
    @functools.wraps(compute)
    def cached(run: Run, *args, **kwargs):
        key = (compute, args, tuple(sorted(kwargs.items())))
        if key not in run.memo:
            value = compute(run, *args, **kwargs)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
            run.memo[key] = value
        return run.memo[key]
    return cached


@kpi("final_members", "Members at the end", "members", direction=+1, formula="`members(T)`",
     per_unit="extra member", report_rank=2, response=True)
def _final_members(run: Run):
    return int(run.last["members"])


@kpi("mean_dau_last30", "Daily active members (mean of last 30 days)", "members", direction=+1,
     formula="mean of `dau(t)` over `W`", per_unit="extra daily active member", report_rank=1, response=True)
def _mean_dau_last30(run: Run):
    return float(run.window["dau"].mean())


@kpi("stickiness_last30", "Stickiness, DAU / MAU (last 30 days)", "ratio", direction=+1, kind="ratio",
     formula="mean of `dau(t) / mau(t)` over the days of `W` with `mau > 0`", report_rank=3)
def _stickiness_last30(run: Run):
    mau = run.window["mau"].astype(float)
    ratio = np.divide(run.window["dau"].astype(float), mau, out=np.full(mau.size, np.nan), where=mau > 0)
    return float(np.nanmean(ratio)) if np.isfinite(ratio).any() else math.nan


@kpi("churn_rate_30d", "Churn in the last 30 days", "share of members", direction=-1, kind="share",
     formula="`Σ_W churned(t) / (members(T − 30) + Σ_W joined(t))`: the share of everyone who was a member "
             "during the window who left in it (day-0 members start the window if T ≤ 30)",
     report_rank=4, response=True)
def _churn_rate_30d(run: Run):
    start = run.initial_members if len(run.ts) <= 30 else int(run.col["members"][-31])
    churned, joined = int(run.window["churned"].sum()), int(run.window["joined"].sum())
    return churned / (start + joined) if start + joined else math.nan


@kpi("retention_d7", "New members back after 7 days", "share", direction=+1, kind="share",
     formula="rolling retention at N = 7 (below)")
def _retention_d7(run: Run):
    return rolling_retention(run.pop, run.T, 7)


@kpi("retention_d30", "New members back after 30 days", "share", direction=+1, kind="share",
     formula="rolling retention at N = 30 (below)", report_rank=5)
def _retention_d30(run: Run):
    return rolling_retention(run.pop, run.T, 30)


@kpi("k_factor", "Viral k-factor", "referred joiners per member", direction=+1, kind="ratio",
     formula="`Σ referral_joins / (day-0 members + Σ joined)`: new members brought in by invitation per "
             "member ever", report_rank=6)
def _k_factor(run: Run):
    ever = run.initial_members + int(run.col["joined"].sum())
    return float(run.col["referral_joins"].sum()) / ever if ever else math.nan


@kpi("max_cascade", "Largest share cascade", "people reached", direction=+1, formula="`max_t max_cascade(t)`")
def _max_cascade(run: Run):
    return int(run.col["max_cascade"].max())


@kpi("total_cost", "Money spent", "currency", direction=0, kind="currency", formula="`Σ cost(t)`",
     report_rank=7, response=True)
def _total_cost(run: Run):
    return float(run.col["cost"].sum())


@kpi("budget_exhausted_day", "Budget ran out on day", "day", direction=0, kind="count",
     formula="the first day t with `budget_short(t)` = 1; null when the budget never fell short")
def _budget_exhausted_day(run: Run):
    short = np.flatnonzero(run.col["budget_short"] > 0)
    return int(run.col["day"][short[0]]) if short.size else None


@kpi("total_revenue", "Revenue", "currency", direction=+1, kind="currency", formula="`Σ revenue(t)`",
     per_unit="unit of extra revenue", report_rank=8)
def _total_revenue(run: Run):
    return float(run.col["revenue"].sum())


@kpi("liability", "Money owed at the end", "currency", direction=-1, kind="currency",
     formula="`liability(T)`: earned but unredeemed points at their money value (not in `total_cost`)")
def _liability(run: Run):
    return float(run.last["liability"])


@kpi("roi", "Return on spend", "(revenue - cost) / cost", direction=+1, kind="ratio", non_negative=False,
     formula="`(total_revenue − total_cost) / total_cost`; null when nothing was spent")
def _roi(run: Run):
    cost, revenue = float(run.col["cost"].sum()), float(run.col["revenue"].sum())
    return (revenue - cost) / cost if cost > 0 else math.nan


@kpi("total_joined", "People who joined", "people", direction=+1, formula="`Σ joined(t)`",
     per_unit="extra joiner")
def _total_joined(run: Run):
    return int(run.col["joined"].sum())


@kpi("total_churned", "People who left", "people", direction=-1, formula="`Σ churned(t)`")
def _total_churned(run: Run):
    return int(run.col["churned"].sum())


@kpi("total_returned", "People who came back", "people", direction=+1,
     formula="`Σ returned(t)`: lapsed people active again")
def _total_returned(run: Run):
    return int(run.col["returned"].sum())


@kpi("peak_dau", "Peak daily active members", "members", direction=+1, formula="`max_t dau(t)`",
     per_unit="extra daily active member at the peak")
def _peak_dau(run: Run):
    return int(run.col["dau"].max())


@kpi("days", "Days simulated", "days", direction=0, kind="days", formula="T, the number of days simulated")
def _days(run: Run):
    return run.T


@kpi("people", "People in the audience", "people", direction=0, formula="the number of people in the graph")
def _people(run: Run):
    return run.pop.n


DEFAULT_KPIS = [k.name for k in sorted((k for k in KPIS.values() if k.report_rank), key=lambda k: k.report_rank)]


# ----------------------------------------------------- lifetime value and acquisition cost
@once
def joined_in_run(run: Run, channel: int | None = None) -> np.ndarray:
    """People who joined on day 1 or later (through ``channel``, if given): the cohorts LTV and CAC are of."""
    pop = run.pop
    mask = (pop.join_day >= 1) & (pop.channel != Channel.SEED)
    if channel is not None:
        mask &= pop.channel == channel
    return np.flatnonzero(mask)


@once
def member_economics(run: Run) -> tuple[float, float]:
    """(ρ, h): revenue per member-day and the daily churn rate of members, both over the last 30 days."""
    member_days = float(run.window["members"].sum())
    if member_days <= 0:
        return 0.0, math.nan
    return float(run.window["revenue"].sum()) / member_days, float(run.window["churned"].sum()) / member_days


def lifetime_values(run: Run, people: np.ndarray) -> np.ndarray:
    """Each person's LTV: the revenue they brought, discounted to the day they joined (``Population.value``),
    plus, for people still members at the end, the expected discounted revenue of the rest of their
    membership: ``ρ s / (1 - s) × (1 + δ)^-(T - join_day)`` with ``s = (1 - h) / (1 + δ)``, ρ the members'
    revenue per member-day and h their daily churn rate over the last 30 days, δ the daily discount rate
    ``(1 + discount_rate)^(1/365) - 1`` (a geometric tail: a constant daily hazard and revenue rate)."""
    pop = run.pop
    values = pop.value[people].astype(np.float64)
    rho, h = member_economics(run)
    delta = (1.0 + run.discount_rate) ** (1.0 / 365.0) - 1.0
    if rho > 0 and math.isfinite(h):
        s = (1.0 - h) / (1.0 + delta)
        tail = rho * s / (1.0 - s) if s < 1 else math.inf
        still = pop.status[people] == 1  # Status.MEMBER
        age = run.T - pop.join_day[people[still]]
        values[still] += tail * np.power(1.0 + delta, -age.astype(np.float64))
    return values


def acquisition_spend(run: Run, channels=None) -> float:
    names = channels if channels is not None else SPEND_CHANNELS
    return float(sum(run.col[f"spend_{name}"].sum() for name in names))


@kpi("ltv", "Lifetime value of a new member", "currency per member", direction=+1, kind="currency",
     formula="mean over the members who joined during the run of their discounted revenue plus, for those still "
             "members at the end, the discounted expected revenue of the rest of their membership "
             "(`sim.metrics.lifetime_values`)", per_unit="unit of extra value per member", report_rank=12)
@once
def _ltv(run: Run):
    people = joined_in_run(run)
    return float(lifetime_values(run, people).mean()) if people.size else math.nan


@kpi("cac", "Acquisition cost per new member", "currency per member", direction=-1, kind="currency",
     formula="`Σ spend_<channel>(t)` over every channel / the members who joined during the run (all channels, the "
             "free ones included)", report_rank=13)
@once
def _cac(run: Run):
    people = joined_in_run(run)
    return acquisition_spend(run) / people.size if people.size else math.nan


@kpi("ltv_cac", "LTV / CAC", "ratio", direction=+1, kind="ratio",
     formula="`ltv / cac`; null when nothing was spent on acquisition", report_rank=14)
def _ltv_cac(run: Run):
    cac, ltv = _cac(run), _ltv(run)
    return ltv / cac if cac and cac > 0 and math.isfinite(ltv) else math.nan


@kpi("payback_days", "Days to pay back a new member's acquisition cost", "days", direction=-1, kind="days",
     formula="the n solving `ρ (1 - (1 - h)^n) / h = cac` (revenue of a member who may churn, undiscounted): "
             "`n = ln(1 - cac h / ρ) / ln(1 - h)`; null when nothing was spent, or when it never pays back "
             "(`cac h ≥ ρ`)")
def _payback_days(run: Run):
    cac = _cac(run)
    rho, h = member_economics(run)
    if not (cac and cac > 0) or rho <= 0 or not math.isfinite(h):
        return math.nan
    if h <= 0:
        return cac / rho
    x = cac * h / rho
    return math.log(1.0 - x) / math.log(1.0 - h) if x < 1 else math.nan


def _channel_kpis() -> None:
    for code, name in CHANNEL_NAMES.items():
        def ltv_of(run: Run, code=code):
            people = joined_in_run(run, code)
            return float(lifetime_values(run, people).mean()) if people.size else math.nan

        kpi(f"ltv_{name}", f"LTV of a member who came through {name}", "currency per member", direction=+1,
            kind="currency", formula=f"`ltv` over the members who joined through the {name} channel")(ltv_of)
        if name not in SPEND_CHANNELS:
            continue

        def cac_of(run: Run, code=code, name=name):
            people = joined_in_run(run, code)
            return acquisition_spend(run, [name]) / people.size if people.size else math.nan

        kpi(f"cac_{name}", f"Acquisition cost of a member through {name}", "currency per member", direction=-1,
            kind="currency", formula=f"`Σ spend_{name}(t)` / the members who joined through {name}")(cac_of)


_channel_kpis()


@kpi("trust_end", "Members' trust at the end", "0..1 (neutral 0.5)", direction=+1, kind="ratio",
     formula="`trust_mean(T)`", report_rank=15)
def _trust_end(run: Run):
    return float(run.last["trust_mean"])


@kpi("total_crisis_reached", "People the crisis news reached", "people", direction=-1,
     formula="`Σ crisis_reached(t)`")
def _total_crisis_reached(run: Run):
    return int(run.col["crisis_reached"].sum())


SUMMARY_KEYS = list(KPIS)


def summarise(ts: pd.DataFrame, pop: Population, initial_members: int, discount_rate: float = 0.10,
              columns: dict | None = None) -> dict:
    """One flat record of every KPI of :data:`KPIS`, in declaration order. ``columns``: ``ts``'s columns
    as NumPy arrays, if the caller has them (``CommunityModel.timeseries_columns``)."""
    run = Run(ts, pop, initial_members, discount_rate, columns)
    return {name: k.compute(run) for name, k in KPIS.items()}
