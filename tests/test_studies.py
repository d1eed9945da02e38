"""Searches an interruption does not change (experiments/runner/studies.py), and the calibration's
posterior step (experiments/analyses/calibration/search.py) on a distance of known shape."""

import numpy as np
import optuna
import pytest
from optuna.storages import InMemoryStorage

from commsim.experiments.runner.studies import batches, trial_seed

optuna.logging.set_verbosity(optuna.logging.WARNING)
TOTAL, SIZE = 14, 4


def _sampler(number):
    return optuna.samplers.TPESampler(seed=trial_seed(7, number), multivariate=True, constant_liar=True,
                                      n_startup_trials=5)


class Killed(Exception):
    pass


def _search(storage, kill_at=None, where="evaluate", lazy=False):
    """A search of f(x, y) = (x - 0.3)^2 + (y + 1)^2 that raises Killed at its ``kill_at``-th
    suggestion (``where``: "ask" before the trial's first parameter, "param" between its two, or
    "evaluate" after the batch's last) or, with ``where="tell"``, after telling ``kill_at`` trials."""
    study = optuna.create_study(study_name="s", storage=storage, sampler=_sampler(0), load_if_exists=True)
    calls = {"suggest": 0, "tell": 0}

    def suggest(trial):
        calls["suggest"] += 1
        if kill_at == calls["suggest"] and where == "ask":
            raise Killed
        x = trial.suggest_float("x", -2, 2)
        if kill_at == calls["suggest"] and where == "param":
            raise Killed
        return x, trial.suggest_float("y", -2, 2)

    for asked in batches(study, TOTAL, SIZE, _sampler, suggest, lazy=lazy):
        # lazy: each trial is asked as this takes it (its runs would start before the next is asked)
        values = [(trial, (x - 0.3) ** 2 + (y + 1) ** 2) for trial, (x, y) in asked]
        if where == "evaluate" and kill_at is not None and calls["suggest"] >= kill_at:
            raise Killed
        for trial, value in values:
            study.tell(trial, value)
            calls["tell"] += 1
            if where == "tell" and calls["tell"] == kill_at:
                raise Killed
    return [(t.number, t.params, t.value) for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))]


# (a kill between two parameters of one trial is the exception experiments/runner/studies.py names)
@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("where,kill_at", [("ask", 6), ("evaluate", 8), ("tell", 6)])
def test_a_search_killed_anywhere_resumes_to_the_trials_of_an_uninterrupted_one(where, kill_at, lazy):
    whole = _search(InMemoryStorage())
    storage = InMemoryStorage()
    with pytest.raises(Killed):
        _search(storage, kill_at, where, lazy)
    resumed = _search(storage, lazy=lazy)  # a new process: a new study object on the same journal
    assert resumed == whole, "lazy batches ask the trials eager ones do, killed or not"
    assert len(whole) == TOTAL and [n for n, _, _ in whole] == list(range(TOTAL))


class FakeFit:
    """Distance = |z - centre| (no noise), in place of simulations."""

    root = None

    def __init__(self, centre):
        self.centre = np.asarray(centre, float)

    def evaluate(self, priors, zs, seeds, stage, what):
        from commsim.experiments.analyses.calibration.search import Evaluated

        zs = np.atleast_2d(zs)
        return Evaluated(zs, np.linalg.norm(zs - self.centre, axis=1), [{} for _ in zs])


def _priors():
    from commsim.experiments.analyses.calibration.priors import Prior

    return [Prior("a", -10.0, 10.0, log=False), Prior("b", -10.0, 10.0, log=False)]


def _posterior(centre, found_low, found_high, seed=0, eta2=None, uninformed=None):
    from commsim.experiments.analyses.calibration.search import Evaluated, posterior

    rng = np.random.default_rng(seed)
    z = found_low + rng.random((200, 2)) * (np.asarray(found_high) - found_low)
    fit = FakeFit(centre)
    found = Evaluated(z, np.linalg.norm(z - fit.centre, axis=1), [{}] * 200)
    return posterior(fit, _priors(), found, 1200, [0], 0.3, rng, eta2=eta2, uninformed=uninformed)


