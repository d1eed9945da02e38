"""Simulation-based calibration (experiments/sbc.py): the rank statistic, the truths and the test."""

import numpy as np
import pandas as pd
import pytest

from commsim.experiments import sbc


def test_the_rank_is_the_weighted_share_of_the_posterior_below_the_truth():
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 1.0, 5.0])
    assert sbc.rank(x, w, 0.5) == 0.0 and sbc.rank(x, w, 9.0) == 1.0
    assert sbc.rank(x, w, 3.5) == pytest.approx(3 / 8)
    assert sbc.rank(x, w, 2.0) == pytest.approx((1 + 0.5) / 8), "a tie counts half"


def test_truths_are_drawn_from_the_calibrations_priors_and_reproducible():
    from commsim.experiments.analyses.calibration.priors import priors_for

    a, b = sbc.truths(sbc.PARAMETERS, 50, seed=3), sbc.truths(sbc.PARAMETERS, 50, seed=3)
    assert a == b and len(a) == 50
    for p in priors_for(sbc.PARAMETERS, {}, []):
        values = np.array([t[p.key] for t in a])
        assert values.min() >= p.low and values.max() <= p.high
        z = np.array([p.to_z(v) for v in values])
        assert np.ptp(z) > 0.6 * (p.z_high - p.z_low), "spread over the prior, not bunched"


def test_the_prior_rank_is_where_a_truth_falls_in_its_prior_in_the_search_scale():
    from commsim.experiments.analyses.calibration.priors import priors_for

    truths = sbc.truths(sbc.PARAMETERS, 400, seed=5)
    for p in priors_for(sbc.PARAMETERS, {}, []):
        assert sbc.prior_rank(p, p.low) == pytest.approx(0.0) and sbc.prior_rank(p, p.high) == pytest.approx(1.0)
        assert sbc.prior_rank(p, p.from_z((p.z_low + p.z_high) / 2)) == pytest.approx(0.5)
        u = np.array([sbc.prior_rank(p, t[p.key]) for t in truths])
        # the truths are drawn from the prior: their prior ranks are uniform, 80% inside [0.1, 0.9]
        assert 0.74 < np.mean((u >= 0.1) & (u <= 0.9)) < 0.86


def test_the_uniformity_test_accepts_uniform_ranks_and_rejects_overconfident_ones():
    uniform = (np.arange(40) + 0.5) / 40
    assert sbc.chi_square_uniform(uniform) > 0.9
    u_shaped = np.r_[np.full(18, 0.02), np.full(18, 0.98), np.full(4, 0.5)]  # truths in the tails
    assert sbc.chi_square_uniform(u_shaped) < 0.001


@pytest.mark.slow
def test_an_sbc_run_writes_ranks_a_figure_and_a_report(tmp_path):
    assert sbc.main(["--truths", "2", "--runs", "40", "--out", str(tmp_path)]) == 0
    ranks = pd.read_csv(tmp_path / "ranks.csv")
    failures = pd.read_csv(tmp_path / "failures.csv") if (tmp_path / "failures.csv").stat().st_size > 1 else []
    assert len(ranks) + 3 * len(failures) == 2 * 3
    assert ranks["rank"].between(0, 1).all() and (tmp_path / "ranks.png").is_file()
    assert ranks.prior_rank.between(0, 1).all() and ranks.inside80_prior.dtype == bool
    assert "chi-square p" in (tmp_path / "report.md").read_text()
