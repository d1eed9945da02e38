"""The calibrated twin's set-up, built from the training window of a community's log only.

* **graph** (``twin/graph.graphml``): everyone seen before the cut-off -- as the one who acted or
  the one acted at -- with a tie between every two people who interacted before it;
* **arrivals** (``twin/arrivals.csv``, ``person,day,as``): each person enters the audience on the
  day they were first seen (model day = data day + 1) -- as a member, joining that day, when that
  first appearance was an action of their own, else as a prospect (someone others wrote to), who
  may join later; nobody is a member on day 0;
* **newcomers** (``calibrate.newcomers``, unless ``none``): the same twin with placeholder people
  added (``twin/graph_newcomers.graphml``, ``twin/arrivals_newcomers.csv``), arriving after the
  cut-off at the trend of first appearances before it, each wired like a recent arrival
  (newcomers.py); the forecast uses it where the rolling origins say it helps (``auto``);
* **calendar**: the weekday of the first day, the weekly rhythm of the training days' DAU
  (``calibrate.weekly=observed``, the starting point of ``fitted``; days of dated events left out) or
  a flat week, the dated outside events of ``calibrate.calendar`` (a blank ``activity`` is fitted),
  and the training days' quiet spells (three or more days with almost no activity; rhythm.py);
* **campaigns** (``calibrate.campaigns``): the operator's own campaigns in the data, as known
  inputs -- a win-back or a points programme with its dates, or a one-off event.

Nothing after the cut-off is used: a forecast that beats the naive baselines has earned it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from commsim.sim.activity_log import ActivityLog
from commsim.sim.calendar import yes_or_no
from commsim.sim.delimited import read_records
from commsim.sim.errors import UserError
from commsim.sim.log_io import LogFileError, day_of
from commsim.sim.observed import daily
from commsim.experiments.analyses.calibration import newcomers as NEW
from commsim.experiments.runner.outputs import atomic_write

CAMPAIGN_STRATEGIES = {"winback": ("start_day", "end_day"), "incentive": ("start_day", "end_day"),
                       "events": ("first_day", None)}
# How members answered a campaign, fitted from the log with the behaviour (the headline responses of
# each strategy: the others stay at their declared priors, and a robust comparison draws them there)
CAMPAIGN_RESPONSES = {"winback": ("uplift", "lapsed_uplift"), "incentive": ("reward_uplift",),
                      "events": ("attend_prob", "uplift")}
CAMPAIGN_SIZE = {"events": "capacity", "incentive": "points_per_action"}  # the `size` column, per strategy
CAMPAIGN_ALIASES = {"kind": "strategy", "cost": "spend"}  # the names for the same columns


def campaign_responses(config: dict) -> list[str]:
    """The response parameters (dotted keys) a calibration fits for the twin's replayed campaigns."""
    plan = (config.get("plan") or {}).get("strategies") or []
    return [f"strategies.{name}.{param}" for name in plan for param in CAMPAIGN_RESPONSES.get(name, ())]


class TwinError(UserError, ValueError):
    """A calendar or campaign file for the twin could not be used."""


@dataclass
class Twin:
    folder: Path
    people: int
    ties: int
    config: dict  # model-config values of the twin (paths relative to the calibration directory)
    fitted_events: list[int] = field(default_factory=list)  # calendar events whose activity is fitted
    notes: list[tuple[str, dict]] = field(default_factory=list)  # (message id, values): note() and english()

    base: dict = field(default_factory=dict)  # the command line's model config, under the twin
    newcomers: dict | None = None  # the projection after the cut-off (write_twin_at), None: no newcomers

    def model_config(self, days: int) -> dict:
        """The twin as a model-config dict for ``days`` days (paths made absolute), on top of the
        model config the command was given (its network and population replaced by the twin's)."""
        import copy

        from commsim.sim.calibrated import resolve_paths
        from commsim.sim.defaults import deep_merge

        base = copy.deepcopy(self.base)
        base.pop("network", None)
        return deep_merge(base, {**resolve_paths(self.config, self.folder), "days": days})


