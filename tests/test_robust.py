"""Robust comparisons (experiments/analyses/robust.py, uncertainty=prior|posterior): parameter
draws, the decision table and its report."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from commsim.experiments.analyses import robust as R
from commsim.sim.space import Range

from conftest import compare_here, run_here


def synthetic(effects: dict, draws: pd.DataFrame, seeds=3, noise=0.0, rng=None):
    """Runs whose headline KPI is 100 + the scenario's effect in that draw (+ noise); cost 10 a plan."""
    rows = []
    for d in draws.draw:
        for s in range(seeds):
            base = 100 + (rng.normal(0, noise) if rng is not None else 0.0)
            rows.append({"scenario": "baseline", "draw": d, "seed": s, "kpi": base, "cost": 0.0})
            for name, f in effects.items():
                rows.append({"scenario": name, "draw": d, "seed": s, "kpi": base + f(draws.loc[d]), "cost": 10.0})
    return pd.DataFrame(rows)


def test_the_decision_table_finds_clear_plans_the_best_and_where_a_plan_flips():
    ranges = [Range("x", 0.0, 1.0, False), Range("y", 0.01, 1.0, True)]
    draws = R.draw(ranges, 40, seed=1)
    runs = synthetic({"steady": lambda p: 1.0, "risky": lambda p: 4.0 * (p["x"] - 0.3), "idle": lambda p: 0.0},
                     draws)
    table = R.decision_table(runs, draws, ranges, "baseline", "kpi", 1, ["baseline", "steady", "risky", "idle"],
                             idle={"idle": "no one to pick"}).set_index("scenario")
    assert list(table.reset_index().columns) == R.DECISION_COLUMNS
    assert table.p_best.sum() == pytest.approx(1.0)
    assert table.loc["steady", "p_better"] == 1.0 and R.clear(table.loc["steady"], 40)
    assert not R.clear(table.loc["steady"], 16), "too few draws to call anything clear"
    risky = table.loc["risky"]
    assert 0.6 < risky.p_better < 0.8 and not R.clear(risky, 40), "x is above 0.3 in about 70% of draws"
    assert risky.flip_parameter == "x" and risky.flip_value == pytest.approx(0.3, abs=1e-6)
    assert table.loc["risky", "p_best"] == pytest.approx(float(np.mean(4 * (draws.x - 0.3) > 1.0)))
    assert table.loc["idle", "p_better"] == 0 and table.loc["idle", "p_best"] == 0
    assert table.loc["steady", "cost_per_unit"] == pytest.approx(10.0)
    assert table.loc["steady", "flip_parameter"] == "" and math.isnan(table.loc["steady", "flip_value"]), \
        "a gain that no parameter moves has nothing to flip it"



def test_a_plan_that_gains_in_every_draw_names_no_crossing():
    """A skewed gain (5 + 10 e^x: positive in every draw) pulls a straight line through zero inside the
    range; no draw lost, so nothing is said to flip -- the parameter that moves the gain is still named."""
    ranges = [Range("x", 0.1, 3.9, False)]
    draws = R.draw(ranges, 20, seed=0)
    x = draws.x.to_numpy()
    assert np.polyval(np.polyfit(x, 5 + 10 * np.exp(x), 1), 0.1) < 0, "the line does cross zero in the range"
    runs = synthetic({"skewed": lambda p: 5 + 10 * math.exp(p["x"])}, draws)
    row = R.decision_table(runs, draws, ranges, "baseline", "kpi", 1, ["baseline", "skewed"]).set_index(
        "scenario").loc["skewed"]
    assert row.p_better == 1.0 and R.clear(row, 20)
    assert row.flip_parameter == "x" and math.isnan(row.flip_value)


@pytest.mark.parametrize("nothing", [True, False])
def test_the_decision_names_its_baseline_and_calls_it_doing_nothing_only_when_it_is(nothing):
    """A baseline that is itself a plan (ads only, a random KPI pick) is not "doing nothing"."""
    from types import SimpleNamespace

    from commsim.experiments.reports.comparison import decision_lines
    from commsim.experiments.reports.kit import Formatter

    ranges = [Range("x", 0.0, 1.0, False)]
    draws = R.draw(ranges, 20, seed=0)
    runs = synthetic({"mixed": lambda p: -1.0}, draws).replace({"scenario": {"baseline": "ads_only"}})
    runs = runs.rename(columns={"kpi": "mean_dau_last30"})
    decision = R.decision_table(runs, draws, ranges, "ads_only", "mean_dau_last30", 1, ["ads_only", "mixed"])
    robust = SimpleNamespace(kind="prior", draws=draws, ranges=ranges, runs=runs, matched=None)
    spec = SimpleNamespace(baseline="ads_only", replicates=3)
    text = "\n".join(decision_lines(Formatter(), decision, robust, spec, "mean_dau_last30", {}, nothing))
    assert "chance it beats `ads_only`" in text and "loses to `ads_only`" in text
    assert ("(doing nothing)" in text) == nothing and ("(the baseline)" in text) == (not nothing)


