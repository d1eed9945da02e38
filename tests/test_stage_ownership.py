"""Every stage declares the state it owns and reads; an audited model checks that a stage changes
only what it owns, and the declared reads cover what each member-behaviour module reads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from commsim.sim import CommunityModel
from commsim.sim.day import DAY_PLAN
from commsim.sim.errors import StageContractError
from commsim.sim.population import Population
from commsim.sim.stages import Stage

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted(p.stem for p in (ROOT / "configs" / "plan").glob("*.yaml"))


@pytest.mark.parametrize("plan", PLANS)
def test_every_named_plan_changes_only_what_each_stage_owns(plan):
    model = CommunityModel({"days": 40, "seed": 5, "network": {"kind": "barabasi_albert", "n": 1200, "m": 4},
                            "crisis": {"day": 8}, "plan": plan}, activity_log=True, audit=True)
    for _ in range(40):
        model.step()  # raises StageContractError on a write the stage does not own


def test_a_write_a_stage_does_not_own_is_named():
    model = CommunityModel({"days": 5, "network": {"n": 300}}, audit=True)
    state = next(i for i, s in enumerate(DAY_PLAN) if s.name == "state")
    real = DAY_PLAN[state]

    def sneaky(m, params):
        out = real.run(m, params)
        m.population.points[:] += 1.0  # points belong to the act stage
        return out

    model.day_plan = DAY_PLAN[:state] + (Stage(real.name, sneaky, real.doc, real.group, real.params, real.outputs,
                                               real.owns, real.reads),) + DAY_PLAN[state + 1:]
    with pytest.raises(StageContractError, match=r"stage 'state' changed population.points, which it does not own"):
        model.step()


def test_a_new_model_attribute_set_by_a_stage_is_named():
    model = CommunityModel({"days": 5, "network": {"n": 300}}, audit=True)
    census = next(i for i, s in enumerate(DAY_PLAN) if s.name == "census")
    real = DAY_PLAN[census]

    def adhoc(m, params):
        m.my_counter = 1
        return real.run(m, params)

    model.day_plan = DAY_PLAN[:census] + (Stage(real.name, adhoc, real.doc, outputs=real.outputs),) + DAY_PLAN[census + 1:]
    with pytest.raises(StageContractError, match="model.my_counter"):
        model.step()


def test_the_audit_does_not_change_the_numbers():
    cfg = {"days": 30, "seed": 3, "network": {"n": 800}, "plan": "all_strategies"}
    a, b = CommunityModel(cfg, audit=True), CommunityModel(cfg)
    for _ in range(30):
        a.step(), b.step()
    assert a.timeseries().equals(b.timeseries())


@pytest.mark.parametrize("stage", [s for s in DAY_PLAN if s.group], ids=lambda s: s.name)
def test_declared_reads_cover_the_population_arrays_a_member_rule_uses(stage):
    module = ROOT / "agents" / f"{stage.run.__module__.rsplit('.', 1)[-1]}.py"
    used = set(re.findall(r"\b(?:pop|population)\.([a-z_]+)\b", module.read_text()))
    arrays = used & {f.name for f in dataclasses.fields(Population) if "ndarray" in str(f.type)}  # stored arrays
    declared = {n.removeprefix("population.") for n in (*stage.reads, *stage.owns)}
    assert arrays <= declared, f"{stage.name} reads {sorted(arrays - declared)} without declaring it"