def note(notes: list, msgid: str, **values) -> None:
    """A note on how the twin was built, as a message id and its values, so that a report in another
    language can translate it (experiments/reports/locale); :func:`english` reads them in English."""
    notes.append((msgid, values))


def english(notes: list) -> list[str]:
    """The notes as English sentences."""
    return [msgid.format(**values) for msgid, values in notes]


def week_factors(weekly) -> str:
    """``M 1.02, T 1.16, ...``: a week's factors, Monday first."""
    return ", ".join(f"{d} {w:.2f}" for d, w in zip("MTWTFSS", weekly))


def build(log: ActivityLog, train_days: int, root: Path, calendar_file: str | None = None,
          campaigns_file: str | None = None, timezone: str = "UTC", weekly: str = "observed",
          horizon: int = 0, newcomers: str = "none") -> Twin:
    """The twin of the first ``train_days`` days of ``log`` in ``root/twin``. ``newcomers`` other than
    ``"none"``: also the twin with the people projected to arrive in the ``horizon`` days after the
    cut-off (newcomers.py; ``twin/graph_newcomers.graphml``, ``twin/arrivals_newcomers.csv``)."""
    folder = root / "twin"
    folder.mkdir(parents=True, exist_ok=True)
    people, ties, projected = write_twin_at(log, train_days, horizon if newcomers != "none" else 0, folder)
    events, fitted = [], []
    if calendar_file:
        events, fitted = read_calendar(calendar_file, log, timezone)
    notes: list[tuple[str, dict]] = []
    note(notes, "the graph holds the {people} people seen before the cut-off (day {day}) and the {ties} ties among "
                "those who interacted", people=f"{people:,}", day=train_days, ties=f"{ties:,}")
    dau = training_dau(log, train_days)
    events += quiet_events(dau, events, notes)
    calendar = {"start_weekday": int(log.first_weekday or 0), "weekly": [1.0] * 7, "events": events}
    if weekly in ("observed", "fitted") and log.first_weekday is not None:
        calendar["weekly"] = observed_week(dau, log.first_weekday, events)
        note(notes, "weekly rhythm: from the training days' DAU, {factors}", factors=week_factors(calendar["weekly"]))
    config = {"network": {"kind": "file", "path": "twin/graph.graphml", "format": "graphml"},
              "population": {"initial_members": 0, "arrivals_file": "twin/arrivals.csv"},
              "calendar": calendar, "days": train_days}
    if campaigns_file:
        config.update(read_campaigns(campaigns_file, log, timezone, notes))
    return Twin(root, people, ties, config, fitted, notes,
                newcomers={**projected, "files": projected["files"]["with"]} if newcomers != "none" else None)


def write_twin_at(log: ActivityLog, cut: int, ahead: int, folder: Path, suffix: str = "", shift: int = 0):
    """The twin's people as they stood ``cut`` days into ``log``, in ``folder``: the graph of everyone
    seen before (:func:`graph_of`; ``graph<suffix>.graphml``) and their arrivals (``arrivals<suffix>.csv``,
    ``person,day,as``; model day = data day + 1 - ``shift``: a run replaying the log before day 1 numbers
    its last day 0, ``shift`` = ``cut``). When the newcomers projected for the ``ahead`` days
    after it (newcomers.py) are anyone, the twin with them too (``graph<suffix>_newcomers.graphml``,
    ``arrivals<suffix>_newcomers.csv``): arriving on model days ``cut + 1 - shift ..``, each wired like a
    recent arrival drawn with a generator seeded by ``cut - shift``. Returns (people seen, their ties, the
    projection: count, asked, rate, slope, and ``files``: the graph and arrivals of each way,
    ``"without"`` and ``"with"`` (None when none are projected), relative to the calibration's folder)."""
    graph, order, labels, seen, acted, ties = graph_of(log, log.first_day + cut)
    appeared = {p: "member" if acted.get(p) == seen[p] else "prospect" for p in order}
    rows = [[lab, seen[p] - log.first_day + 1 - shift, appeared[p]] for p, lab in zip(order, labels)]
    where = f"{folder.name}/graph{suffix}.graphml", f"{folder.name}/arrivals{suffix}.csv"
    _write_people(graph, rows, folder.parent / where[0], folder.parent / where[1])
    projected = add_newcomers(graph, rows, dict(zip(order, labels)), seen, appeared, log.first_day,
                              log.first_day + cut, ahead, cut - shift)
    files = {"without": where, "with": None}
    if projected["count"]:
        files["with"] = (f"{folder.name}/graph{suffix}_newcomers.graphml", f"{folder.name}/arrivals{suffix}_newcomers.csv")
        _write_people(graph, rows, folder.parent / files["with"][0], folder.parent / files["with"][1])
    return len(order), ties, {**projected, "files": files}


