"""Load a community's own social graph from a file.

Supported formats:

* **edge list** (``.csv``, ``.tsv``, ``.txt``, ``.edges``, optionally ``.gz``): one tie per line,
  ``source<delimiter>target``; further columns (weights, dates) are ignored, and said so. Read
  with :mod:`sim.delimited`: UTF-8 with or without a BOM, CRLF, quoted names that hold the
  delimiter (``"Smith, John",alice``), the delimiter (comma, semicolon, tab, pipe, white space)
  detected from the data unless ``network.delimiter`` is given, ``#`` comments and blank lines
  skipped. Node labels are strings as written (``007`` and ``7`` are two people).
  **Header**: ``network.header=true|false``, or decided from the data: the first line is a
  header when its two values are not numbers while every other line's are (``member_id,friend_id``
  above numeric ids), or when neither of its two names appears anywhere else in the file while
  most other lines share a person with another line (``"from","to"`` above a connected list).
* **GraphML** (``.graphml``), read with networkx.

Every problem is reported as :class:`GraphFileError` naming the file, the line and what is
wrong. :func:`load_graph` logs what it read (people, ties, header, ignored columns).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from commsim.sim.errors import UserError
from commsim.sim.graph import CSRGraph

EDGE_LIST_SUFFIXES = (".csv", ".tsv", ".txt", ".edges")
log = logging.getLogger("commsim")


class GraphFileError(UserError, ValueError):
    """A graph file could not be read; the message names file, line and problem."""


def load_graph(path: str | Path, fmt: str = "auto", header: bool | None = None,
               delimiter: str | None = None) -> CSRGraph:
    """Read ``path`` (edge list or GraphML) into a :class:`CSRGraph`.

    Node labels are kept in ``graph.labels`` in order of first appearance.
    """
    path = Path(path)
    if not path.is_file():
        raise GraphFileError(f"{path}: no such file (network.path must name an edge list or GraphML file)")
    if fmt == "auto":
        suffix = path.suffix.lower() if path.suffix.lower() != ".gz" else Path(path.stem).suffix.lower()
        if suffix == ".graphml":
            fmt = "graphml"
        elif suffix in EDGE_LIST_SUFFIXES:
            fmt = "csv"
        else:
            raise GraphFileError(
                f"{path}: cannot tell the format from the suffix {suffix!r}; use .csv, .tsv, .txt, "
                ".edges or .graphml, or set network.format to csv, tsv or graphml"
            )
    if fmt == "graphml":
        return _load_graphml(path)
    if fmt in ("csv", "tsv"):
        return _load_edge_list(path, header, delimiter)
    raise GraphFileError(f"{path}: unknown format {fmt!r}; allowed: auto, csv, tsv, graphml")


def _load_edge_list(path: Path, header: bool | None, delimiter: str | None) -> CSRGraph:
    from commsim.sim.delimited import DELIMITER_NAMES, read_rows

    read = read_rows(path, delimiter, GraphFileError, setting="network.delimiter", what="the edge list",
                     one_column="an edge list needs a source and a target per line (source,target)")
    rows, numbers = read.rows, read.line_numbers
    reason = "given (network.header)" if header is not None else ""
    if header is None:
        header, reason = _looks_like_header(rows)
    names = rows[0] if header else None
    body, body_numbers = (rows[1:], numbers[1:]) if header else (rows, numbers)
    if not body:
        raise GraphFileError(f"{path}: a header line and no ties")
    for row, number in zip(body, body_numbers):
        if not row[0] or not row[1]:
            raise GraphFileError(f"{path}, line {number}: an empty {'source' if not row[0] else 'target'}: "
                                 f"{DELIMITER_NAMES.get(read.delimiter, read.delimiter)}-separated fields {row[:4]}")
    labels: dict[str, int] = {}
    src = np.empty(len(body), np.int64)
    dst = np.empty(len(body), np.int64)
    for i, row in enumerate(body):
        src[i] = labels.setdefault(row[0], len(labels))
        dst[i] = labels.setdefault(row[1], len(labels))
    graph = CSRGraph.from_edges(src, dst, len(labels), labels=np.array(list(labels), dtype=object))
    ignored = (names[2:] if names else [f"column {i + 1}" for i in range(2, len(rows[0]))])
    log.info("read %s: %d people, %d ties from %d lines (%s-separated; %s%s)%s", path, len(labels),
             graph.n_edges, len(body),
             DELIMITER_NAMES.get(read.delimiter, read.delimiter),
             f"header {names[:2]}" if header else "no header line", f", {reason}" if reason else "",
             f"; ignored: {', '.join(ignored)}" if ignored else "")
    return graph


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_header(rows: list[list[str]]) -> tuple[bool, str]:
    """Whether the first row names the columns, decided from the data (see the module docstring)."""
    first, rest = rows[0][:2], [r[:2] for r in rows[1:]]
    if not rest:
        return False, "one line only: read as a tie"
    if not any(map(_is_number, first)) and all(_is_number(v) for r in rest for v in r):
        return True, "the first line is words above numeric ids (network.header=false to read it as a tie)"
    seen: dict[str, int] = {}
    for r in rest:
        for v in set(r):
            seen[v] = seen.get(v, 0) + 1
    shares = sum(1 for r in rest if any(seen[v] > 1 for v in r)) / len(rest)
    if not any(v in seen for v in first) and len(rest) >= 2 and shares >= 0.5:
        return True, (f"no one named on the first line appears again, while {shares:.0%} of the other lines share "
                      f"a person (network.header=false to read it as a tie)")
    return False, ""


def _load_graphml(path: Path) -> CSRGraph:
    import xml.etree.ElementTree as ET

    import networkx as nx

    try:
        graph = nx.read_graphml(path)
    except ET.ParseError as err:
        line, _col = err.position
        raise GraphFileError(f"{path}, line {line}: not valid GraphML/XML ({err.msg})") from None
    except (nx.NetworkXError, KeyError, ValueError) as err:
        raise GraphFileError(f"{path}: not a readable GraphML graph ({err})") from None
    if graph.number_of_nodes() == 0:
        raise GraphFileError(f"{path}: the graph has no nodes")
    return CSRGraph.from_networkx(graph)
