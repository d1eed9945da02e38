"""The README's CollegeMsg calibration at the default budget, judged on its held-out days (slow:
about four minutes; a module of its own so that it runs beside the other slow calibrations)."""

import json

import pytest

from conftest import ROOT, calibrate_here


@pytest.fixture(scope="module")
def collegemsg(tmp_path_factory):
    """The README's CollegeMsg calibration with the default calibrate.runs (about 4 minutes)."""
    out = tmp_path_factory.mktemp("collegemsg")
    data = ROOT / "data" / "collegemsg"
    calibrate_here(out, f"calibrate.log={data / 'CollegeMsg.txt.gz'}", "calibrate.train_days=100",
                   "calibrate.forecast_days=94", f"calibrate.calendar={data / 'calendar.csv'}", "progress=never")
    return json.loads((out / "backtest.json").read_text())


@pytest.mark.slow
def test_collegemsg_backtest_beats_carrying_the_last_weeks_forward_and_its_band_covers(collegemsg):
    model, base = collegemsg["model"], collegemsg["baselines"]
    assert model["rmse"] < base["last7"]["rmse"] and model["rmse"] < base["last30"]["rmse"]
    assert model["coverage80"] >= 0.6


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="measured for calibrate.seed=0,1,2 (2026-12-07, calibrate.margin 0.3): forecast RMSE 8.8, 8.3, "
                   "10.1 against 7.2 for a seasonal ARIMA, which none beats, and 10.6 for the exponential decay "
                   "(docs/calibration.md, Measured)")
def test_collegemsg_backtest_beats_every_naive_baseline(collegemsg):
    assert collegemsg["beats_every_baseline"]
