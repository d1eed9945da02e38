"""Load a community's own social graph from a file.

Supported formats:

* edge list, ``.csv`` (comma) or ``.tsv`` / ``.txt`` / ``.edges`` (tab or
  whitespace): one tie per line, ``source<sep>target``, an optional header line
  (``source,target``), ``#`` comments and blank lines ignored. Node labels are
  arbitrary strings; extra columns (weights, dates) are ignored.
* GraphML (``.graphml``), read with networkx.

Every problem is reported as :class:`GraphFileError` naming the file, the line
and what is wrong, e.g. ``edges.csv, line 7: expected 2 columns
(source,target), found 1: '42'``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sim.errors import UserError
from sim.graph import CSRGraph

EDGE_LIST_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": None, ".edges": None}
HEADER_WORDS = {"source", "target", "src", "dst", "from", "to", "u", "v", "node1", "node2"}


class GraphFileError(UserError, ValueError):
    """A graph file could not be read; the message names file, line and problem."""


def load_graph(path: str | Path, fmt: str = "auto") -> CSRGraph:
    """Read ``path`` (edge list or GraphML) into a :class:`CSRGraph`.

    Node labels are kept in ``graph.labels`` in order of first appearance.
    """
    path = Path(path)
    if not path.is_file():
        raise GraphFileError(f"{path}: no such file (network.path must name an edge list or GraphML file)")
    if fmt == "auto":
        suffix = path.suffix.lower()
        if suffix == ".graphml":
            fmt = "graphml"
        elif suffix in EDGE_LIST_SUFFIXES:
            fmt = "csv" if suffix == ".csv" else "tsv"
        else:
            raise GraphFileError(
                f"{path}: cannot tell the format from the suffix {suffix!r}; use .csv, .tsv, .txt, "
                ".edges or .graphml, or set network.format to csv, tsv or graphml"
            )
    if fmt == "graphml":
        return _load_graphml(path)
    if fmt in ("csv", "tsv"):
        return _load_edge_list(path, "," if fmt == "csv" else None)
    raise GraphFileError(f"{path}: unknown format {fmt!r}; allowed: auto, csv, tsv, graphml")


def _load_edge_list(path: Path, delimiter: str | None) -> CSRGraph:
    labels: dict[str, int] = {}
    src: list[int] = []
    dst: list[int] = []
    splitter = (lambda line: [c.strip() for c in line.split(",")]) if delimiter else re.compile(r"\s+").split
    try:
        handle = path.open(encoding="utf-8")
        lines = handle.readlines()
        handle.close()
    except UnicodeDecodeError as err:
        raise GraphFileError(f"{path}: not a UTF-8 text file ({err.reason} at byte {err.start})") from None
    first_data_line = True
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cols = splitter(line)
        if len(cols) < 2 or not cols[0] or not cols[1]:
            sep = "comma" if delimiter else "tab or space"
            raise GraphFileError(
                f"{path}, line {number}: expected 2 {sep}-separated columns (source, target), "
                f"found {len([c for c in cols if c])}: {line[:80]!r}"
            )
        if first_data_line:
            first_data_line = False
            if cols[0].lower() in HEADER_WORDS and cols[1].lower() in HEADER_WORDS:
                continue
        for label in cols[:2]:
            if label not in labels:
                labels[label] = len(labels)
        src.append(labels[cols[0]])
        dst.append(labels[cols[1]])
    if not labels:
        raise GraphFileError(f"{path}: no ties found (the file is empty or all comments)")
    names = np.array(list(labels), dtype=object)
    return CSRGraph.from_edges(np.array(src), np.array(dst), len(labels), labels=names)


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
