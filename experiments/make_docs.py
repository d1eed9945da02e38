"""Regenerate the generated tables in docs/ (model, strategies, metrics, classroom, calibration) from the code.

    python -m experiments.make_docs           # rewrite the tables in place
    python -m experiments.make_docs --check   # exit 1 if the docs are out of date (tests do this)

Tables sit between ``<!-- params:NAME -->`` and ``<!-- /params -->`` markers;
everything else in the docs is hand-written. Every row comes from a
declaration: parameters from their :func:`sim.params.param` fields (default,
range, unit, plausible range, source, rationale), the day plan from
:data:`sim.day.DAY_PLAN`, columns and KPIs from :mod:`sim.metrics`, so the docs
cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def table(cls, prefix: str, full: bool = True) -> str:
    """The Markdown table of a parameter dataclass. ``full`` adds unit, plausible range, source and rationale."""
    from commsim.sim.params import format_number, declared

    if full:
        lines = ["| key | default | meaning | unit | plausible range | source | rationale |",
                 "|---|---|---|---|---|---|---|"]
    else:
        lines = ["| key | default | meaning |", "|---|---|---|"]
    for info in declared(cls, prefix):
        default = info.default if not isinstance(info.default, float) else format_number(info.default)
        lever = " **Lever** (the optimiser searches it)." if info.lever else ""
        row = f"| `{info.key}` | `{default}` | {info.doc}{info.bounds_text()}{lever} |"
        if full:
            plausible = f"{format_number(info.plausible[0])} – {format_number(info.plausible[1])}" if info.plausible else ""
            row += f" {info.unit} | {plausible} | {info.source} | {info.why} |"
        lines.append(row)
    return "\n".join(lines)


def day_plan_table() -> str:
    from commsim.sim.day import DAY_PLAN

    lines = ["| # | stage | what happens | parameters | owns (the state it changes) | writes (columns) |",
             "|---|---|---|---|---|---|"]
    for i, stage in enumerate(DAY_PLAN, 1):
        group = f"`behaviour.{stage.group}`" if stage.group else ""
        writes = ", ".join(f"`{o}`" for o in stage.outputs)
        owns = ", ".join(f"`{o.removeprefix('population.')}`" for o in stage.owns)
        lines.append(f"| {i} | `{stage.name}` | {stage.doc} | {group} | {owns} | {writes} |")
    return "\n".join(lines)


def columns_table() -> str:
    from commsim.sim.metrics import COLUMNS

    return "\n".join(["| column | definition |", "|---|---|"] + [f"| `{c.name}` | {c.definition} |" for c in COLUMNS])


def kpis_table() -> str:
    from commsim.sim.metrics import KPIS

    arrow = {1: "higher is better", -1: "lower is better", 0: "neither"}
    lines = ["| key | formula | shown as | direction |", "|---|---|---|---|"]
    for k in KPIS.values():
        lines.append(f"| `{k.name}` | {k.formula} | {k.label} ({k.unit}) | {arrow[k.direction]} |")
    return "\n".join(lines)


def tables() -> dict[str, str]:
    import dataclasses

    from commsim.sim.config import PopulationConfig
    from commsim.sim.day import DAY_PLAN
    from commsim.strategies import registry

    from commsim.sim.calendar import CalendarConfig, CalendarEvent

    out = {"population": table(PopulationConfig, "population"), "day_plan": day_plan_table(),
           "columns": columns_table(), "kpis": kpis_table(), "calendar": table(CalendarConfig, "calendar"),
           "calendar_event": table(CalendarEvent, "calendar.events[i]", full=False)}
    for stage in DAY_PLAN:
        if stage.group:
            out[stage.group] = table(stage.params, f"behaviour.{stage.group}")
    for name in registry.available():
        params = registry.get(name).Params
        if dataclasses.fields(params):
            out[f"strategy:{name}"] = table(params, f"strategies.{name}")
    out["demo:levers"] = levers_table()
    from commsim.experiments.settings import (CalibrateSettings, CompareSettings, LogColumns, OptimizeSettings,
                                      RunnerSettings, SensitivitySettings, TargetWeights)

    out["calibrate"] = table(CalibrateSettings, "calibrate", full=False)
    out["calibrate_columns"] = table(LogColumns, "calibrate.columns", full=False)
    out["calibrate_weights"] = table(TargetWeights, "calibrate.weights", full=False)
    out["sensitivity"] = table(SensitivitySettings, "sensitivity", full=False)
    out["optimize"] = table(OptimizeSettings, "optimize", full=False)
    out["runner"] = table(RunnerSettings, "runner", full=False)
    out["compare"] = table(CompareSettings, "compare", full=False)
    from commsim.experiments.settings import ObserveSettings, ReportSettings, UncertaintySettings

    out["report"] = table(ReportSettings, "report", full=False)
    out["uncertainty"] = table(UncertaintySettings, "uncertainty", full=False)
    out["evidence"] = evidence_table()
    out["prices"] = prices_table()
    out["observe"] = table(ObserveSettings, "", full=False)
    return out


def prices_table() -> str:
    """Every money parameter (``unit="currency"``) with its default, in CNY, and where it comes from."""
    from commsim.sim import space
    from commsim.sim.params import PRICE_CURRENCY, format_number

    rows = [i for i in space.parameters().values() if i.unit == "currency" and i.default is not None]
    lines = [f"| parameter | default ({PRICE_CURRENCY}) | what it is | where the default comes from |",
             "|---|---|---|---|"]
    lines += [f"| `{i.key}` | {format_number(i.default)} | {i.doc} | {i.why or 'yours to set'} |" for i in rows]
    return "\n".join(lines)


def evidence_table() -> str:
    """Every response parameter of every strategy (sim/space.py ``responses()``) and the behaviour
    parameters the strategies act through: default, plausible range, and where it comes from --
    a study, or ``assumed`` where no source was found (never an assumption presented as evidence)."""
    from commsim.experiments.settings import PRIOR_PARAMETERS
    from commsim.sim import space
    from commsim.sim.params import format_number
    from commsim.strategies import registry

    def row(info) -> str:
        low, high = info.plausible
        source = (f"**{info.source.citation}**" if info.source.kind == "literature"
                  else "assumed: no published effect size found" if info.source.kind == "assumed" else str(info.source))
        why = f" {info.why}" if info.why else ""
        return (f"| `{info.key}` | {format_number(info.default)} | {format_number(low)} – {format_number(high)} | "
                f"{source} |{why} {info.doc} |")

    header = ["| parameter | default | plausible range (the prior) | source | what it is |", "|---|---|---|---|---|"]
    lines, counts = [], {"literature": 0, "all": 0}
    for name in registry.available():
        infos = space.responses(name)
        if not infos:
            continue
        lines += ["", f"**{name}**", "", *header, *(row(i) for i in infos)]
        counts["all"] += len(infos)
        counts["literature"] += sum(i.source.kind == "literature" for i in infos)
    behaviour = [space.model_parameters()[k] for k in space.expand(PRIOR_PARAMETERS, space.model_parameters())]
    lines += ["", "**the community's behaviour** (drawn by a robust comparison with the responses above)", "",
              *header, *(row(i) for i in behaviour)]
    counts["all"] += len(behaviour)
    counts["literature"] += sum(i.source.kind == "literature" for i in behaviour)
    return (f"{counts['literature']} of {counts['all']} parameters have a published source; the rest are assumed "
            f"and say so.\n" + "\n".join(lines))


def levers_table() -> str:
    """The classroom page's sliders and the config keys each one sets (experiments/demo/levers.py)."""
    from commsim.experiments.demo.levers import BASE_OVERRIDES, DEFAULTS, LEVERS

    lines = ["| control | range | default | sets |", "|---|---|---|---|"]
    for lever in LEVERS:
        span = " / ".join(lever.values) if lever.values else f"{lever.min:g} to {lever.max:g} by {lever.step:g}"
        sample = lever.values[-1] if lever.values else lever.max
        keys = [o.split("=")[0] for o in lever.to_overrides(sample, {**DEFAULTS, "network": "erdos_renyi"})]
        sets = ", ".join(f"`{k}`" for k in keys)
        if lever.strategy:
            sets += f"; 0 leaves `{lever.strategy}` out of the plan"
        lines.append(f"| {lever.label} | {span} | `{lever.default}` | {sets} |")
    lines.append("")
    lines.append("Fixed for every classroom run: " + ", ".join(f"`{o}`" for o in BASE_OVERRIDES) + ".")
    return "\n".join(lines)


MARKER = re.compile(r"(?P<open><!-- params:(?P<name>[\w:]+) -->)(?P<body>(?:(?!<!-- params:).)*?)<!-- /params -->", re.S)


def render(text: str, generated: dict[str, str]) -> str:
    def fill(match):
        name = match.group("name")
        if name not in generated:
            raise KeyError(f"no generated table called {name!r}")
        return f"{match.group('open')}\n{generated[name]}\n<!-- /params -->"
    return MARKER.sub(fill, text)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    generated = tables()
    stale = []
    for doc in ("docs/model.md", "docs/strategies.md", "docs/metrics.md", "docs/classroom.md", "docs/calibration.md",
                "docs/decisions.md", "docs/cluster.md", "docs/observe.md", "docs/evidence.md", "docs/prices.md"):
        path = ROOT / doc
        text = path.read_text()
        new = render(text, generated)
        if new != text:
            stale.append(doc)
            if "--check" not in argv:
                path.write_text(new)
    if stale and "--check" in argv:
        print(f"out of date: {', '.join(stale)}; run python -m experiments.make_docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
