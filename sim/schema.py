"""Validate plain data against a dataclass schema, collecting every problem with its dotted key.

:func:`build` turns nested dicts (from YAML, Hydra or Python) into dataclass
instances: unknown keys, missing values (``???``), wrong types, NaN/inf and
values outside a field's declared range (:mod:`sim.params`) are each reported
as ``dotted.key: what is wrong; what is allowed``. A dataclass may add a
``check()`` method returning further problems (relative to its own keys); a
field may carry its own builder in ``metadata["build"]``. The model config
(:mod:`sim.config`) and the experiment settings (``experiments.settings``) both
use this one validator.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any, Callable

MISSING_VALUE = "???"  # OmegaConf's MISSING

# base class -> (discriminating key, {value: concrete class}), e.g. the network kinds
Variants = dict[type, tuple[str, dict[str, type]]]


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@functools.cache
def _type_hints(cls) -> dict:
    """The resolved annotations of a config dataclass (resolving them evaluates strings: 70% of a
    config's validation when done per call)."""
    return typing.get_type_hints(cls)


@functools.cache
def _fields(cls) -> dict:
    """A config dataclass's fields by name (``dataclasses.fields`` filters every attribute per call:
    a tenth of validating a config)."""
    return {f.name: f for f in dataclasses.fields(cls)}


def build(cls, data, path: str, problems: list[str], variants: Variants | None = None):
    """An instance of ``cls`` from ``data``, or None when a problem prevents it (recorded)."""
    variants = variants or {}
    if not isinstance(data, dict):
        problems.append(f"{path or 'config'}: expected a group of keys, got {data!r}")
        return None
    if cls in variants:
        key, kinds = variants[cls]
        kind = data.get(key, MISSING_VALUE)
        if kind not in kinds:
            what = f"{path.rsplit('.', 1)[-1]} {key}" if path else key
            problems.append(f"{join(path, key)}: unknown {what} {kind!r}; allowed: {', '.join(kinds)}")
            return None
        cls = kinds[kind]
    fields = _fields(cls)
    for key in data:
        if key not in fields:
            problems.append(f"{join(path, key)}: unknown key; allowed keys here: {', '.join(fields)}")
    hints = _type_hints(cls)
    values = {}
    before = len(problems)
    for name, f in fields.items():
        key = join(path, name)
        if name in data:
            raw = data[name]
        elif f.default is not dataclasses.MISSING:
            raw = f.default
        elif f.default_factory is not dataclasses.MISSING:
            raw = f.default_factory()
        else:
            raw = MISSING_VALUE
        if isinstance(raw, str) and raw == MISSING_VALUE:
            problems.append(f"{key}: no value given (it is required; set it as {key}=...)")
            continue
        custom: Callable | None = f.metadata.get("build")
        if custom is not None:
            values[name] = custom(raw, key, problems)
            continue
        values[name] = coerce(hints[name], raw, key, f.metadata, problems, variants)
    try:
        obj = cls(**values)
    except TypeError:
        return None  # a field failed; its problem is already recorded
    check = getattr(obj, "check", None)
    if check is not None and len(problems) == before:
        problems += [join(path, msg) for msg in check()]
    return obj


def coerce(tp, raw, key: str, meta, problems: list[str], variants: Variants | None = None) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if raw is None:
            return None
        return coerce(args[0], raw, key, meta, problems, variants)
    if dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(raw):
            raw = dataclasses.asdict(raw)
        return build(tp, raw, key, problems, variants)
    if origin is dict:
        if not isinstance(raw, dict):
            problems.append(f"{key}: expected a group of named entries, got {raw!r}")
            return {}
        _, value_type = typing.get_args(tp)
        return {str(k): coerce(value_type, v, f"{key}.{k}", {}, problems, variants) for k, v in raw.items()}
    if origin is list:
        if not isinstance(raw, (list, tuple)):
            problems.append(f"{key}: expected a list, got {raw!r}")
            return []
        (item,) = typing.get_args(tp)
        return [coerce(item, v, f"{key}[{i}]", {}, problems, variants) for i, v in enumerate(raw)]
    if tp is Any:
        return raw
    if tp is bool:
        if not isinstance(raw, bool):
            problems.append(f"{key}: expected true or false, got {raw!r}")
        return raw
    if tp is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            else:
                problems.append(f"{key}: expected a whole number, got {raw!r}")
                return raw
    elif tp is float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            problems.append(f"{key}: expected a number, got {raw!r}")
            return raw
        raw = float(raw)
        if not math.isfinite(raw):
            problems.append(f"{key}: expected a finite number, got {raw!r}")
            return raw
    elif tp is str:
        if not isinstance(raw, str):
            problems.append(f"{key}: expected text, got {raw!r}")
            return raw
    check_range(raw, key, meta, problems)
    return raw


def check_range(value, key: str, meta, problems: list[str]) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        problems.append(f"{key}: {value!r} is not allowed; choose one of {', '.join(map(str, choices))}")
        return
    lo, hi = meta.get("ge"), meta.get("le")
    glo, lhi = meta.get("gt"), meta.get("lt")
    bad = (
        (lo is not None and value < lo) or (hi is not None and value > hi)
        or (glo is not None and value <= glo) or (lhi is not None and value >= lhi)
    )
    if bad:
        problems.append(f"{key}: {value!r} is out of range; allowed: {describe_range(meta)}")


def describe_range(meta) -> str:
    """``[0, 1]``, ``(0, inf)``, ... from a field's bounds."""
    lo, hi = meta.get("ge"), meta.get("le")
    glo, lhi = meta.get("gt"), meta.get("lt")
    left = f"[{lo}" if lo is not None else (f"({glo}" if glo is not None else "(-inf")
    right = f"{hi}]" if hi is not None else (f"{lhi})" if lhi is not None else "inf)")
    return f"{left}, {right}"
