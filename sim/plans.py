"""Named plans from Python: ``simulate({"plan": "kol_seeding"})``.

A named plan is a file of ``configs/plan/`` (the same files ``plan=kol_seeding`` selects on the
command line): its ``plan`` node and any strategy settings it fixes. :func:`plan_layer` gives those
settings for a nested override dict that names a plan; :func:`sim.defaults.default_config` puts them
under every key the dict sets itself.
"""

from __future__ import annotations

from pathlib import Path

from commsim.sim.errors import ConfigError

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


def plan_layer(overrides: dict) -> tuple[dict, dict]:
    """``(layer, rest)``: the settings of the named plan ``overrides`` asks for (empty if none) and
    the overrides to merge on top of them. ``{"plan": "kol_seeding", ...}`` names one;
    ``{"plan": {"name": "kol_seeding", "budget": 5000}}`` does too when ``name`` is a named plan
    and no ``strategies`` list is given."""
    plan = overrides.get("plan")
    if isinstance(plan, str):
        return named(plan), {k: v for k, v in overrides.items() if k != "plan"}
    if isinstance(plan, dict) and isinstance(plan.get("name"), str) and "strategies" not in plan \
            and plan["name"] in available():
        return named(plan["name"]), overrides
    return {}, overrides
