"""Golden baseline: a few fixed scenarios reproduce their stored outputs (floats to 1e-12, the
last-bit differences of numpy's vectorised maths between CPU kinds; everything else exactly).

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


def test_a_float_off_by_more_than_its_last_digits_is_caught(monkeypatch):
    """Floats may differ in their last bits (CPU kinds), never by more: 1e-9 relative is a change."""
    real = golden.produce

    def nudged(name, factor):
        out = real(name)
        key = next(k for k, v in sorted(out["summary"].items()) if isinstance(v, float) and v == v and v != 0)
        out["summary"][key] *= factor
        return out

    monkeypatch.setattr(golden, "produce", lambda name: nudged(name, 1 + 1e-9))
    assert len(golden.differences("baseline")) == 1
    monkeypatch.setattr(golden, "produce", lambda name: nudged(name, 1 + 4e-16))
    assert golden.differences("baseline") == []
