"""Build the social graph a config asks for."""

from __future__ import annotations

import functools
from pathlib import Path

from commsim.sim import generators
from commsim.sim.graph import CSRGraph
from commsim.sim.graph_io import load_graph
from commsim.sim.random_streams import RandomStreams


def build_graph(net, streams: RandomStreams) -> CSRGraph:
    """The graph of a validated network config (see :mod:`sim.config`). A file graph is read once
    per process and reused while the file is unchanged (graphs are immutable)."""
    rng = streams.generator("network")
    kind = net.kind
    if kind == "barabasi_albert":
        return generators.barabasi_albert(net.n, net.m, rng)
    if kind == "erdos_renyi":
        return generators.erdos_renyi(net.n, net.mean_degree, rng)
    if kind == "watts_strogatz":
        return generators.watts_strogatz(net.n, net.k, net.rewire_p, rng)
    if kind == "powerlaw_cluster":
        return generators.powerlaw_cluster(net.n, net.m, net.triangle_p, rng)
    if kind == "stochastic_block":
        return generators.stochastic_block(net.n, net.groups, net.mean_degree, net.within_share, rng)
    if kind == "complete":
        return generators.complete(net.n)
    if kind == "karate":
        return generators.karate()
    if kind == "file":
        stat = Path(net.path).stat() if Path(net.path).is_file() else None
        if stat is None:
            return load_graph(net.path, net.format, net.header, net.delimiter)
        return _cached_file_graph(str(Path(net.path).resolve()), net.format, net.header, net.delimiter,
                                  stat.st_size, stat.st_mtime_ns)
    raise ValueError(f"unknown network kind {kind!r}")


@functools.lru_cache(maxsize=8)
def _cached_file_graph(path: str, fmt: str, header, delimiter, _size: int, _mtime: int) -> CSRGraph:
    return load_graph(path, fmt, header, delimiter)