def test_the_posterior_is_every_set_within_the_last_tolerance_weighted_by_the_proposals():
    post, _, summary = _posterior([0.0, 0.0], [-3, -3], [3, 3])
    assert summary["accepted"] == len(post) and np.isclose(post.weight.sum(), 1.0)
    assert summary["effective_sample_size"] == pytest.approx(1 / np.sum(post.weight ** 2))
    assert summary["effective_sample_size"] > 200
    assert (post.distance <= summary["tolerance"]).all()
    tolerances = [g["tolerance"] for g in summary["generations"]]
    assert tolerances == sorted(tolerances, reverse=True), "never looser than the round before"
    assert summary["box_edges"] == [], "the posterior ends well inside the box"
    radius = np.hypot(post.a, post.b)
    assert 0.9 * summary["tolerance"] < radius.max() <= summary["tolerance"]
    # flat prior, accept within eps: the posterior is uniform on the disc, so a quarter of its weight
    # lies within half the radius and its mean is the centre
    inner = post.weight[radius <= summary["tolerance"] / 2].sum()
    assert 0.18 < inner < 0.32
    assert abs(np.average(post.a, weights=post.weight)) < 0.1 * summary["tolerance"]


def test_a_posterior_cut_by_its_box_is_named_and_an_informed_parameter_is_not_widened():
    # the search's best points all lie right of the true centre: the box starts at a = 1.8 and the
    # posterior would go on to a = 0; a informs the distance, so the box stays (widening every such
    # parameter of 15 leaves the next round almost nothing to accept) and the report names it
    _, _, summary = _posterior([0.0, 0.0], [2, -1], [4, 1], eta2={"a": 0.6, "b": 0.001})
    assert "a" in summary["box_edges"]
    assert summary["generations"][0]["widened"] == ["b"], "only the parameter the data do not inform"


def test_a_parameter_the_data_do_not_inform_is_not_truncated_to_where_the_search_landed():
    # b does not change the distance (the screening's η² says so), and the search's best sets happen
    # to have b in 0..5: its posterior should be its prior (-10..10), not stay in the search's box
    class OnlyA(FakeFit):
        def evaluate(self, priors, zs, seeds, stage, what):
            from commsim.experiments.analyses.calibration.search import Evaluated

            zs = np.atleast_2d(zs)
            return Evaluated(zs, np.abs(zs[:, 0] - self.centre[0]), [{} for _ in zs])

    from commsim.experiments.analyses.calibration.search import Evaluated, posterior

    rng = np.random.default_rng(0)
    z = np.column_stack([-3 + 6 * rng.random(200), 5 * rng.random(200)])
    fit = OnlyA([0.0, 0.0])
    found = Evaluated(z, np.abs(z[:, 0]), [{}] * 200)
    post, _, summary = posterior(fit, _priors(), found, 1200, [0], 0.3, rng, eta2={"a": 0.6, "b": 0.004})
    low, high = (np.quantile(post.b, q, weights=post.weight, method="inverted_cdf") for q in (0.1, 0.9))
    assert high - low > 12.0, f"b's 80% interval {low:.2f}..{high:.2f} is not its prior's (-8..8)"
    assert summary["generations"][0]["widened"] == ["b"] and summary["generations"][-1]["widened"] == []
    assert summary["effective_sample_size"] == pytest.approx(summary["accepted"]), \
        "opened before the first round, the boxes stay nested: equal weights"


