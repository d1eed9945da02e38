"""Golden baseline: a few fixed scenarios reproduce their stored outputs bit for bit.

The stored outputs live in tests/baseline/ and are regenerated only on purpose
(``python tests/golden.py --regenerate "why"``, in a commit of its own).
"""

import pytest

import golden


@pytest.mark.parametrize("scenario", sorted(golden.SCENARIOS))
def test_scenario_reproduces_its_golden_outputs_exactly(scenario):
    problems = golden.differences(scenario)
    assert not problems, (
        "simulated numbers moved; if on purpose, bump sim/version.py MODEL_VERSION and run "
        "python tests/golden.py --regenerate '<why>' in a commit of its own:\n" + "\n".join(problems[:15]))


def test_golden_baseline_was_made_by_this_model_version():
    from commsim.sim.version import MODEL_VERSION

    assert golden.load_manifest()["model_version"] == MODEL_VERSION, (
        "MODEL_VERSION changed but the golden baseline was not regenerated under it")


def test_a_changed_number_is_caught(monkeypatch):
    """The comparison can fail: one perturbed value in one frame is reported with its place."""
    real = golden.produce

    def perturbed(name):
        out = real(name)
        out["timeseries"].loc[10, "shares"] += 1
        return out

    monkeypatch.setattr(golden, "produce", perturbed)
    problems = golden.differences("baseline")
    assert len(problems) == 1 and "timeseries.shares: first differs at row 10" in problems[0]
