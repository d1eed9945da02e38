"""Parameter declarations: one home for every parameter's default, range, unit, reason and source.

A parameter is a dataclass field made by :func:`param` (or :func:`prob` for a
probability), declared next to the mechanism that uses it::

    habit: float = param(4.5, "log-odds per unit of habit strength", ge=0, unit="log-odds",
                         plausible=(2.0, 6.0), source=literature("Wood & Neal 2007"),
                         why="habit is the strongest predictor of repeat use")

Everything else reads the declaration: the config validator (type, ``ge`` /
``le`` / ``gt`` / ``lt`` / ``choices``), Hydra (the dataclass is the
structured-config schema; the YAML files add nothing), the docs tables
(``experiments.make_docs``), kernels (:func:`coefficient_type` gives a named
tuple of a group's numbers, so a kernel reads ``c.habit``, never ``coef[1]``),
and calibration and sensitivity analysis (:func:`declared` lists ``plausible``
ranges and provenance).

Provenance (:class:`Source`) says where a default comes from: ``assumed`` (a
modelling judgement, to be calibrated or swept), ``literature`` (with the
citation), ``fitted`` (by a calibration, with its data) or ``user`` (set by the
user for their community).
"""

from __future__ import annotations

import dataclasses
import operator
import types
import typing
from collections import namedtuple
from dataclasses import dataclass
from typing import Any

SOURCE_KINDS = ("assumed", "literature", "fitted", "user")
PRICE_CURRENCY = "CNY"  # the unit of every default price (unit="currency"; docs/prices.md)


@dataclass(frozen=True)
class Source:
    """Where a parameter's value comes from."""

    kind: str
    citation: str = ""

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"source kind {self.kind!r}; allowed: {', '.join(SOURCE_KINDS)}")
        if self.kind == "literature" and not self.citation:
            raise ValueError("a literature source needs its citation")

    def __str__(self) -> str:
        return f"{self.kind}: {self.citation}" if self.citation else self.kind


ASSUMED = Source("assumed")


def literature(citation: str) -> Source:
    return Source("literature", citation)


def fitted(detail: str) -> Source:
    return Source("fitted", detail)


def param(default: Any, doc: str, *, unit: str = "", why: str = "", source: Source = ASSUMED,
          plausible: tuple[float, float] | None = None, ge=None, le=None, gt=None, lt=None, choices=None,
          factory=None, lever: bool = False):
    """A declared parameter (a dataclass field carrying its documentation and ranges).

    ``ge``/``le``/``gt``/``lt``/``choices`` are hard bounds (the validator refuses
    values outside); ``plausible`` is the range a value is believed to lie in,
    which calibration samples its prior from and sensitivity analysis varies over.
    ``factory`` makes a mutable default (a list or dict) for each instance. ``lever`` marks a
    strategy parameter the operator chooses (the optimiser searches it over ``plausible`` or
    ``choices``); the others are responses of the community, to be measured or calibrated.
    """
    meta = {"doc": doc, "unit": unit, "why": why, "source": source, "plausible": plausible,
            "ge": ge, "le": le, "gt": gt, "lt": lt, "choices": choices, "lever": lever}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def prob(default: float, doc: str, **kw):
    """A probability (or share) in [0, 1]."""
    kw.setdefault("unit", "probability")
    return param(default, doc, ge=0.0, le=1.0, **kw)


@dataclass(frozen=True)
class ParamInfo:
    """One declared parameter, as read from its dataclass field."""

    key: str  # dotted config key, e.g. behaviour.activity.habit
    name: str
    type: Any
    default: Any
    doc: str
    unit: str
    why: str
    source: Source
    plausible: tuple[float, float] | None
    ge: Any = None
    le: Any = None
    gt: Any = None
    lt: Any = None
    choices: tuple | None = None
    lever: bool = False

    @property
    def numeric(self) -> bool:
        return self.type in (int, float)

    def bounds_text(self) -> str:
        """The hard bounds and choices in words: ``(≥ 0, ≤ 1)``, ``(auto / always / never)``."""
        parts = []
        for key, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{sym} {format_number(value)}")
        if self.choices:
            parts.append(" / ".join(map(str, self.choices)))
        return f" ({', '.join(parts)})" if parts else ""

    def allows(self, value) -> bool:
        """Whether ``value`` lies within the hard bounds."""
        return not ((self.ge is not None and value < self.ge) or (self.le is not None and value > self.le)
                    or (self.gt is not None and value <= self.gt) or (self.lt is not None and value >= self.lt))


def format_number(x) -> str:
    """A number as the docs and messages print it (1e-05, 50,000,000, 0.25)."""
    if isinstance(x, float) and x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:g}"
    return f"{x:,}" if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 9999 else f"{x}"


def _plain_type(tp):
    """``Optional[int]`` -> ``int``; everything else as it is."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def declared(cls, prefix: str) -> list[ParamInfo]:
    """Every declared parameter of dataclass ``cls``, with dotted keys under ``prefix``."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        out.append(ParamInfo(
            key=f"{prefix}.{f.name}" if prefix else f.name, name=f.name, type=_plain_type(hints[f.name]),
            default=default, doc=meta.get("doc", ""), unit=meta.get("unit", ""), why=meta.get("why", ""),
            source=meta.get("source", ASSUMED), plausible=meta.get("plausible"),
            ge=meta.get("ge"), le=meta.get("le"), gt=meta.get("gt"), lt=meta.get("lt"),
            choices=meta.get("choices"), lever=meta.get("lever", False),
        ))
    return out


def coefficient_type(cls, typename: str, module: str):
    """A named-tuple type of the numeric parameters of ``cls``, for numba kernels.

    Define it at module level under ``typename`` (so that pickling and numba's
    on-disk cache find it): ``ActivityCoefficients = coefficient_type(ActivityParams,
    "ActivityCoefficients", __name__)``.
    """
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if hints[f.name] in (int, float)]
    tuple_type = namedtuple(typename, names, module=module)
    tuple_type._read = operator.attrgetter(*names)
    return tuple_type


def coefficients(params, tuple_type):
    """``params``' numeric values as ``tuple_type`` (all as floats: kernels compute in float64).

    Read afresh on every call (a few microseconds), so a kernel always sees the parameters as
    they are now."""
    return tuple_type._make(map(float, tuple_type._read(params)))