def test_uninformed_parameters_open_least_informed_first_evenly_and_within_the_growth_cap():
    from commsim.experiments.analyses.calibration.priors import Prior
    from commsim.experiments.analyses.calibration.search import MAX_GROWTH, _open_uninformed

    priors = [Prior(k, -10.0, 10.0, log=False) for k in "abcd"]
    lo, hi = np.full(4, -10.0), np.full(4, 10.0)
    box = (np.array([0.0, 8.0, -1.0, -10.0]), np.array([2.0, 9.0, 1.0, 10.0]))
    eta2 = {"a": 0.6, "b": 0.001, "c": 0.01, "d": 0.0005}  # a informs; d's box is its whole prior already
    (low, high), opened = _open_uninformed(box, priors, eta2, {"b", "c", "d"}, lo, hi)
    # b first: width 1 -> 10 (the cap), 4.5 a side, but the prior stops its top at 10: the rest goes below
    assert opened == [1] and low[1] == pytest.approx(0.0) and high[1] == pytest.approx(10.0)
    assert (low[[0, 2, 3]] == box[0][[0, 2, 3]]).all() and (high[[0, 2, 3]] == box[1][[0, 2, 3]]).all()
    eta2["c"] = 0.0001  # c is now the least informed: 2 -> 20 uses the whole cap (10x), nothing is left for b
    (low, high), opened = _open_uninformed(box, priors, eta2, {"b", "c", "d"}, lo, hi)
    assert opened == [2] and (low[2], high[2]) == (pytest.approx(-10.0), pytest.approx(10.0))
    growth = np.prod((high - low) / (box[1] - box[0]))
    assert growth == pytest.approx(MAX_GROWTH)
    # the cap is shared: c (-5..5) reaches its whole prior at 2x, and b gets the 5x left (1 -> 5:
    # 2 a side, but only 1 fits above, so 3 below)
    wide_c = (box[0].copy(), box[1].copy())
    wide_c[0][2], wide_c[1][2] = -5.0, 5.0
    (low, high), opened = _open_uninformed(wide_c, priors, eta2, {"b", "c", "d"}, lo, hi)
    assert opened == [2, 1]
    assert (low[2], high[2]) == (-10.0, 10.0) and (low[1], high[1]) == (pytest.approx(5.0), pytest.approx(10.0))
    assert np.prod((high - low) / (wide_c[1] - wide_c[0])) == pytest.approx(MAX_GROWTH)


def test_a_campaign_response_is_uninformed_until_the_screening_sees_it_above_seed_noise():
    # responses to replayed campaigns (fitted whatever the screening says) are opened unless their η²
    # beats what noise alone reaches 95% of the time; a behaviour parameter the screening chose is
    # opened only below the fixed threshold (the noise rule has little power at small budgets)
    import pandas as pd

    from commsim.experiments.analyses.calibration.search import UNINFORMED, noise_eta2, uninformed

    noise = noise_eta2(200)  # 0.047
    screening = pd.DataFrame({
        "parameter": ["behaviour.activity.base", "behaviour.churn.hazard_dormant", "behaviour.joining.p_organic",
                      "strategies.winback.uplift", "strategies.winback.lapsed_uplift", "calendar.events.0.activity"],
        "eta2": [0.7, 0.03, 0.01, 0.03, 0.06, 0.001], "noise95": noise})
    assert UNINFORMED < 0.03 < noise < 0.06
    assert uninformed(screening) == ["behaviour.joining.p_organic", "strategies.winback.uplift",
                                     "calendar.events.0.activity"]
    # at a large budget noise95 falls under the fixed threshold: a response is then opened below it
    screening["noise95"] = noise_eta2(2000)  # 0.005
    screening.loc[3, "eta2"] = 0.015
    assert "strategies.winback.uplift" in uninformed(screening)


def test_the_posterior_opens_the_parameters_it_is_told_are_uninformed():
    # b informs the distance a little (η² 0.05, above the fixed threshold) but the caller's rule
    # calls it uninformed: it is opened; a, with η² 0.001 but not in the list, is not
    _, _, summary = _posterior([0.0, 0.0], [-3, 0], [3, 5], eta2={"a": 0.001, "b": 0.05}, uninformed=["b"])
    assert summary["generations"][0]["widened"] == ["b"]
    _, _, summary = _posterior([0.0, 0.0], [-3, 0], [3, 5], eta2={"a": 0.001, "b": 0.05})
    assert summary["generations"][0]["widened"] == ["a"], "by default: η² below the fixed threshold"


