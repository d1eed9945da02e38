"""The message catalogue: every sentence a report shows, in each language.

Translations live in gettext PO files, one per language (``experiments/reports/locale/<lang>.po``),
the format translators and their tools (Poedit, Weblate, Babel) read and write: the ``msgid`` is
the English sentence as the code writes it (with ``{name}`` placeholders), the ``msgstr`` its
translation. English needs no file: its text is the msgid. A msgid missing from a language's file
falls back to English (and :func:`missing` lists them, for a test to keep a report complete).

The reader below handles what the files use -- ``msgid``/``msgstr`` pairs, continued ``"..."``
lines, escapes, ``#`` comments -- so no compile step (``.mo``) and no extra package is needed.
Entries flagged ``#, fuzzy`` are left out (as gettext does); entries with a ``msgctxt`` or plural
forms, which commsim does not use, are read past and left out.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
USED: dict[str, set[str]] = {}  # language -> msgids looked up and not found (for tests)


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a PO file (untranslated entries, with an empty msgstr, left out)."""
    entries: dict[str, str] = {}
    key = None
    parts: dict[str, list[str]] = {}
    flags = {"fuzzy": False}

    def flush():
        if "msgid" in parts and "msgstr" in parts and not flags["fuzzy"] and "msgctxt" not in parts \
                and "msgid_plural" not in parts:
            msgid, msgstr = "".join(parts["msgid"]), "".join(parts["msgstr"])
            if msgid and msgstr:
                entries[msgid] = msgstr
        parts.clear()
        flags["fuzzy"] = False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        head = line.split(" ", 1)[0]
        if line.startswith("#") or head in ("msgctxt", "msgid"):
            if any(k.startswith("msgstr") for k in parts):  # the previous entry is complete
                flush()
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:  # a guess awaiting review: gettext ignores it too
                flags["fuzzy"] = True
            continue
        if head in ("msgctxt", "msgid_plural") or head.startswith("msgstr["):  # not used by commsim: kept out
            key, line = head, line[len(head) + 1:]
        elif head == "msgid":
            key, line = "msgid", line[6:]
        elif head == "msgstr":
            key, line = "msgstr", line[7:]
        if key is None or not (line.startswith('"') and line.endswith('"')):
            raise ValueError(f"{path}, line {number}: not a PO line: {raw!r}")
        parts.setdefault(key, []).append(ast.literal_eval(line))
    flush()
    return entries


@lru_cache(maxsize=None)
def catalogue(language: str) -> dict[str, str]:
    if language == "en":
        return {}
    path = LOCALE / f"{language}.po"
    return read_po(path) if path.is_file() else {}


def translate(language: str, msgid: str) -> str:
    text = catalogue(language).get(msgid)
    if text is None:
        if language != "en":
            USED.setdefault(language, set()).add(msgid)
        return msgid
    return text


def missing(language: str) -> set[str]:
    """The msgids looked up in ``language`` since the process started that its file lacks."""
    return set(USED.get(language, set()))