def add_newcomers(graph, rows: list, name: dict, seen: dict, appeared: dict, first_day: int, cut: int, ahead: int,
                  day_before: int) -> dict:
    """Add to ``graph`` (in place) the newcomers projected for the ``ahead`` days after data day ``cut``
    (newcomers.py), and their rows (``label, model day, as``) to ``rows``: the trend of first
    appearances in ``seen`` (person -> first data day; the log begins on ``first_day``), each newcomer
    wired like someone first seen in the last days before ``cut`` who is in the graph (``name``: person ->
    label), drawn with a generator seeded by ``day_before``, the model day before the first newcomer's
    (``day_before + 1 ..``). At most :func:`newcomers.cap` of them. Returns count, asked, rate, slope."""
    rate, slope = NEW.trend(NEW.first_seen_counts(seen, first_day, cut)) if ahead else (0.0, 0.0)
    per_day = NEW.schedule(rate, slope, ahead)
    asked = int(per_day.sum())
    pool = [p for p in NEW.templates(seen, cut) if p in name]
    count = min(asked, NEW.cap(len(name), ahead)) if pool else 0
    if count:
        wiring = {p: list(graph.neighbors(name[p])) for p in pool}  # the real ties only
        taken = set(name.values())
        rng = np.random.default_rng(day_before)
        per_day = np.diff(np.minimum(np.cumsum(per_day), count), prepend=0)  # the cap: the first `count` of them
        for j, day in enumerate(day_before + np.repeat(np.arange(1, ahead + 1), per_day)):
            template = pool[int(rng.integers(len(pool)))]
            label = f"(newcomer {j + 1})"
            while label in taken:
                label += "'"
            graph.add_node(label)
            graph.add_edges_from((label, other) for other in wiring[template])
            rows.append([label, int(day), appeared[template]])
    return {"count": count, "asked": asked, "rate": rate, "slope": slope}


def _write_people(graph, rows: list, graph_path: Path, arrivals_path: Path) -> None:
    import networkx as nx

    nx.write_graphml(graph, graph_path)

    def write(path):
        with open(path, "w", newline="") as handle:
            csv.writer(handle).writerows([["person", "day", "as"], *rows])

    atomic_write(arrivals_path, write)


def graph_of(log: ActivityLog, cut: int, seen_since: int | None = None):
    """The graph of everyone seen before day ``cut`` of ``log`` (as the one who acted or the one acted
    at), with a tie between every two people who interacted before it.
    ``seen_since``: leave out people who never acted and were last seen before that day.
    Returns (the networkx graph, people in order of first appearance, their labels, first-seen day,
    first-action day, ties)."""
    import networkx as nx

    inter = log.interactions
    inter = inter[inter.day < cut] if inter is not None else None
    acted, seen = first_seen(log, cut)
    if seen_since is not None and inter is not None and len(inter):
        last_seen = {int(p): int(d) for p, d in inter.groupby("other").day.max().items()}
        seen = {p: d for p, d in seen.items() if p in acted or last_seen.get(p, d) >= seen_since}
    order = sorted(seen, key=lambda p: (seen[p], p))
    labels = [str(log.labels[p]) if log.labels is not None else str(p) for p in order]
    graph = nx.Graph()
    graph.add_nodes_from(labels)
    ties = 0
    if inter is not None and len(inter):
        pairs = np.unique(np.sort(inter[["person", "other"]].to_numpy(), axis=1), axis=0)
        name = {p: lab for p, lab in zip(order, labels)}
        graph.add_edges_from((name[a], name[b]) for a, b in pairs if a != b and a in name and b in name)
        ties = graph.number_of_edges()
    return graph, order, labels, seen, acted, ties


