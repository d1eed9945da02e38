import math

import numpy as np
import pytest

from commsim.experiments.analyses.stats import mean_ci, paired_difference


def test_paired_ci_by_hand():
    # d = [1, 2, 3, 4]: mean 2.5, sd 1.2909944, se 0.6454972, t(0.975, 3) = 3.1824463
    ci = paired_difference([11, 12, 13, 14], [10, 10, 10, 10])
    assert ci.mean == pytest.approx(2.5)
    assert ci.low == pytest.approx(2.5 - 3.1824463 * 0.6454972, abs=1e-6)
    assert ci.high == pytest.approx(2.5 + 3.1824463 * 0.6454972, abs=1e-6)
    assert ci.excludes_zero and ci.n == 4


def test_difference_indistinguishable_from_zero():
    ci = paired_difference([1.0, 3.0, 2.0], [2.0, 2.0, 2.0])
    assert ci.mean == pytest.approx(0.0)
    assert not ci.excludes_zero


def test_pairing_removes_shared_noise():
    rng = np.random.default_rng(0)
    shared = rng.normal(0, 10, 30)
    base, plan = 100 + shared, 101 + shared + rng.normal(0, 0.1, 30)
    paired = paired_difference(plan, base)
    unpaired_half = 2.045 * math.sqrt(np.var(plan, ddof=1) / 30 + np.var(base, ddof=1) / 30)
    assert paired.excludes_zero
    assert (paired.high - paired.low) / 2 < unpaired_half / 20


def test_too_few_replicates_and_mismatched_pairs():
    with pytest.raises(ValueError, match="at least 2 replicates"):
        mean_ci([1.0])
    with pytest.raises(ValueError, match="same replicates"):
        paired_difference([1, 2], [1, 2, 3])
    assert math.isnan(mean_ci([math.nan, math.nan]).mean)


def test_common_random_numbers_shrink_the_variance_of_paired_differences():
    """Common random numbers: paired comparisons (same seeds) vary far less than unpaired ones."""
    from commsim.experiments.crn_benchmark import variance_ratio

    result = variance_ratio("content", n=3000, days=90, replicates=8, kpis=["final_members", "total_churned"])
    assert result["final_members"]["ratio"] > 2
    assert result["total_churned"]["ratio"] > 3
