"""Delimited text as users export it: one reader for activity logs and edge lists.

* bytes: UTF-8 with or without a BOM (Excel's "CSV UTF-8"), optionally gzip-compressed; CRLF or
  LF line ends; blank lines and ``#`` comment lines skipped (their line numbers kept for messages) -- a
  line below the first whose ``#`` starts a word and that splits as the rows do is a row (a user
  ``#alice``; ``# exported, by ops`` stays a comment);
* fields: a real CSV dialect reader, so a quoted field may hold the delimiter (``"Smith, John"``)
  and quoted headers (``"from","to"``) lose their quotes;
* the delimiter, unless given, is the one that splits (nearly) every line into the same number of
  fields, the most fields winning among comma, semicolon, tab and pipe; runs of white space only
  when none of them does (``Ann Lee<TAB>Bob Smith`` is two fields, not four);
* every line must have the width most lines share; the first that does not is named.

Every problem raises the caller's error class with the file and line.
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DELIMITERS = ("\t", ";", ",", "|", " ")  # preference on ties; " " means runs of white space
DELIMITER_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "pipe", " ": "white space"}
DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "space": " ", "whitespace": " ", "comma": ",",
                   "semicolon": ";", "pipe": "|"}
SAMPLE_LINES = 200


@dataclass
class Rows:
    rows: list[list[str]]
    line_numbers: np.ndarray  # the file's line number of each row
    delimiter: str
    encoding: str = "utf-8"  # how the file's bytes were read (decode)


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def decode(raw: bytes) -> tuple[str, str]:
    """The text of ``raw`` and its encoding: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's
    "Unicode text"), or GB18030 -- the superset of GBK, what Excel writes as "CSV" on Chinese Windows --
    when UTF-8 fails at a file's first non-ASCII character and the whole reads as Chinese text. Else
    UnicodeDecodeError: UTF-16's, or UTF-8's (a European 8-bit export, where an accented letter before a
    Latin one also forms a GBK character: 'Jürgen' would read 'J黵gen')."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as err:
        if not raw[:err.start].isascii():  # UTF-8 Chinese before it: a mixed file, not a GBK one
            raise err from None
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise err from None
        wide = [c for c in text if not c.isascii()]
        # a GBK character's second byte is below 0x80 for a few Chinese characters, for most mis-read
        # Latin pairs (an accent, then a letter)
        latin = sum(1 for c in wide if len(b := c.encode("gb18030")) == 2 and b[1] < 0x80)
        if not CJK.search(text) or latin > 0.1 * len(wide):
            raise err from None
        return text, "gb18030"


def read_text(path: Path, error, what: str = "the file") -> str:
    """The file's text (gzip undone; see :func:`decode`)."""
    return read_decoded(path, error, what)[0]


