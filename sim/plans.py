"""Named plans from Python: ``simulate({"plan": "kol_seeding"})``.

A named plan is a file of ``configs/plan/`` (the same files ``plan=kol_seeding`` selects on the
command line): its ``plan`` node and any strategy settings it fixes. :func:`expand` turns a plan
name in a nested override dict into those settings, under every key the dict sets itself.
"""

from __future__ import annotations

import copy
from pathlib import Path

from sim.errors import ConfigError

PLANS_DIR = Path(__file__).resolve().parents[1] / "configs" / "plan"


def available() -> list[str]:
    return sorted(p.stem for p in PLANS_DIR.glob("*.yaml"))


def named(name: str) -> dict:
    """The settings plan ``name`` fixes: ``{"plan": {...}, "strategies": {...}}``."""
    import yaml

    path = PLANS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError([f"plan: unknown plan {name!r}; available: {', '.join(available())}"])
    data = yaml.safe_load(path.read_text()) or {}
    return {k: v for k, v in data.items() if k in ("plan", "strategies")}


def expand(overrides: dict) -> dict:
    """``{"plan": "kol_seeding", ...}`` -> the plan's settings merged under the other overrides;
    ``{"plan": {"name": "kol_seeding", "budget": 5000}}`` works too when ``name`` is a named plan
    and no ``strategies`` list is given."""
    from sim.defaults import deep_merge

    plan = overrides.get("plan")
    if isinstance(plan, str):
        rest = {k: v for k, v in overrides.items() if k != "plan"}
        return deep_merge(named(plan), copy.deepcopy(rest))
    if isinstance(plan, dict) and isinstance(plan.get("name"), str) and "strategies" not in plan \
            and plan["name"] in available():
        return deep_merge(named(plan["name"]), copy.deepcopy(overrides))
    return overrides