def first_seen(log: ActivityLog, cut: int) -> tuple[dict, dict]:
    """Before day ``cut`` of ``log``: each person's first active day (person -> data day), and the
    first day each was seen, as the one who acted or the one acted at."""
    days = log.days[log.days.day < cut]
    inter = log.interactions
    inter = inter[inter.day < cut] if inter is not None else None
    acted = {int(p): int(d) for p, d in days.groupby("person").day.min().items()}
    seen = dict(acted)
    if inter is not None and len(inter):
        for col in ("person", "other"):
            firsts = inter.groupby(col).day.min()
            for p, d in firsts.items():
                seen[int(p)] = min(seen.get(int(p), int(d)), int(d))
    return acted, seen


def twins_before(log: ActivityLog, twin: Twin, origins: list[int], horizon: int,
                 newcomers: bool = True) -> dict[int, dict]:
    """The twin as it stood at each of ``origins`` (training days in), for the rolling-origin
    backtest: the graph of the people seen before the origin, with the ties formed before it, and
    their arrivals (``twin/graph_before_<origin>.graphml``, ``twin/arrivals_before_<origin>.csv``);
    when ``newcomers`` and the twin projects newcomers after its cut-off and any are projected from
    the origin (for up to ``horizon`` days, the training days after it bounding that), the twin with
    them too (``..._newcomers``; :func:`write_twin_at`). Origin -> {"without": (graph, arrivals),
    "with": (graph, arrivals) or None, "count": newcomers}, paths relative to the calibration's
    folder. (One graph for both ways, the newcomers never arriving in one, would pair the runs person
    by person, but their ties would count in the degree of the people they tie to: docs/calibration.md.)"""
    train = int(twin.config["days"])
    out = {}
    for origin in origins:
        ahead = min(horizon, train - origin) if newcomers and twin.newcomers and twin.newcomers["count"] else 0
        *_, projected = write_twin_at(log, origin, ahead, twin.folder / "twin", f"_before_{origin}")
        out[origin] = {**projected["files"], "count": projected["count"]}
    return out


