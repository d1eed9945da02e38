"""A calibrated twin: the model config that ``calibration=<dir>`` puts under a run.

``python -m experiments.calibrate`` writes ``calibrated.yaml`` into its run directory: the
community's graph (from the interactions before the training cut-off), its arrivals, its
calendar and the fitted behaviour parameters (posterior medians), plus a list of posterior
draws (``posterior.parquet``, resampled by weight). :func:`apply` puts those values under a
model config -- every key the user sets explicitly still wins -- and, with
``calibration_draw=k``, takes the fitted parameters of the k-th posterior draw instead of the
medians (comparisons give each replicate its own draw, so their intervals carry parameter
uncertainty as well as seed noise). A what-if starts from the end of the log
(:func:`starting_config`): day 1 is the day after it.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from commsim.sim.errors import ConfigError

FILE = "calibrated.yaml"
PATH_KEYS = (("network", "path"), ("population", "arrivals_file"), ("population", "state_file"), ("calendar", "file"))


def resolve_paths(config: dict, folder) -> dict:
    """The twin's file paths (stored relative to its calibration directory) made usable from here."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in config.items()}
    for group, key in PATH_KEYS:
        value = out.get(group, {}).get(key) if isinstance(out.get(group), dict) else None
        if value and not Path(value).is_absolute():
            out[group][key] = str(Path(folder) / value)
    return out


_PARSED: dict = {}  # calibrated.yaml's absolute path -> ((mtime_ns, size), its contents), in this process


def load(path) -> dict:
    """The contents of ``<path>/calibrated.yaml`` (refusing an unfinished calibration): a copy of
    the file as parsed once per process and file version. Every config with ``calibration=<dir>`` is
    checked against it, in the command and in each worker; parsing CollegeMsg's (83 kB, 200 draws)
    with PyYAML's Python parser took 138 ms, with libyaml's 17 ms; a copy takes about 1 ms."""
    folder = Path(path)
    spec = folder / FILE
    if not spec.is_file():
        raise ConfigError([f"calibration: {str(path)!r} holds no {FILE}; give the run directory of "
                           f"commsim calibrate (e.g. results/calibrations/<name>)"])
    if not (folder / "DONE").is_file():
        raise ConfigError([f"calibration: {str(path)!r} is not a finished calibration (no DONE marker); "
                           f"run the same commsim calibrate command again to finish it"])
    info = spec.stat()
    stamp, where = (info.st_mtime_ns, info.st_size), str(spec.absolute())
    cached = _PARSED.get(where)
    if cached is None or cached[0] != stamp:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when there: the same data
        try:
            data = yaml.load(spec.read_text(), Loader=loader) or {}
        except yaml.YAMLError as err:
            raise ConfigError([f"calibration: {spec} is not valid YAML ({err})"]) from None
        if not isinstance(data, dict) or "config" not in data or "draws" not in data:
            raise ConfigError([f"calibration: {spec} has no 'config' and 'draws' sections; was it written by "
                               f"commsim calibrate?"])
        cached = _PARSED[where] = (stamp, data)
    return copy.deepcopy(cached[1])


def flatten(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten(value, dotted))
        else:
            out[dotted] = value
    return out


def explicitly_set(key: str, explicit: set[str]) -> bool:
    """Whether ``key`` or a group holding it (``calendar.events`` for ``calendar.events.1.activity``) was set."""
    parts = key.split(".")
    return any(".".join(parts[:i]) in explicit for i in range(1, len(parts) + 1))


def set_dotted(tree: dict, dotted: str, value) -> None:
    """Set ``a.b.c`` in a nested dict, making the dicts on the way; a numeric part indexes a list
    (``calendar.events.2.activity``), so a posterior draw can set one fitted event's activity."""
    *parents, leaf = dotted.split(".")
    node = tree
    for part in parents:
        if isinstance(node, list):
            node = node[int(part)]
            continue
        child = node.get(part)
        if not isinstance(child, (dict, list)):
            child = node[part] = {}
        node = child
    if isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value