def test_a_headline_the_baseline_never_defines_gives_no_gain_instead_of_a_crash():
    """LTV/CAC is undefined where nothing is spent on acquisition: every baseline value NaN."""
    ranges = [Range("x", 0.0, 1.0, False)]
    draws = R.draw(ranges, 4, seed=0)
    runs = synthetic({"ads": lambda p: 1.0}, draws)
    runs.loc[runs.scenario == "baseline", "kpi"] = np.nan
    table = R.decision_table(runs, draws, ranges, "baseline", "kpi", 1, ["baseline", "ads"]).set_index("scenario")
    assert table.loc["ads", ["gain", "p_better"]].isna().all()

def test_a_lower_is_better_kpi_counts_a_fall_as_a_gain():
    ranges = [Range("x", 0.0, 1.0, False)]
    draws = R.draw(ranges, 10, seed=0)
    runs = synthetic({"cuts_churn": lambda p: -2.0}, draws)
    table = R.decision_table(runs, draws, ranges, "baseline", "kpi", -1, ["baseline", "cuts_churn"])
    row = table.set_index("scenario").loc["cuts_churn"]
    assert row.gain == pytest.approx(2.0) and row.p_better == 1.0



def test_a_value_a_scenario_sets_is_its_plan_and_never_drawn_over():
    """Two scenarios of one strategy that differ in a response they set (content quality 0.8 against
    0.45): neither's runs read the drawn quality; a scenario that leaves it alone does."""
    from types import SimpleNamespace

    from commsim.experiments.compare import read_keys

    ranges = [Range("strategies.content.quality", 0.4, 0.8, False), Range("behaviour.activity.base", -5, -1, False),
              Range("strategies.referral.invite_accept", 0.1, 0.4, False)]
    plan = lambda *names: SimpleNamespace(plan=SimpleNamespace(strategies=list(names)))  # noqa: E731
    configs = {"baseline": plan(), "good": plan("content"), "cheap": plan("content"), "plain": plan("content")}
    scenarios = {"baseline": ["plan=baseline"], "good": ["plan=content", "strategies.content.quality=0.8"],
                 "cheap": ["plan=content", "++strategies.content.quality=0.45", "behaviour.activity.base=-3"],
                 "plain": ["plan=content"]}
    keys = read_keys(ranges, configs, scenarios)
    assert keys["good"] == ["behaviour.activity.base"]
    assert keys["cheap"] == []
    assert keys["plain"] == ["strategies.content.quality", "behaviour.activity.base"]
    assert keys["baseline"] == ["behaviour.activity.base"]
    assert read_keys(ranges, configs)["good"] == keys["plain"], "without the scenarios: every key its plan reads"

@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 10_000))
def test_draws_are_a_latin_hypercube_inside_the_ranges(n, seed):
    ranges = [Range("a", 0.2, 0.8, False), Range("rate", 1e-4, 1e-1, True), Range("k", 1, 50, False, integer=True)]
    draws = R.draw(ranges, n, seed)
    assert list(draws.draw) == list(range(n))
    for r in ranges:
        assert draws[r.key].between(r.low, r.high).all()
    strata = np.floor((draws.a - 0.2) / 0.6 * n).clip(0, n - 1)
    assert sorted(strata) == list(range(n)), "one draw in each of n equal slices of a linear range"
    log_strata = np.floor(np.log(draws.rate / 1e-4) / np.log(1e3) * n).clip(0, n - 1)
    assert sorted(log_strata) == list(range(n)), "and of a log-scaled one, on the log scale"
    assert (draws.k == draws.k.round()).all()


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_chance_of_being_best_sums_to_one_whatever_the_effects(data):
    n = data.draw(st.integers(2, 12))
    k = data.draw(st.integers(1, 4))
    draws = pd.DataFrame({"draw": range(n), "x": np.linspace(0, 1, n)})
    values = data.draw(st.lists(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1.0]), min_size=k, max_size=k),
                                min_size=n, max_size=n))
    effects = {f"p{j}": (lambda p, j=j: values[int(p.name)][j]) for j in range(k)}
    runs = synthetic(effects, draws, seeds=2)
    table = R.decision_table(runs, draws, [Range("x", 0, 1, False)], "baseline", "kpi", 1,
                             ["baseline", *effects])
    assert table.p_best.sum() == pytest.approx(1.0)
    assert ((table.p_better.dropna() >= 0) & (table.p_better.dropna() <= 1)).all()


TINY = ["days=30", "network.n=1200", "compare.replicates=2",
        "++compare.scenarios={baseline:['plan=baseline'],content:['plan=content'],referral:['plan=referral']}"]


@pytest.fixture(scope="module")
def robust(tmp_path_factory):
    out = tmp_path_factory.mktemp("robust")
    report = compare_here(out, *TINY, "uncertainty=prior", "uncertainty.draws=3", "uncertainty.match=null",
                          "compare.jobs=2")
    return out, report.read_text()