def build_today(log: ActivityLog, root: Path, calendar: dict, left_after: int, ahead: int = 0,
                start: str = "state") -> dict:
    """The twin as the whole log leaves it, for what-ifs that start the day after the log ends.

    ``start="replay"``: the twin replays its whole log before day 1 (``history_days`` = the log's days,
    :mod:`sim.model`) -- everyone seen arriving on the day first seen (``twin/graph_replay.graphml``,
    ``twin/arrivals_replay.csv``, days up to 0) -- so day 0 is the twin's own simulation of the log's last
    day; with ``ahead`` days, the newcomers after it too (``..._replay_newcomers``, days 1 ..). The
    calendar's dated events are the fitted training calendar's, moved into the past when a what-if is
    set up (:func:`sim.calibrated.starting_config`). The state below is written either way (its counts
    describe the log's end in the reports).

    ``start="state"``: the graph of everyone seen in the log (``twin/graph_today.graphml``; people who were only ever
    written to, last more than ``left_after`` days before the end, are left out), each person's state on the
    log's last day (``twin/state.csv``, :mod:`sim.start_state`: member, or left when not active for
    ``left_after`` days; join and last active days; who was active on each of the last 32 days), and
    the calendar from the next day on (its weekday; the weekly rhythm; no dated events). With ``ahead``
    days, also the newcomers projected after the log (:func:`add_newcomers`; the forecast's trend,
    from the whole log): ``twin/graph_today_newcomers.graphml`` and ``twin/arrivals_today_newcomers.csv``
    (``person,day,as``, days 1 ..), which :func:`with_newcomers` puts in the config. Returns the
    model-config values and the dates."""
    import networkx as nx

    folder = root / "twin"
    end = log.first_day + log.n_days - 1  # the log's last day
    # people who were only ever written to, and not lately, are not prospects any more: leave them out
    graph, order, labels, _, acted, ties = graph_of(log, end + 1, seen_since=end + 1 - left_after)
    nx.write_graphml(graph, folder / "graph_today.graphml")
    days = log.days
    first = days.groupby("person").day.min()
    last = days.groupby("person").day.max()
    recent = days[days.day > end - 32]
    bits: dict[int, int] = {}
    for person, day in zip(recent.person.to_numpy(), recent.day.to_numpy()):
        bits[int(person)] = bits.get(int(person), 0) | (1 << int(end - day))
    rows = []
    for p, lab in zip(order, labels):
        if p not in acted:
            continue  # only written to: a prospect
        gone = end - int(last[p]) >= left_after
        rows.append([lab, "left" if gone else "member", int(first[p]) - end, int(last[p]) - end, bits.get(p, 0)])
    members = sum(row[1] == "member" for row in rows)

    def write(path):  # whole or not at all: a twin's what-ifs read it (and hash it) while it may be rewritten
        with open(path, "w", newline="") as handle:
            csv.writer(handle).writerows([["person", "status", "join_day", "last_active_day", "recent"], *rows])

    atomic_write(folder / "state.csv", write)
    start_weekday = (int(log.first_weekday or 0) + log.n_days) % 7
    config = {"network": {"kind": "file", "path": "twin/graph_today.graphml", "format": "graphml"},
              "population": {"initial_members": 0, "arrivals_file": None, "state_file": "twin/state.csv",
                             "audience_at_start": 1.0},
              "calendar": {"start_weekday": start_weekday, "weekly": list(calendar["weekly"]), "events": []}}
    prospects = sum(1 for p in order if p not in acted)  # named by someone, never acted: a recruiting plan's pool
    today = {"config": config, "people": len(order), "ties": ties, "members": members, "prospects": prospects,
             "left_after": left_after, "start": start}
    if start == "replay":
        people, replay_ties, projected = write_twin_at(log, log.n_days, ahead, folder, "_replay", shift=log.n_days)
        graph_file, arrivals_file = projected["files"]["without"]
        config.update(network={**config["network"], "path": graph_file}, history_days=log.n_days,
                      population={**config["population"], "arrivals_file": arrivals_file, "state_file": None})
        today.update(replay={"people": people, "ties": replay_ties, "days": log.n_days})
        if ahead:
            today["newcomers"] = {**projected, "days": ahead, "used": False,
                                  "files": list(projected["files"]["with"] or []) or None}
        return today
    if ahead:
        acted_all, seen_all = first_seen(log, end + 1)  # the trend counts everyone, left out of the graph or not
        appeared = {p: "member" if acted_all.get(p) == d else "prospect" for p, d in seen_all.items()}
        arrivals: list = []
        projected = add_newcomers(graph, arrivals, dict(zip(order, labels)), seen_all, appeared, log.first_day,
                                  end + 1, ahead, 0)
        files = None
        if projected["count"]:
            files = ["twin/graph_today_newcomers.graphml", "twin/arrivals_today_newcomers.csv"]
            _write_people(graph, arrivals, root / files[0], root / files[1])
        today["newcomers"] = {**projected, "days": ahead, "used": False, "files": files}
    return today


def with_newcomers(today: dict) -> dict:
    """``today`` (:func:`build_today`) whose what-ifs have its projected newcomers: their graph and
    arrivals in the config, ``newcomers.used`` true. Unchanged when none were projected."""
    projected = today.get("newcomers")
    if not projected or not projected["files"]:
        return today
    config = {**today["config"], "network": {**today["config"]["network"], "path": projected["files"][0]},
              "population": {**today["config"]["population"], "arrivals_file": projected["files"][1]}}
    return {**today, "config": config, "newcomers": {**projected, "used": True}}


def training_dau(log: ActivityLog, train_days: int) -> np.ndarray:
    """DAU of each training day (data days 0 .. train_days - 1)."""
    return daily(log.window(log.first_day, log.first_day + train_days - 1)).dau.to_numpy(float)


