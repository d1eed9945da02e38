"""The twin's weekly rhythm is fitted so the simulated DAU follows the data, and the log's quiet
spells become dated events (experiments/analyses/calibration/rhythm.py)."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.experiments.analyses.calibration.rhythm import fit_rhythm, profile, profile_error, quiet_spells
from commsim.experiments.analyses.calibration.twin import build, english
from commsim.experiments.analyses.synthetic_logs import write
from commsim.sim.log_io import read_log


def test_quiet_spells_are_three_or_more_silent_days_once_the_community_is_underway():
    busy = [50, 60, 55, 58, 61, 57, 52, 49, 50, 53, 60]
    dau = np.array([0, 1, 0, 0, 50, 60, 0, 0, 55, 0, 0, 0, 0, 58, 61, 1, 0, 0] + busy, float)
    # median 50, so a quiet day has DAU <= 1: the start-up (days 0-3) is no spell; two silent
    # days are none; days 9-12 and 15-17 are
    assert quiet_spells(dau) == [(9, 12), (15, 17)]
    assert quiet_spells(np.zeros(10)) == []
    assert quiet_spells(np.array([4, 0, 0, 0, 4, 4, 4, 4, 4, 4], float)) == [], "median 4: silent days are ordinary"
    assert quiet_spells(np.array([], float)) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 100), min_size=1, max_size=60))
def test_every_day_of_a_quiet_spell_is_quiet_and_spells_do_not_touch(values):
    dau = np.array(values, float)
    limit = 0.02 * np.median(dau)
    spells = quiet_spells(dau)
    if np.median(dau) < 5:
        assert spells == []
    for first, last in spells:
        assert last - first + 1 >= 3
        assert (dau[first:last + 1] <= limit).all()
        assert (dau[:first] > limit).any(), "a spell starts after the community is underway"
        assert last + 1 == len(dau) or dau[last + 1] > limit, "a spell runs to its end"
    for (_, last), (first, _) in zip(spells, spells[1:]):
        assert first > last + 1


class SaturatingTwin:
    """A stand-in for the model: a weekday's DAU is N x sigmoid(x + log factor), so copying the DAU
    profile into odds factors damps it (the chance saturates), as in the real model."""

    def __init__(self, weekly, days=84, first_weekday=0, x=1.5, n=300):
        self.twin = SimpleNamespace(config={"calendar": {"start_weekday": first_weekday, "weekly": list(weekly),
                                                         "events": [{"start": 50, "end": 56}]}})
        self.train_days, self.x, self.n, self.first = days, x, n, first_weekday
        self.runs = 0

    def job(self, priors, z, seed, stage, days, daily=False):
        return (tuple(self.twin.config["calendar"]["weekly"]), days)

    def run(self, jobs, what):
        self.runs += len(jobs)
        out = []
        for weekly, days in jobs:
            w = np.log(np.asarray(weekly))[(self.first + np.arange(days)) % 7]
            dau = self.n / (1 + np.exp(-(self.x + w)))
            dau[49:56] = 0.0  # the dated event: left out of both profiles
            out.append({"daily_dau": dau.tolist()})
        return out


def observed_workplace(days=84, first_weekday=0):
    weekday = (first_weekday + np.arange(days)) % 7
    dau = np.where(weekday < 5, 200.0, 20.0)
    dau[49:56] = 0.0
    return dau


def test_the_fitted_rhythm_reproduces_a_workplace_week_that_copying_damps():
    observed = observed_workplace()
    keep = np.ones(84, bool)
    keep[49:56] = False
    copied = profile(observed, 0, keep)
    fit = SaturatingTwin(np.maximum(copied, 0.05))
    found = SimpleNamespace(z=np.zeros((6, 2)), distance=np.arange(6.0))
    out = fit_rhythm(fit, [], found, [0, 1], observed, iterations=3, sets=4)
    assert out["error_copied"] > 0.2, "copying the profile damps it (the reason for the fit)"
    assert out["error"] < 0.05 < out["error_copied"] / 4
    simulated = np.array(out["simulated"])
    assert simulated[5] < 0.2 and simulated[0] > 1.2, "weekends at ~10% of weekdays, as observed"
    assert fit.twin.config["calendar"]["weekly"] == out["weekly"]
    assert fit.runs == out["runs"] == 4 * 4 * 2


def test_a_rhythm_the_model_already_follows_is_kept_as_copied():
    observed = observed_workplace()
    keep = np.ones(84, bool)
    keep[49:56] = False

    class Linear(SaturatingTwin):  # DAU proportional to the factor: copying is exact
        def run(self, jobs, what):
            self.runs += len(jobs)
            return [{"daily_dau": (100 * np.asarray(w)[(np.arange(d)) % 7]).tolist()} for w, d in jobs]

    copied = [round(float(v), 4) for v in profile(observed, 0, keep)]
    fit = Linear(copied)
    out = fit_rhythm(fit, [], SimpleNamespace(z=np.zeros((2, 1)), distance=np.zeros(2)), [0], observed)
    assert out["error"] <= out["error_copied"] < 1e-3
    assert out["weekly"] == pytest.approx(copied, rel=1e-3)


def test_profile_error_needs_a_weekday_seen_in_both():
    assert np.isnan(profile_error(np.full(7, np.nan), np.ones(7)))
    assert profile_error(np.array([1, 1, 1, 1, 1, 1, 1.0]), np.array([1, 1, 1, 1, 1, 0, 2.0])) == pytest.approx(
        np.sqrt(2 / 7))


def test_the_workplace_twin_simulates_its_silent_holiday_week(tmp_path):
    path = write("workplace", tmp_path / "workplace.csv.gz")
    activity, _ = read_log(str(path), day_start="midnight")
    twin = build(activity, 105, tmp_path / "cal")
    quiet = [e for e in twin.config["calendar"]["events"] if e["name"] == "quiet spell in the log"]
    assert [(e["start"], e["end"]) for e in quiet] == [(85, 91)]  # data days 84-90, model days 85-91
    assert quiet[0]["activity"] < 0.01
    assert any("quiet spell" in note for note in english(twin.notes))