def test_a_robust_comparison_writes_the_decision_and_leads_with_it(robust):
    out, text = robust
    decision = pd.read_csv(out / "decision.csv")
    assert list(decision.columns) == R.DECISION_COLUMNS
    assert list(decision.scenario) == ["baseline", "content", "referral"]
    assert decision.p_best.sum() == pytest.approx(1.0)
    assert text.index("## The decision") < text.index("## What this means")
    assert "seed noise only, at the default response sizes" in text
    draws = pd.read_csv(out / "draws.csv")
    assert len(draws) == 3 and "strategies.content.quality" in draws and "behaviour.activity.content" in draws
    assert len(list((out / "runs_drawn").glob("*/*/summary.json"))) == 3 * 3 * 2


def test_a_drawn_run_is_the_plain_run_with_the_drawn_values(robust, tmp_path):
    import json

    out, _ = robust
    draws = pd.read_csv(out / "draws.csv").set_index("draw")
    run = next((out / "runs_drawn" / "content").glob("d1_seed1_*"))
    keys = [k for k in draws.columns if not k.startswith("strategies.") or k.startswith("strategies.content.")]
    summary = run_here(tmp_path, *TINY[:2], "plan=content", "seed=1",
                       *[f"{k}={v.item()!r}" for k, v in ((k, draws.at[1, k]) for k in keys)])
    plain = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}
    stored = json.loads((run / "summary.json").read_text())
    assert plain == {k: v for k, v in stored.items() if k in plain} and len(plain) > 30


@pytest.mark.slow  # 9 s end to end; test_match_is_a_ratio_window keeps the rule in the fast tier
def test_matched_draws_are_those_whose_community_resembles_this_one(tmp_path):
    """uncertainty.match: candidate draws screened by their baseline's mean DAU (last 30 days, first seed);
    the kept ones lie within the factor of the undrawn baseline's, in candidate order, and the report says
    how many of how many were kept."""
    report = compare_here(tmp_path, *TINY, "uncertainty=prior", "uncertainty.draws=3", "uncertainty.match=2",
                          "compare.jobs=2").read_text()
    tried = pd.read_csv(tmp_path / "candidates.csv")
    reference = pd.read_csv(tmp_path / "runs.csv").query("scenario == 'baseline'").mean_dau_last30.mean()
    assert list(tried.columns) == ["draw", "mean_dau_last30", "matched", "kept"]
    inside = (tried.mean_dau_last30 >= reference / 2) & (tried.mean_dau_last30 <= reference * 2)
    assert list(tried.matched) == list(inside)
    kept = list(pd.read_csv(tmp_path / "draws.csv").draw)
    assert kept == list(tried.draw[tried.kept]) == list(tried.draw[tried.matched])[:3] and 2 <= len(kept) <= 3
    assert f"{int(tried.matched.sum())} of {len(tried)} candidate draws did" in report
    assert len(tried) <= 3 * R.MATCH_CANDIDATES * R.MATCH_BLOCKS



def test_history_match_keeps_only_the_first_it_needs_and_reaches_past_the_first_hypercube():
    """Few candidates match (a twentieth: a hypercube of 40 has exactly two below 0.05), so the first
    hypercube (10 x the draws) is not enough and the next is tried; a batch that matches more than
    needed keeps only those."""
    ranges = [Range("x", 0.0, 1.0, False)]
    candidates = R.candidate_draws(ranges, 4, seed=3)
    assert len(candidates) == 4 * R.MATCH_CANDIDATES * R.MATCH_BLOCKS and candidates.draw.is_unique
    pd.testing.assert_frame_equal(candidates.iloc[:40], R.draw(ranges, 40, 3)), "the first block is the old hypercube"
    dau = lambda batch: pd.Series(np.where(batch.x < 0.05, 10.0, 1000.0), index=batch.draw)  # noqa: E731
    kept, tried = R.history_match(candidates, 4, 10.0, 2.0, dau)
    assert len(kept) == 4 and len(tried) > 40 and max(kept) >= 40, "two of the first 40 lie below 0.05"
    assert list(tried.draw[tried.kept]) == kept and tried.matched.sum() >= 4
    everything = lambda batch: pd.Series(10.0, index=batch.draw)  # noqa: E731
    kept, tried = R.history_match(candidates, 4, 10.0, 2.0, everything)
    assert kept == [0, 1, 2, 3] and tried.kept.sum() == 4 and tried.matched.sum() == len(tried) > 4

def test_match_is_a_ratio_window():
    values = pd.Series([0.0, 5.0, 10.0, 20.0, 40.0, 41.0])
    assert list(R.matches(values, 20.0, 2.0)) == [False, False, True, True, True, False]


def test_a_posterior_needs_a_twin(tmp_path):
    from commsim.sim.errors import ConfigError

    with pytest.raises(ConfigError, match="uncertainty=posterior: a posterior needs a calibrated twin"):
        compare_here(tmp_path, *TINY, "uncertainty=posterior")