def quiet_events(dau: np.ndarray, known: list[dict], notes: list) -> list[dict]:
    """The quiet spells of the training days' ``dau`` (experiments/analyses/calibration/rhythm.py) that
    no known event covers, as calendar events of (almost) no activity. One the community came back
    from before the cut-off is a spell everyone was away for (sim/calendar.py ``away``): a
    community with nobody active for days, then active again, had closed (a holiday, a shutdown);
    it was not deserted person by person, so those days' silence ages no habit and no churn clock.
    A spell running to the cut-off is not: nothing says the community comes back."""
    from commsim.experiments.analyses.calibration.rhythm import QUIET_ACTIVITY, event_days, quiet_spells

    covered = event_days(len(dau), known)
    events = []
    for first, last in quiet_spells(dau):
        back = last < len(dau) - 1  # the community was seen to come back before the cut-off
        if covered[first:last + 1].any():
            over = [e for e in known if e["start"] <= last + 1 and e["end"] >= first + 1]
            if back and not any(e.get("away") for e in over):
                note(notes, "no activity on training days {first}-{last}, inside the calendar's {name}: if everyone "
                     "was away then, mark it away=yes in the calendar file (habits then do not fade and no one "
                     "lapses)", first=first + 1, last=last + 1, name=", ".join(repr(e["name"]) for e in over))
            continue
        events.append({"name": "quiet spell in the log", "start": first + 1, "end": last + 1,
                       "activity": QUIET_ACTIVITY, "joining": 1.0, "away": back})
        if back:  # two literal calls: tests/test_report_languages.py finds each msgid in the source
            note(notes, "no activity on training days {first}-{last}: simulated as a quiet spell everyone is away "
                 "for (activity odds x {odds}; habits do not fade and no one lapses)",
                 first=first + 1, last=last + 1, odds=f"{QUIET_ACTIVITY:g}")
        else:
            note(notes, "no activity on training days {first}-{last}: simulated as a quiet spell (activity odds x "
                 "{odds})", first=first + 1, last=last + 1, odds=f"{QUIET_ACTIVITY:g}")
    return events


def observed_week(dau: np.ndarray, first_weekday: int, events: list[dict]) -> list[float]:
    """The training days' weekday profile of ``dau`` (mean 1, each factor at least 0.05), leaving out
    days of dated events (rhythm.profile); a flat week where a weekday has no day to measure."""
    from commsim.experiments.analyses.calibration.rhythm import event_days, profile

    shares = profile(dau, first_weekday, ~event_days(len(dau), events))
    if not np.isfinite(shares).all():
        return [1.0] * 7
    return [round(float(x), 4) for x in np.maximum(shares, 0.05)]


def _campaign_rows(path: str) -> list[tuple[int, dict]]:
    """A campaign log's rows, with ``kind`` read as ``strategy`` and ``cost`` as ``spend``."""
    from commsim.sim.delimited import read_text

    try:
        lines = read_text(Path(path), TwinError).splitlines()
    except OSError as err:
        raise TwinError(f"{path}: cannot read it ({err})") from None
    header = {h.strip().lower() for h in next(csv.reader(lines[:1]), [])}
    for alias, column in CAMPAIGN_ALIASES.items():
        if alias in header and column in header:
            raise TwinError(f"{path}, line 1: both {column!r} and {alias!r}; they are the same column, give one")
    named = "kind" if "kind" in header else "strategy"
    allowed = ("start", "end", "strategy", "kind", "target", "spend", "cost", "size")
    rows = _rows(path, ("start", "end", named), allowed)
    return [(n, {CAMPAIGN_ALIASES.get(k, k): v for k, v in row.items()}) for n, row in rows]


def _number(text: str, integer: bool):
    """A campaign's size: a positive finite number (a whole one for a capacity); ValueError otherwise."""
    value = float(text)
    if not (math.isfinite(value) and value > 0) or (integer and value != int(value)):
        raise ValueError(text)
    return int(value) if integer else value


def _rows(path: str, required: tuple[str, ...], allowed: tuple[str, ...]) -> list[tuple[int, dict]]:
    return read_records(path, required, allowed, TwinError)


