"""Read a community's own activity export into an :class:`~sim.activity_log.ActivityLog`.

One row per action: ``user`` (who acted), ``time``, and optionally ``target`` (the other person
of an interaction: a message's recipient, the author replied to -- these make the social
graph) and ``kind`` (``post`` counts as a public post). Files: CSV / TSV / any delimited text
(optionally ``.gz``), Excel (``.xlsx``: its first sheet) or Parquet. Real exports are read as they are:

* encoding UTF-8, with or without a BOM (Excel's "CSV UTF-8"), UTF-16 with a BOM (Excel's "Unicode
  text"), or Chinese text in GBK/GB18030 (Excel's "CSV" on Chinese Windows; a warning says so);
  CRLF or LF line ends;
* the delimiter is detected from the data (comma, semicolon, tab, pipe or runs of spaces: the
  one that splits every line into the same number of fields, the most fields winning) unless
  ``delimiter`` is given; quoted fields may hold delimiters (``"Smith, John",alice``);
* whether the first line is a header is decided from the data -- it is one when its value in
  the time column does not read as a time while the other lines' do -- unless ``header`` is
  given; no list of "header words" is consulted;
* columns are taken from ``columns`` (``{"user": "sender", "time": "sent_at", ...}``; names, or
  0-based positions in a file without a header), else by their names (:data:`NAMES`: ``user``,
  ``time``, ``target``, ``kind`` and the usual English and Chinese headers of chat and forum
  exports, such as ``用户ID``, ``发送时间``, ``接收者``), else inferred: the column whose values
  read as times is ``time``, the first other column ``user``, the next ``target``; every other
  column is ignored (and said so). A guessed column that maps one-to-one onto another column
  is an *alias* of it (a nickname beside an ID): it is never taken as a second person column,
  the ID-like one of the pair is used, and the report warns;
* times are Unix seconds (or milli-, micro- or nanoseconds, told apart by size), ISO dates or datetimes,
  with or without a zone (Z, +08, +08:00, UTC, GMT); a clock time without a date is not a time.
  **Time zone rule**: a time without a zone (a plain date or datetime) is local time in
  ``timezone`` (default UTC); a time with a zone, and Unix time, is converted to ``timezone``.
  Days are 24-hour blocks from the first action (``day_start="first"``, as the data's own
  documentation counts them) or calendar days in ``timezone`` (``day_start="midnight"``).
  Times without a zone draw a warning naming the zone assumed.

Every problem raises :class:`LogFileError` naming the file and the line or column; nothing is
guessed silently. :func:`read_log` returns the log and a report of what was read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from commsim.sim.activity_log import ActivityLog, from_actions
from commsim.sim.delimited import DELIMITER_NAMES, SAMPLE_LINES, read_rows
from commsim.sim.errors import UserError

ROLES = ("user", "time", "target", "kind")
# header names read as each role (compared lower-cased, without spaces, "_" or "-")
NAMES = {
    "user": ("user", "userid", "uid", "user_id", "sender", "senderid", "from", "src", "author", "authorid",
             "member", "memberid", "account", "用户", "用户id", "用户编号", "发送者", "发送者id", "发送人",
             "发言人", "发言者", "成员", "成员id", "账号", "作者", "作者id", "微信号"),
    "time": ("time", "timestamp", "datetime", "date", "createdat", "sentat", "sendtime", "时间", "发送时间",
             "发言时间", "创建时间", "日期", "时间戳", "消息时间"),
    "target": ("target", "targetid", "to", "dst", "recipient", "receiver", "receiverid", "replyto", "replytoid",
               "接收者", "接收者id", "接收人", "回复对象", "回复对象id", "被回复者", "回复给", "对象"),
    "kind": ("kind", "type", "messagetype", "msgtype", "类型", "消息类型", "动作", "行为"),
}
ID_HINTS = ("id", "uid", "编号", "账号", "号")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class LogFileError(UserError, ValueError):
    """An activity log could not be read; the message names the file and the line or column."""


@dataclass
class ReadReport:
    """What :func:`read_log` read, for the user to check."""

    path: str
    rows: int = 0
    skipped: dict = field(default_factory=dict)  # reason -> count
    skipped_examples: dict = field(default_factory=dict)  # reason -> first line numbers
    delimiter: str = ""
    header: bool = False
    columns: dict = field(default_factory=dict)  # role -> column name or position
    ignored_columns: list = field(default_factory=list)
    all_columns: list = field(default_factory=list)  # every column, in the file's order (positions for columns=)
    warnings: list = field(default_factory=list)  # things read on an assumption the user should check
    notes: list = field(default_factory=list)  # the same as (message id, values), for reports in other languages

    def warn(self, msgid: str, **values) -> None:
        """A warning in English (``warnings``) and as a message id a report can translate (``notes``)."""
        self.warnings.append(msgid.format(**values))
        self.notes.append((msgid, values))
    time_format: str = ""
    timezone: str = "UTC"
    day_start: str = "first"
    first_time: str = ""
    days: int = 0
    people: int = 0
    active_people: int = 0
    ties: int = 0

    def format(self) -> str:
        if self.delimiter in ("", "xlsx"):
            return "an Excel workbook's first sheet" if self.delimiter else "Parquet"
        return f"{DELIMITER_NAMES.get(self.delimiter, self.delimiter)}-separated"

    def lines(self) -> list[str]:
        cols = ", ".join(f"{role}={name!r}" for role, name in self.columns.items())
        out = [f"read {self.path}: {_n(self.rows, 'action')} by {_n(self.active_people, 'person', 'people')} "
               f"({_n(self.people, 'person', 'people')} in all, counting those only ever on the receiving end), "
               f"{_n(self.days, 'day')} from {self.first_time}, {_n(self.ties, 'tie')}",
               f"  format: {self.format()}, "
               f"{'a header line' if self.header else 'no header line'}; columns {cols}"
               + (f"; ignored: {', '.join(map(str, self.ignored_columns))}" if self.ignored_columns else ""),
               f"  times: {self.time_format}; days are {'24-hour blocks from the first action' if self.day_start == 'first' else 'calendar days'} in {self.timezone}"]
        out += [f"  warning: {w}" for w in self.warnings]
        for reason, count in self.skipped.items():
            examples = ", ".join(map(str, self.skipped_examples.get(reason, [])[:5]))
            out.append(f"  skipped {count:,} rows: {reason} (lines {examples})")
        return out


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


# ----------------------------------------------------------------- reading text
# -------------------------------------------------------------------- times
MAX_DATE_SECONDS = 9e9  # |Unix seconds| a date can be made of on every pandas (nanoseconds to 2262 on 2.x)


@dataclass
class Times:
    seconds: np.ndarray  # float seconds since the epoch, in UTC
    local_dates: np.ndarray | None  # datetime64[D] in the time zone (for calendar days)
    format: str
    ok: np.ndarray  # which values were read


def _numeric(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def parse_times(values: pd.Series, timezone: str, unit: str = "auto") -> Times:
    """Read a column of times (see the module docstring); ``ok`` marks the values that were read."""
    nums = _numeric(values)
    numeric_share = float(nums.notna().mean()) if len(values) else 0.0
    if unit in ("s", "ms", "day") or (unit == "auto" and numeric_share >= 0.99):
        med = float(nums.median()) if nums.notna().any() else 0.0
        if unit == "auto":
            if med < 1e8:  # too small for Unix time (before 1973): ids or counts, not times
                return Times(np.full(len(values), np.nan), None, "numbers too small for Unix time (day numbers? "
                             "set calibrate.time_unit=day)", np.zeros(len(values), bool))
            # by size: seconds until ~5138, milli-, micro- and nanoseconds from 1973 on
            unit = "ns" if med >= 1e17 else "us" if med >= 1e14 else "ms" if med >= 1e11 else "s"
        scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "day": 86400.0}[unit]
        seconds = nums.to_numpy(float) * scale
        ok = np.array(np.isfinite(seconds), dtype=bool)
        label = {"s": "Unix seconds", "ms": "Unix milliseconds", "us": "Unix microseconds", "ns": "Unix nanoseconds",
                 "day": "day numbers"}[unit]
        local = None
        if unit != "day" and ok.any():  # (far outside any plausible time: no calendar date, refused later)
            stamps = pd.to_datetime(np.where(ok & (np.abs(seconds) < MAX_DATE_SECONDS), seconds, 0), unit="s",
                                    utc=True).tz_convert(timezone)
            local = stamps.tz_localize(None).to_numpy().astype("datetime64[D]")
        return Times(seconds, local, label, ok)
    text = values.astype(str).str.strip()
    has_zone = text.str.contains(ZONE, regex=True).to_numpy()
    seconds = np.full(len(text), np.nan)
    dates = np.full(len(text), np.datetime64("NaT", "D"), dtype="datetime64[D]")
    clock_only = text.str.fullmatch(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?").to_numpy()  # no date: not a time
    for zoned in (False, True):
        rows = np.flatnonzero((has_zone == zoned) & ~clock_only)
        if rows.size == 0:
            continue
        local = _localised(text.iloc[rows], zoned, timezone)
        if local is None:
            continue  # unreadable as one kind of time: those rows are not ok, and the caller says which
        seconds[rows] = _epoch_seconds(local)
        dates[rows] = local.dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    ok = np.isfinite(seconds)
    label = "dates" if (text.str.len() <= 10).all() else (
        "datetimes with a time zone" if has_zone.any() else "datetimes")
    if clock_only.any() and not ok.any():
        label = "clock times without a date"
    return Times(seconds, dates, label, ok)


# a time zone after a clock time: Z, +08, +0800, +08:00, UTC, GMT (a date's own "-01" is not one)
ZONE = (r"(?:\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?|T\d{4}(?:\d{2}(?:[.,]\d+)?)?)"  # 10:00[:00], or compact T1000[00]
        r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)$")


def _localised(text: pd.Series, zoned: bool, timezone: str) -> pd.Series | None:
    """``text`` read as times in ``timezone`` (tz-aware), or None when pandas cannot make one column of
    them. A zone the text carries is converted; text without one is local time in ``timezone``: in the
    hour a clock turns back twice (daylight saving's end) the standard-time reading, in the hour it
    skips the time after it (a day's number does not depend on which)."""
    try:
        parsed = _to_datetime(text, utc=zoned)
        if not isinstance(parsed.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(parsed):
            parsed = _to_datetime(text, utc=True)  # a zone pandas knows that the pattern missed
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            return parsed.dt.tz_convert(timezone)
        return parsed.dt.tz_localize(timezone, ambiguous=np.zeros(len(parsed), bool), nonexistent="shift_forward")
    except (TypeError, ValueError, AttributeError):
        return None


def _to_datetime(text: pd.Series, utc: bool) -> pd.Series:
    parsed = pd.to_datetime(text, errors="coerce", utc=utc, format="ISO8601")
    if parsed.notna().mean() < 1.0:
        retry = pd.to_datetime(text[parsed.isna()], errors="coerce", utc=utc, format="mixed")
        parsed = parsed.where(parsed.notna(), retry)
    return parsed


def _epoch_seconds(stamps: pd.Series) -> np.ndarray:
    utc = stamps.dt.tz_convert("UTC")
    out = np.full(len(utc), np.nan)
    good = utc.notna().to_numpy()
    out[good] = (utc[good] - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy()
    return out


def _time_like(column: pd.Series, timezone: str, unit: str) -> float:
    if len(column) == 0:
        return 0.0
    return float(parse_times(column, timezone, unit).ok.mean())


# -------------------------------------------------------------------- the log
def read_log(path, columns: dict | None = None, header: bool | None = None, delimiter: str | None = None,
             timezone: str = "UTC", day_start: str = "first", time_unit: str = "auto",
             post_kinds=("post",)) -> tuple[ActivityLog, ReadReport]:
    """The activity log in ``path`` and a report of what was read (see the module docstring)."""
    path = Path(path)
    report = ReadReport(str(path), timezone=timezone, day_start=day_start)
    if day_start not in ("first", "midnight"):
        raise LogFileError(f"{path}: day_start {day_start!r}; allowed: first, midnight")
    try:
        pd.Timestamp("2020-01-01").tz_localize(timezone)
    except Exception:  # noqa: BLE001 - any unknown zone name
        raise LogFileError(f"{path}: unknown time zone {timezone!r} (e.g. UTC, Europe/Berlin, Asia/Shanghai)") from None
    if not path.is_file():
        raise LogFileError(f"{path}: no such file (name a CSV/TSV/XLSX/Parquet export of the community's activity)")
    columns = dict(columns or {})
    unknown = set(columns) - set(ROLES)
    if unknown:
        raise LogFileError(f"{path}: unknown column roles {sorted(unknown)}; allowed: {', '.join(ROLES)}")
    if path.suffix.lower() == ".parquet":
        table, line_of = _read_parquet(path), None
        report.header, report.delimiter = True, ""
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        table, line_of = _read_excel(path, header, timezone, time_unit, report)
    else:
        table, line_of = _read_text(path, header, delimiter, timezone, time_unit, report)
    mapping = _map_columns(path, table, columns, timezone, time_unit, report)
    return _build(path, table, mapping, line_of, timezone, day_start, time_unit, post_kinds, report)


def _read_parquet(path: Path) -> pd.DataFrame:
    """Every cell as text. Integers stay integers where a column has gaps (pyarrow, Spark and polars write
    an int column with nulls that pandas would read as floats: person 2 would become "2.0" where it is
    missing a value and "2" elsewhere -- two people), and a float column of whole numbers reads as IDs."""
    try:
        table = pd.read_parquet(path, dtype_backend="numpy_nullable")
    except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds
        raise LogFileError(f"{path}: not a readable Parquet file ({err})") from None
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_float_dtype(column) and bool((column.dropna() % 1 == 0).all()):
            table[name] = column.astype("Int64")
    return table.astype(str).where(table.notna(), "")


def _read_excel(path: Path, header, timezone, time_unit, report) -> tuple[pd.DataFrame, np.ndarray]:
    """The first sheet of an Excel workbook, every cell as text (a date cell as ``2004-04-15 08:56:00``),
    rows numbered as Excel numbers them; whether row 1 is a header is decided as for text."""
    try:
        sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as err:  # noqa: BLE001 - openpyxl and zipfile raise many kinds
        raise LogFileError(f"{path}: not a readable Excel workbook ({type(err).__name__}: {err}); "
                           "save it as .xlsx, or export it as CSV") from None
    sheet = sheet.dropna(how="all")
    if sheet.shape[1] < 2:
        raise LogFileError(f"{path}: its first sheet has {sheet.shape[1]} column(s); an activity log needs at least "
                           "a user and a time per row")
    line_numbers = sheet.index.to_numpy() + 1
    frame = sheet.map(_cell_text).reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    report.delimiter = "xlsx"
    return _split_header(path, frame, line_numbers, header, timezone, time_unit, report)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID typed as a number: 1234, not 1234.0
    return str(value)


def _read_text(path, header, delimiter, timezone, time_unit, report) -> tuple[pd.DataFrame, np.ndarray]:
    read = read_rows(path, delimiter, LogFileError, setting="calibrate.delimiter", what="the log",
                     one_column="an activity log needs at least a user and a time per line")
    report.delimiter, rows, line_numbers = read.delimiter, read.rows, read.line_numbers
    if read.encoding == "gb18030":
        report.warn("the file is not UTF-8; it was read as GBK/GB18030 (what Excel writes as CSV on Chinese "
                    "Windows): check that the names in the summary read correctly")
    elif read.encoding == "utf-16":
        report.warn("the file was read as UTF-16 (Excel's 'Unicode text')")
    frame = pd.DataFrame(rows, dtype=str)
    return _split_header(path, frame, line_numbers, header, timezone, time_unit, report)


def _split_header(path, frame, line_numbers, header, timezone, time_unit, report) -> tuple[pd.DataFrame, np.ndarray]:
    if header is None:
        header = _looks_like_header(frame, timezone, time_unit)
    report.header = bool(header)
    if header:
        names = [str(c) for c in frame.iloc[0]]
        if len(set(names)) != len(names):
            raise LogFileError(f"{path}, line {line_numbers[0]}: the header names a column twice: {names}")
        frame = frame.iloc[1:].reset_index(drop=True)
        frame.columns = names
        line_numbers = line_numbers[1:]
    if frame.empty:
        raise LogFileError(f"{path}: a header line and no rows")
    return frame, line_numbers


def _looks_like_header(frame: pd.DataFrame, timezone: str, time_unit: str) -> bool:
    if len(frame) < 2:
        return False
    first, rest = frame.iloc[0], frame.iloc[1:SAMPLE_LINES + 1]
    for col in frame.columns:
        if _time_like(rest[col], timezone, time_unit) >= 0.5:
            return not parse_times(first[[col]].reset_index(drop=True), timezone, time_unit).ok[0]
    return False


def _map_columns(path, table: pd.DataFrame, columns: dict, timezone: str, time_unit: str, report) -> dict:
    names = list(table.columns)
    mapping = {}
    for role, given in columns.items():
        if given is None or given == "":
            continue
        if isinstance(given, int) or (isinstance(given, str) and given.isdigit() and given not in names):
            index = int(given)
            if not 0 <= index < len(names):
                raise LogFileError(f"{path}: calibrate.columns.{role}={given}: the file has columns 0..{len(names) - 1}")
            mapping[role] = names[index]
        elif given in names:
            mapping[role] = given
        else:
            raise LogFileError(f"{path}: calibrate.columns.{role}={given!r} is not a column of the file; its columns: "
                               f"{', '.join(map(str, names))}")
    given_roles = set(mapping)
    for role in ROLES:
        if role in mapping:
            continue
        named = [n for n in names if _plain(n) in NAMES[role] and n not in mapping.values()]
        if named:
            mapping[role] = named[0]
    sample = table.iloc[:SAMPLE_LINES]
    if "time" not in mapping:
        timelike = [n for n in names if n not in mapping.values() and _time_like(sample[n], timezone, time_unit) >= 0.5]
        if not timelike:
            raise LogFileError(f"{path}: no column reads as times (Unix seconds, dates or datetimes); name it with "
                               f"calibrate.columns.time=<column>; columns: {', '.join(map(str, names))}")
        mapping["time"] = timelike[-1] if len(timelike) > 1 and "user" not in mapping else timelike[0]
    others = [n for n in names if n not in mapping.values()]
    if "user" not in mapping:
        if not others:
            raise LogFileError(f"{path}: no column left for the user; name it with calibrate.columns.user=<column>")
        mapping["user"] = others.pop(0)
    if "user" not in given_roles:
        for other in [n for n in names if n not in mapping.values()]:
            if _alias(table, mapping["user"], other) or _alias(table, other, mapping["user"]):
                keep = _id_like(table, mapping["user"], other)
                dropped = other if keep == mapping["user"] else mapping["user"]
                report.warn("columns {a} and {b} name the same people one-to-one (one is an alias such as a "
                            "nickname): using {keep} as the user", a=repr(mapping["user"]), b=repr(other),
                            keep=repr(keep))
                mapping["user"] = keep
                others = [n for n in others if n not in (keep, dropped)]
                break
    while "target" not in mapping and others and "target" not in columns:
        candidate = others.pop(0)
        if _alias(table, mapping["user"], candidate):
            report.warn("column {a} maps one-to-one onto the user column {b} (an alias such as a nickname): not "
                        "read as whom an action was addressed to", a=repr(candidate), b=repr(mapping["user"]))
            continue
        mapping["target"] = candidate
    report.columns = {role: mapping[role] for role in ROLES if role in mapping}
    report.ignored_columns = [n for n in names if n not in mapping.values()]
    report.all_columns = list(names)
    return mapping


def _plain(name) -> str:
    return "".join(ch for ch in str(name).lower() if ch not in " _-.")


def _alias(table: pd.DataFrame, a, b) -> bool:
    """Does column ``b`` rename column ``a``'s people: one value of ``b`` for each value of ``a`` and
    back, on every row with both, and ``b``'s values mostly not ``a``'s (a recipient column that
    happens to pair people one-to-one still names people who act)."""
    pairs = table[[a, b]].astype(str)
    pairs = pairs[(pairs[a].str.strip() != "") & (pairs[b].str.strip() != "")].drop_duplicates()
    if len(pairs) < 2 or not (pairs[a].is_unique and pairs[b].is_unique):
        return False
    return float(pairs[b].isin(set(pairs[a])).mean()) < 0.5


def _id_like(table: pd.DataFrame, a, b):
    """Of two alias columns, the one that looks like an identifier: an ID-like name, else the one
    with more all-digit values (ties: the first)."""
    for name in (a, b):
        if any(h in _plain(name) for h in ID_HINTS):
            return name
    digits = {name: table[name].astype(str).str.strip().str.fullmatch(r"\d+").mean() for name in (a, b)}
    return b if digits[b] > digits[a] else a


EARLIEST, LATEST = pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2100-01-01", tz="UTC")  # plausible times


def _date(seconds: float) -> str:
    """A Unix time as a date, or as a year where it lies past what a date can say."""
    if abs(seconds) < MAX_DATE_SECONDS:
        return f"{pd.Timestamp(seconds, unit='s', tz='UTC'):%Y-%m-%d}"
    return f"the year {1970 + seconds / 31_557_600:,.0f}"


def _build(path, table, mapping, line_of, timezone, day_start, time_unit, post_kinds, report):
    def where(rows):
        return [int(line_of[i]) for i in rows[:5]] if line_of is not None else [int(i) + 1 for i in rows[:5]]

    user = table[mapping["user"]].astype(str).str.strip()
    times = parse_times(table[mapping["time"]].reset_index(drop=True), timezone, time_unit)
    report.time_format = times.format
    if times.format in ("dates", "datetimes"):
        report.warn("the times carry no time zone: read as local time in {zone}; if the export's clock was in "
                    "another zone, say which (timezone=<zone>, e.g. Asia/Shanghai; calibrate.timezone= for a "
                    "calibration)", zone=timezone)
    bad_time = np.flatnonzero(~times.ok)
    if bad_time.size:
        value = table[mapping["time"]].iloc[bad_time[0]]
        raise LogFileError(f"{path}, line {where(bad_time)[0]}: column {mapping['time']!r}: {value!r} does not read as "
                           f"a time ({times.format} elsewhere); {bad_time.size} such rows (lines "
                           f"{', '.join(map(str, where(bad_time)))})")
    if times.format != "day numbers":
        first, last = np.nanmin(times.seconds), np.nanmax(times.seconds)
        if first < EARLIEST.timestamp() or last > LATEST.timestamp():
            raise LogFileError(f"{path}: column {mapping['time']!r} read as {times.format} runs from {_date(first)} "
                               f"to {_date(last)}, outside {EARLIEST.year}-{LATEST.year}: not the times of a "
                               f"community's actions (numbers in another unit? say which: calibrate.time_unit=s, ms or "
                               f"day)")
    keep = (user != "").to_numpy()
    if not keep.all():
        report.skipped["no user"] = int((~keep).sum())
        report.skipped_examples["no user"] = where(np.flatnonzero(~keep))
    if not keep.any():
        raise LogFileError(f"{path}: every row lacks a user (column {mapping['user']!r})")
    if day_start == "first" or times.local_dates is None:
        seconds = times.seconds[keep]
        origin = np.nanmin(seconds)
        unit = 86400.0
        day = np.floor((seconds - origin) / unit).astype(np.int64)
        first_stamp = (pd.Timestamp(origin, unit="s", tz="UTC").tz_convert(timezone)
                       if times.format != "day numbers" else None)
    else:
        dates = times.local_dates[keep]
        first_date = dates.min()
        day = (dates - first_date).astype(np.int64)
        first_stamp = pd.Timestamp(first_date).tz_localize(timezone)
    weekday = int(first_stamp.day_of_week) if first_stamp is not None else None
    report.first_time = str(first_stamp) if first_stamp is not None else "day 0"
    target = None
    if "target" in mapping:
        target = table[mapping["target"]].astype(str).str.strip().to_numpy()[keep]
        target = np.where(target == "", None, target)
    kind = table[mapping["kind"]].astype(str).str.strip().to_numpy()[keep] if "kind" in mapping else None
    log = from_actions(user.to_numpy()[keep], day, target, kind, first_weekday=weekday, source=str(path),
                       post_kinds=post_kinds)
    log.meta["first_time"] = report.first_time
    report.rows = int(keep.sum())
    report.days = log.n_days
    report.people = log.people
    report.active_people = int(log.days.person.nunique())
    if log.interactions is not None and len(log.interactions):
        pairs = np.sort(log.interactions[["person", "other"]].to_numpy(), axis=1)
        report.ties = int(np.unique(pairs, axis=0).shape[0])
    return log, report


def day_of(log: ActivityLog, when: str, timezone: str = "UTC") -> int:
    """The log's day number of a date or datetime ``when`` (for calendar and campaign files)."""
    first = log.meta.get("first_time")
    if not first or first == "day 0":
        return int(when)
    origin = pd.Timestamp(first)
    stamp = pd.Timestamp(when)
    stamp = stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp.tz_convert(timezone)
    if len(str(when).strip()) <= 10:  # a date: the day it falls on, counted from the first day's date
        return int((stamp.normalize().tz_localize(None) - origin.normalize().tz_localize(None)).days)
    return int(math.floor((stamp - origin).total_seconds() / 86400))