def test_the_search_s_sampler_asks_what_optuna_s_own_tpe_would():
    """The calibration's TPE (told its search space, its observations built in one array) suggests
    exactly what Optuna's TPESampler suggests, trial by trial, with a batch's trials running."""
    from commsim.experiments.analyses.calibration.search import fixed_space_tpe

    space = {name: optuna.distributions.FloatDistribution(-1.0, 2.0) for name in ("a", "b", "c")}
    settings = {"multivariate": True, "constant_liar": True, "n_startup_trials": 6}
    asked = {}
    for kind in ("optuna", "ours"):
        study = optuna.create_study(storage=InMemoryStorage())
        values = []
        for batch in range(8):
            trials = []
            for i in range(4):
                number = 4 * batch + i
                study.sampler = (optuna.samplers.TPESampler(seed=number, **settings) if kind == "optuna"
                                 else fixed_space_tpe(optuna)(space, seed=number, **settings))
                trial = study.ask()
                trials.append(trial)
                values.append([trial.suggest_float(name, d.low, d.high) for name, d in space.items()])
            for trial in trials:
                x = np.array([trial.params[n] for n in space])
                study.tell(trial, float(np.sum((x - 0.5) ** 2)))
        asked[kind] = np.array(values)
    assert len(set(map(tuple, asked["ours"]))) == 32, "every trial its own point"
    np.testing.assert_array_equal(asked["ours"], asked["optuna"])


def test_the_uninformed_threshold_is_what_seed_noise_alone_exceeds_one_time_in_twenty():
    # a parameter that does not move the distance: its screening η² over pure noise stays below
    # noise_eta2 95% of the time, for a few screening sizes (and heavy-tailed log distances too)
    from commsim.experiments.analyses.calibration.search import correlation_ratio, noise_eta2

    rng = np.random.default_rng(0)
    for n in (60, 200, 600):
        x = rng.random((1000, n))
        for noise in (rng.standard_normal((1000, n)), np.log(rng.gamma(2.0, size=(1000, n)))):
            above = np.mean([correlation_ratio(xi, yi) >= noise_eta2(n) for xi, yi in zip(x, noise)])
            assert 0.03 < above < 0.07, (n, above)
    assert noise_eta2(5) == 1.0, "too few runs: the screening cannot show any response informed"


class StreamFit(FakeFit):
    """FakeFit for the search: counts the points it is asked to score."""

    def __init__(self, centre):
        super().__init__(centre)
        self.scored = 0

    def evaluate_stream(self, priors, points, seeds, stage, what):
        zs = list(points)
        self.scored += len(zs)
        return self.evaluate(priors, np.array(zs), seeds, stage, what)


def test_a_search_journal_is_resumed_for_the_same_setup_and_restarted_for_another(tmp_path, caplog):
    """A calibration re-run into its folder resumes its search; one fitted to another export (another
    setup fingerprint) starts afresh instead of keeping distances to the old data."""
    import logging

    from commsim.experiments.analyses.calibration.search import search

    journal = tmp_path / "search.journal"
    first = search(StreamFit([1.0, 1.0]), _priors(), 8, [0], 4, 0, journal, setup="export A")
    again = StreamFit([-5.0, -5.0])
    resumed = search(again, _priors(), 8, [0], 4, 0, journal, setup="export A")
    assert again.scored == 0 and np.array_equal(resumed.distance, first.distance), "resumed: nothing re-scored"
    other = StreamFit([-5.0, -5.0])
    with caplog.at_level(logging.WARNING, logger="commsim"):
        fresh = search(other, _priors(), 8, [0], 4, 0, journal, setup="export B")
    assert other.scored == 8 and np.allclose(fresh.distance, np.linalg.norm(fresh.z - other.centre, axis=1))
    assert any("holds a search of other data or settings (8 trials): it starts afresh" in r.getMessage()
               for r in caplog.records)