def _model_day(path, number, log, when: str, timezone: str) -> int:
    try:
        return day_of(log, when, timezone) + 1
    except (ValueError, LogFileError) as err:
        raise TwinError(f"{path}, line {number}: {when!r} is not a date or datetime ({err})") from None


def read_calendar(path: str, log: ActivityLog, timezone: str) -> tuple[list[dict], list[int]]:
    """Dated outside events (dates) as calendar events in model days; blank activity = fitted; ``away``
    (yes/no, blank no) marks one everyone is away for (sim/calendar.py)."""
    events, fitted = [], []
    for number, row in _rows(path, ("name", "start", "end"), ("name", "start", "end", "activity", "joining", "away")):
        start = _model_day(path, number, log, row["start"], timezone)
        end = _model_day(path, number, log, row["end"], timezone)
        if end < start:
            raise TwinError(f"{path}, line {number}: the event must end on or after its start")
        if end < 1:
            raise TwinError(f"{path}, line {number}: the event ends before the log's first day: leave it out")
        start = max(start, 1)  # begun before the export: its days inside the log count
        activity = row.get("activity", "")
        try:
            event = {"name": row["name"], "start": start, "end": end,
                     "activity": float(activity) if activity else 0.5,
                     "joining": float(row.get("joining") or 1.0), "away": yes_or_no(row.get("away"))}
        except ValueError as err:
            raise TwinError(f"{path}, line {number}: {err}") from None
        if not activity:
            fitted.append(len(events))
        events.append(event)
    return events, fitted


def read_campaigns(path: str, log: ActivityLog, timezone: str, notes: list) -> dict:
    """The operator's campaigns in the data as the twin's plan (known inputs, not fitted)."""
    plan, params, budget = [], {}, 0.0
    for number, row in _campaign_rows(path):
        name = row["strategy"]
        if name not in CAMPAIGN_STRATEGIES:
            raise TwinError(f"{path}, line {number}: strategy {name!r} cannot be replayed as a dated campaign yet; "
                            f"supported: {', '.join(CAMPAIGN_STRATEGIES)}")
        if name in plan:
            raise TwinError(f"{path}, line {number}: a second {name} campaign; one campaign per strategy is "
                            f"supported")
        start = _model_day(path, number, log, row["start"], timezone)
        end = _model_day(path, number, log, row["end"], timezone)
        first_key, last_key = CAMPAIGN_STRATEGIES[name]
        settings = {first_key: start}
        if last_key:
            settings[last_key] = end + 1
        else:
            settings["every_days"] = 100_000  # one event
            if end > start:
                note(notes, "line {line}: an events campaign is replayed as one event, on its first day; its last day "
                            "{end} noted, not used (one event per log)", line=number, end=repr(row["end"]))
        if row.get("target"):
            if name == "events":
                settings["target"] = row["target"]
            else:
                note(notes, "line {line}: the target of a {strategy} campaign is its own rule; {value} noted, not used",
                     line=number, strategy=name, value=repr(row["target"]))
        if row.get("size"):
            if name not in CAMPAIGN_SIZE:
                note(notes, "line {line}: a {strategy} campaign's size is set by its budget; {value} noted, not used",
                     line=number, strategy=name, value=repr(row["size"]))
            else:
                try:
                    settings[CAMPAIGN_SIZE[name]] = _number(row["size"], CAMPAIGN_SIZE[name] == "capacity")
                except ValueError:
                    raise TwinError(f"{path}, line {number}: size {row['size']!r} is not a positive number (a whole "
                                    f"one for an event's capacity)") from None
        plan.append(name)
        params[name] = settings
        try:
            budget += float(row.get("spend") or 0.0)
        except ValueError:
            raise TwinError(f"{path}, line {number}: spend {row['spend']!r} is not a number") from None
        note(notes, "campaign: {strategy} on days {start}-{end}", strategy=name, start=start, end=end)
    return {"plan": {"name": "campaigns", "strategies": plan, "budget": budget or None}, "strategies": params}