def read_decoded(path: Path, error, what: str = "the file") -> tuple[str, str]:
    """The file's text and the encoding it was read in (gzip undone; see :func:`decode`)."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise error(f"{path}: a damaged gzip file ({err})") from None
    try:
        text, used = decode(raw)
    except UnicodeDecodeError as err:
        if err.encoding.startswith("utf-16"):
            line = raw[2:err.start].decode(err.encoding, "replace").count("\n") + 1
            raise error(f"{path}, line {line}: not UTF-8 text, nor valid UTF-16 (it begins with UTF-16's byte-order "
                        f"mark; byte {err.start}: {err.reason}); export {what} as UTF-8 (in Excel: 'CSV UTF-8')") from None
        line = raw[:err.start].count(b"\n") + 1
        raise error(f"{path}, line {line}: not UTF-8 text (byte {err.start}: {err.reason}), nor Chinese text in "
                    f"GBK/GB18030; export {what} as UTF-8 (in Excel: 'CSV UTF-8')") from None
    return text, used


def split(lines: list[str], delimiter: str) -> list[list[str]]:
    if delimiter == " ":
        return [re.split(r"\s+", line.strip()) for line in lines]
    return [[c.strip() for c in row] for row in csv.reader(lines, delimiter=delimiter, quotechar='"')]


def detect_delimiter(path: Path, lines: list[str], error, setting: str) -> str:
    """The delimiter that splits every sampled line into the same number (>= 2) of fields; among
    single characters the one giving most fields; runs of white space only if none does."""
    sample = lines[:SAMPLE_LINES]
    best, best_cols = None, 1
    fallback, fallback_share = None, 0.5
    for delimiter in DELIMITERS:
        if delimiter == " " and best is not None:
            break  # "Ann Lee<TAB>Bob Smith": a real delimiter beats the spaces inside names
        counts = np.array([len(r) for r in split(sample, delimiter)])
        if counts.size == 0 or counts.max() < 2:
            continue
        split_counts = np.bincount(counts)
        split_counts[:2] = 0
        mode = int(split_counts.argmax())  # the most common width of the lines it splits at all
        share = float(np.mean(counts == mode))
        if share >= 0.98 and mode > best_cols:
            best, best_cols = delimiter, mode
        elif share >= 0.5 and (fallback is None or share > fallback_share):
            fallback, fallback_share = delimiter, share  # mostly consistent: the ragged lines get named
    best = best or fallback
    if best is None:
        raise error(f"{path}: cannot tell how the columns are separated: no delimiter (comma, semicolon, tab, "
                    f"pipe, spaces) splits every line into the same number of fields; set {setting}")
    return best


def read_rows(path: Path, delimiter: str | None, error, *, setting: str, one_column: str,
              what: str = "the file") -> Rows:
    """The file's rows (lists of stripped fields), all of one width."""
    text, encoding = read_decoded(path, error, what)
    numbered, hashed = [], []
    for i, line in enumerate(text.splitlines()):
        if line.strip():
            (hashed if line.lstrip().startswith("#") else numbered).append((i + 1, line))
    if not numbered:
        raise error(f"{path}: no rows (the file is empty or only comments)")
    line_numbers = np.array([n for n, _ in numbered])
    lines = [line for _, line in numbered]
    if delimiter is not None:
        delimiter = DELIMITER_WORDS.get(delimiter, delimiter)
        if delimiter not in DELIMITERS and len(delimiter) != 1:
            raise error(f"{path}: delimiter {delimiter!r} must be one character (or tab, space)")
    else:
        delimiter = detect_delimiter(path, lines, error, setting)
    rows = split(lines, delimiter)
    widths = np.array([len(r) for r in rows])
    if widths.max() < 2:
        raise error(f"{path}: one column only; {one_column}")
    counts = np.bincount(widths)
    # the width most lines share (the first line's width on a tie): the odd lines out are the broken ones
    width = int(widths[0]) if counts[widths[0]] == counts.max() else int(counts.argmax())
    # a '#' line is a comment, unless it is below the first line, its '#' starts a word ("#alice", not
    # "# re-exported, by ops") and it splits as the rows do: then it is a row whose user starts with '#'
    data = [(n, line, row) for (n, line), row in zip(hashed, split([h for _, h in hashed], delimiter))
            if n > line_numbers[0] and len(row) == width and not line.lstrip()[1:2].isspace()
            and line.lstrip()[1:2]] if hashed else []
    if data:
        merged = sorted([*zip(line_numbers.tolist(), lines, rows), *data])
        line_numbers = np.array([n for n, _, _ in merged])
        rows = [row for _, _, row in merged]
        widths = np.array([len(r) for r in rows])
    bad = np.flatnonzero(widths != width)
    if bad.size:
        first = int(bad[0])
        raise error(f"{path}, line {line_numbers[first]}: {widths[first]} field{'s' if widths[first] != 1 else ''} "
                    f"where the other lines have "
                    f"{width} ({DELIMITER_NAMES.get(delimiter, delimiter)}-separated); {bad.size} such "
                    f"line{'s' if bad.size > 1 else ''}")
    return Rows(rows, line_numbers, delimiter, encoding)


def read_records(path, required: tuple[str, ...], allowed: tuple[str, ...], error) -> list[tuple[int, dict]]:
    """A small comma-separated file with a header of named columns (calendars, campaigns): its rows as
    ``(line number, {column: stripped value})``, blank lines skipped; every problem raises ``error``
    naming the file and line."""
    try:
        text = read_text(Path(path), error)
    except OSError as err:
        raise error(f"{path}: cannot read it ({err})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise error(f"{path}: empty; expected a header {','.join(required)}")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c not in allowed]
    if missing or extra:
        raise error(f"{path}, line 1: the header needs {','.join(required)} (optional: "
                    f"{','.join(c for c in allowed if c not in required)}); "
                    + (f"missing {missing}" if missing else f"unknown {extra}"))
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise error(f"{path}, line {number}: {len(row)} values for {len(header)} columns")
        out.append((number, dict(zip(header, (c.strip() for c in row)))))
    return out

