"""How runs are run: the settings of the commands, apart from the model config.

The model config (:class:`sim.config.Config`) holds what determines a run's
numbers; this module adds what does not -- terminal progress, whether a
finished run may be overwritten, sweep names, comparisons. Hydra composes both
into one config (:data:`AppConfig`, registered as ``base_config``), so the
command-line keys are flat as users know them (``days=365 progress=never
compare.replicates=10``); :func:`load` splits it again and validates each part,
reporting every problem at once. A run's config hash covers the model part
only (plus the model version), so adding a setting here never invalidates a
finished run.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from typing import Any

from sim.calendar import CalendarConfig
from sim.config import MODEL_KEYS, NETWORK_KINDS, Config, PopulationConfig, validate
from sim.day import BehaviourConfig
from sim.errors import ConfigError
from sim.metrics import DEFAULT_KPIS, KPIS
from sim.params import param
from sim.progress import MODES
from sim.schema import build

NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass
class CompareSettings:
    name: str = param("comparison", "name of the comparison; its report lands in results/reports/<name>/")
    baseline: str = param("baseline", "the scenario every other one is compared against")
    scenarios: dict[str, list[str]] = param(
        None, "scenario name -> Hydra overrides, e.g. {kol: [plan=kol_seeding]}", factory=dict)
    replicates: int = param(5, "replicate seeds per scenario, shared by all scenarios (at least 2)", ge=1)
    first_seed: int = param(0, "replicate seeds are first_seed, first_seed + 1, ...", ge=0)
    jobs: int = param(1, "runs in parallel (processes)", ge=1)
    kpis: list[str] = param(None, "summary KPIs in the report (docs/metrics.md); the first is the headline",
                            factory=lambda: list(DEFAULT_KPIS))

    def check(self) -> list[str]:
        problems = []
        if self.replicates < 2:
            problems.append(f"replicates: {self.replicates} is too few; confidence intervals need at "
                            f"least 2 replicates per scenario (5-20 is typical)")
        if self.scenarios and self.baseline not in self.scenarios:
            problems.append(f"baseline: {self.baseline!r} is not one of the scenarios ({', '.join(self.scenarios)})")
        if not self.kpis:
            problems.append("kpis: empty; list at least one KPI (the first is the headline)")
        for label, name in [("name", self.name)] + [(f"scenarios.{s}", s) for s in self.scenarios]:
            if not NAME.fullmatch(name) or name in (".", ".."):
                problems.append(f"{label}: {name!r} must be a plain name (letters, digits, _ . -): it names a folder")
        for i, kpi in enumerate(self.kpis):
            if kpi not in KPIS:
                problems.append(f"kpis[{i}]: unknown KPI {kpi!r}; available: {', '.join(KPIS)}")
        return problems


@dataclass
class OutputSettings:
    activity_log: bool = param(False, "also write activity_log.parquet and interactions.parquet (who was active "
                               "on which day; docs/metrics.md)")


@dataclass
class Settings:
    progress: str = param("auto", "terminal progress: auto (work over 2 s), always, never", choices=MODES)
    overwrite: bool = param(False, "re-run into an output dir that already holds a finished run")
    sweep_name: str = param("sweep", "multirun jobs land in results/sweeps/<sweep_name>/<overrides>/; "
                            "re-running a sweep with the same name resumes it")
    compare: CompareSettings = field(default_factory=CompareSettings)
    outputs: OutputSettings = field(default_factory=OutputSettings)


SETTINGS_KEYS = tuple(f.name for f in dataclasses.fields(Settings))
assert not set(SETTINGS_KEYS) & set(MODEL_KEYS), "a setting must not shadow a model key"



def _fields_of(*classes):
    for cls in classes:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            yield f.name, hints[f.name], dataclasses.field(default=f.default, default_factory=f.default_factory,
                                                           metadata=f.metadata)


# What Hydra composes: the model config and the settings side by side, flat.
AppConfig = dataclasses.make_dataclass("AppConfig", list(_fields_of(Config, Settings)), module=__name__)


def register_configs() -> None:
    """Register the schemas with Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="base_config", node=AppConfig)
    for kind, cls in NETWORK_KINDS.items():
        cs.store(group="network", name=f"schema_{kind}", node=cls)
    cs.store(group="population", name="schema", node=PopulationConfig)
    cs.store(group="behaviour", name="schema", node=BehaviourConfig)
    cs.store(group="calendar", name="schema", node=CalendarConfig)


def split(data: dict) -> tuple[dict, dict]:
    """Plain composed data -> (model part, settings part). Unknown top-level keys stay with the model
    part, whose validation names them."""
    data = {k: v for k, v in data.items() if k != "hydra"}
    settings = {k: data.pop(k) for k in SETTINGS_KEYS if k in data}
    return data, settings


def load(cfg: Any) -> tuple[Config, Settings]:
    """Validate a composed config (DictConfig or dict): the model config and the settings."""
    from sim.config import plain

    model_data, settings_data = split(plain(cfg))
    problems: list[str] = []
    try:
        config = validate(model_data)
    except ConfigError as err:
        problems += err.problems
        config = None
    settings = build(Settings, settings_data, "", problems)
    if problems:
        raise ConfigError(problems)
    return config, settings


def model_config(cfg: Any) -> Config:
    """Just the validated model config of a composed config (the settings are checked too)."""
    return load(cfg)[0]
