"""``param()``: a dataclass field that carries its documentation and allowed range.

The validator in :mod:`sim.config` reads ``ge``/``le``/``gt``/``lt``/``choices``
from the metadata; docs and error messages read ``doc``.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def param(default: Any, doc: str, *, ge=None, le=None, gt=None, lt=None, choices=None):
    meta = {"doc": doc, "ge": ge, "le": le, "gt": gt, "lt": lt, "choices": choices}
    return dataclasses.field(default=default, metadata=meta)


def prob(default: float, doc: str):
    """A probability (or share) in [0, 1]."""
    return param(default, doc, ge=0.0, le=1.0)
