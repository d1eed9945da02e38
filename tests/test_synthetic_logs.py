"""The forecast bench's generated communities have the structure they are said to have, measured
with the same code that measures a real export (sim/log_io.py, sim/observed.py)."""

import numpy as np
import pytest

from commsim.experiments.analyses.synthetic_logs import KINDS, generate, write
from commsim.sim.log_io import read_log
from commsim.sim.observed import daily


def observed_dau(kind, tmp_path):
    path = write(kind, tmp_path / f"{kind}.csv.gz")
    activity, _ = read_log(str(path), day_start="midnight")
    return daily(activity).dau.to_numpy(float)


@pytest.mark.parametrize("kind", ["workplace", "growing", "declining", "bursty", "tiny"])
def test_each_generated_community_has_its_stated_structure(kind, tmp_path):
    dau = observed_dau(kind, tmp_path)
    weekday = (np.arange(len(dau)) % 7) < 5  # day 0 is Monday 2024-01-01
    first, last = dau[7:35].mean(), dau[-28:].mean()
    if kind == "workplace":
        open_days = np.ones(len(dau), bool)
        open_days[84:91] = False
        assert (dau[84:91] == 0).all(), "the holiday week is silent"
        ratio = dau[~weekday & open_days].mean() / dau[weekday & open_days].mean()
        assert ratio < 0.25, f"weekends at {ratio:.2f} of weekdays"
    elif kind == "growing":
        assert last > 3 * first
    elif kind == "declining":
        assert last < 0.4 * first
    elif kind == "bursty":
        burst = np.zeros(len(dau), bool)
        for b in KINDS["bursty"].bursts:
            burst[b:b + 2] = True
        assert dau[burst].mean() > 2 * dau[~burst].mean()
    elif kind == "tiny":
        assert len(set(generate("tiny").user)) <= 50
        assert 0.8 < last / first < 1.25, "steady"


def test_a_generated_community_is_the_same_for_a_seed_and_unknown_kinds_are_refused():
    assert generate("tiny", 3).equals(generate("tiny", 3))
    assert not generate("tiny", 3).equals(generate("tiny", 4))
    with pytest.raises(ValueError, match="unknown community kind 'office'"):
        generate("office")
