"""Hydra override lists, read one way everywhere (comparisons, sweeps, collection).

An override is ``key=value`` (``+key=value`` adds, ``~key`` deletes); a sweep
override lists several values (``key=1,2,3`` or ``key=range(5)``). Keys that
belong to the commands rather than the model (``progress``, ``overwrite``,
``sweep_name``, ``compare.*``) and Hydra's own (``hydra.*``) are *settings*:
they never make two runs differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from commsim.experiments.settings import SETTINGS_KEYS


@dataclass(frozen=True)
class Override:
    key: str
    values: frozenset[str]  # every value the override allows (one unless it is a sweep)
    sweep: bool
    text: str


def key_of(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def is_setting(key: str) -> bool:
    """Whether ``key`` configures a command or Hydra rather than the model."""
    head = key.split(".", 1)[0]
    return head in SETTINGS_KEYS or head == "hydra"


def parse(overrides: list[str]) -> list[Override]:
    """Parse with Hydra's own parser (raises Hydra's error, naming the bad override)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    out = []
    for text, o in zip(overrides, OverridesParser.create().parse_overrides(list(overrides))):
        if o.is_sweep_override():
            values, sweep = frozenset(o.sweep_string_iterator()), True
        else:
            values, sweep = frozenset({o.get_value_element_as_str()}), False
        out.append(Override(o.get_key_element(), values, sweep, text))
    return out


def model_overrides(overrides: list[str], drop: tuple[str, ...] = ()) -> list[str]:
    """The overrides that describe the model (settings and Hydra keys removed, and keys in ``drop``)."""
    return [o for o in overrides if not is_setting(key_of(o)) and key_of(o) not in drop]


def allowed_values(overrides: list[str]) -> dict[str, frozenset[str]]:
    """key -> the values an override list allows (Hydra keys left out)."""
    return {o.key: o.values for o in parse(overrides) if not o.key.startswith("hydra")}


def typed_value(text: str):
    """An override value as YAML reads it (numbers, booleans, null); lists and mappings stay as written
    so that they can label table columns."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str) and FLOAT.fullmatch(text.strip()):
        return float(text)  # 1e3: a number to Hydra (YAML 1.2), a string to PyYAML's YAML 1.1 ('1e3' stays text)
    return text if isinstance(value, (list, dict)) else value


FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def job_parameters(overrides: list[str]) -> dict:
    """A finished job's overrides as {key: typed value}, settings left out."""
    params = {}
    for item in overrides:
        key, _, value = item.lstrip("+~").partition("=")
        if not is_setting(key):
            params[key] = typed_value(value)
    return params
