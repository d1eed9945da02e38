"""The fit's distance (experiments/analyses/calibration/targets.py) on targets of known shape."""

import math

import numpy as np
import pytest

from commsim.experiments.analyses.calibration.targets import RECENT_WEEKS, distance, errors


def _targets(dau):
    return {"dau": list(dau), "ever_active": [10.0] * len(dau), "retention": [0.5, 0.3],
            "participation": [0.4, 0.2]}


def test_the_recent_target_sees_only_the_last_weeks_and_the_dau_target_all_of_them():
    obs = _targets(np.full(12, 50.0))
    late = np.full(12, 50.0)
    late[-RECENT_WEEKS:] = np.expm1(np.log1p(50.0) + 0.3)  # the last 4 weeks 0.3 too high in log(1 + DAU)
    early = np.full(12, 50.0)
    early[:RECENT_WEEKS] = late[-1]
    e_late, e_early = errors(_targets(late), obs), errors(_targets(early), obs)
    assert e_late["recent"] == pytest.approx(0.3) and e_early["recent"] == 0.0
    assert e_late["dau"] == pytest.approx(e_early["dau"]) == pytest.approx(0.3 * math.sqrt(4 / 12))
    weights = {"dau": 1.0, "ever_active": 0.0, "retention": 0.0, "participation": 0.0}
    assert distance(_targets(late), obs, weights) == distance(_targets(early), obs, weights)
    weights["recent"] = 1.0
    assert distance(_targets(late), obs, weights) == pytest.approx(distance(_targets(early), obs, weights) + 0.3)


def test_the_recent_target_of_a_short_run_compares_the_blocks_both_have():
    obs = _targets([10.0, 20.0, 30.0])
    assert errors(_targets([10.0, 20.0, 30.0]), obs)["recent"] == 0.0
    assert errors(_targets([10.0, 20.0]), obs)["recent"] == 0.0, "the run's two blocks match the data's first two"
    assert math.isnan(errors(_targets([]), obs)["recent"])