def apply(data: dict, explicit: set[str]) -> dict:
    """``data`` (a plain model-config dict) with the calibrated values of ``data["calibration"]``
    put under every key not in ``explicit`` (dotted keys, or groups such as ``network``)."""
    folder = data.get("calibration")
    if not folder:
        return data
    spec = load(folder)
    config = resolve_paths(starting_config(spec), folder)
    if "network" in config and not any(k == "network" or k.startswith("network.") for k in explicit):
        data["network"] = dict(config.pop("network"))  # a network is one kind: replace it whole
    values = flatten(config)
    drawn: dict = {}
    draw = data.get("calibration_draw")
    if draw is not None:
        draws = spec["draws"]
        if not draws:
            raise ConfigError([f"calibration_draw: {folder} has no posterior draws"])
        drawn = draws[int(draw) % len(draws)]
        if spec.get("today") and not replays(spec):  # the log's dated events lie before a what-if starts
            drawn = {k: v for k, v in drawn.items() if not k.startswith("calendar.events.")}
        values.update(drawn)
    for key, value in values.items():
        if not explicitly_set(key, explicit):
            set_dotted(data, key, copy.deepcopy(value))
    if replays(spec) and explicitly_set("calendar.events", explicit):
        # events set for the what-if join the log's (fitted, drawn), which its replay runs through first
        past = {"events": copy.deepcopy(config["calendar"]["events"])}
        for key, value in drawn.items():
            if key.startswith("calendar.events."):
                set_dotted(past, key.removeprefix("calendar."), copy.deepcopy(value))
        calendar = data.setdefault("calendar", {})
        calendar["events"] = past["events"] + list(calendar.get("events") or [])
    return data


def replays(spec: dict) -> bool:
    """Whether what-ifs on this twin replay its log before day 1 (``calibrate.start=replay``)."""
    return bool(((spec.get("today") or {}).get("config") or {}).get("history_days"))


def starting_config(spec: dict) -> dict:
    """The model config a what-if on the twin starts from: the fitted behaviour with the community
    as the whole log leaves it (``today``: its graph, and either the log replayed before day 1 --
    ``history_days``, the fitted calendar's dated events moved into that past -- or each person's
    state; the calendar from the next day on), so that ``days=N`` are the N days after the log. The training window's own
    set-up (arrivals from day 1, its length, its past campaigns) is what the calibration fitted on,
    not where a what-if starts; the fitted responses to those campaigns (``strategies.*``) carry over. A calibration written before ``today`` existed starts as it did."""
    config = copy.deepcopy(spec["config"])
    today = spec.get("today")
    if not today:
        return config
    for key in ("days", "plan", "strategies"):
        config.pop(key, None)
    for key, fitted in (spec.get("parameters") or {}).items():
        if key.startswith("strategies."):  # how members answered a past campaign: fitted, it carries over
            set_dotted(config, key, fitted["value"])
    config["network"] = copy.deepcopy(today["config"]["network"])
    config.setdefault("population", {}).update(copy.deepcopy(today["config"]["population"]))
    config.setdefault("calendar", {}).update(copy.deepcopy(today["config"]["calendar"]))
    if replays(spec):  # the log's days are replayed before day 1: its dated events (fitted) with them
        past = today["config"]["history_days"]
        config["history_days"] = past
        config["calendar"]["events"] = [{**event, "start": event["start"] - past, "end": event["end"] - past}
                                        for event in (spec["config"].get("calendar") or {}).get("events") or []]
    return config


def leaf_keys(tree: dict, prefix: str = "") -> set[str]:
    """Dotted keys of the values a user set in a Python config: the leaves (a dict given for a group
    such as ``population`` sets only the keys it holds, so the twin's other values still apply)."""
    keys = set()
    for key, value in tree.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            keys |= leaf_keys(value, dotted)
        else:
            keys.add(dotted)
    return keys
