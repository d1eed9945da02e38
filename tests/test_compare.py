"""Paired comparisons and reports: experiments.compare (in-process; one CLI smoke test)."""

import math

import pandas as pd
import pytest

from commsim.sim.errors import ConfigError

from conftest import cli, compare_here

TINY = ["days=30", "network.n=1200", "compare.replicates=3",
        "++compare.scenarios={baseline:['plan=baseline'],content:['plan=content']}"]


def test_comparison_writes_a_readable_report_and_resumes(tmp_path, caplog):
    out = tmp_path / "report"
    report = compare_here(out, *TINY).read_text()
    assert "## What this means" in report and "**content**" in report
    assert "Daily active members (mean of last 30 days) (members)" in report
    assert "distinguishable from zero?" in report
    assert "## What these numbers rest on" in report and "not fitted to your community" in report
    assert "- **content**: `quality` = 0.6 (plausible 0.4–0.8)" in report
    for fig in ("dau_over_time", "members_over_time", "retention", "churn", "cascades", "cost_vs_outcome"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 5_000
        assert f"figures/{fig}.png" in report
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs.groupby("scenario").seed.apply(list).tolist()) == [[0, 1, 2], [0, 1, 2]], "paired seeds"
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs.scenario) == {"content"}
    with caplog.at_level("INFO", logger="commsim"):
        compare_here(out, *TINY, "compare.jobs=2", "progress=never")  # settings never re-run a run
    assert "6 already finished, 0 to do" in caplog.text


@pytest.mark.slow  # 22 s; the fast tier keeps tests/test_backends.py's stronger check (every file of every run)
def test_comparison_runs_in_parallel_workers_give_the_same_numbers(tmp_path):
    compare_here(tmp_path / "serial", *TINY)
    compare_here(tmp_path / "parallel", *TINY, "compare.jobs=2")
    a = pd.read_csv(tmp_path / "serial" / "runs.csv").sort_values(["scenario", "seed"]).reset_index(drop=True)
    b = pd.read_csv(tmp_path / "parallel" / "runs.csv").sort_values(["scenario", "seed"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("overrides, expected", [
    (TINY[:-2] + ["compare.replicates=1", TINY[-1]], "compare.replicates: 1 is too few"),
    (["days=10"], "no scenarios to compare"),
    (["days=10", "compare.replicates=2", "++compare.scenarios={baseline:['plan=baseline'],x:['plan=nope']}"],
     "scenario 'x'"),
])
def test_comparison_errors_stop_before_any_run(tmp_path, overrides, expected):
    with pytest.raises(ConfigError, match=expected):
        compare_here(tmp_path, *overrides)
    assert not (tmp_path / "report.md").exists() and not (tmp_path / "runs").exists()


def test_cli_smoke(tmp_path):
    ok = cli("experiments.compare", *TINY[:2], "compare.replicates=2", TINY[-1], "uncertainty.draws=2",
             f"hydra.run.dir={tmp_path / 'r'}")
    assert ok.returncode == 0, ok.stderr
    assert "report:" in ok.stdout and (tmp_path / "r" / "report.md").is_file()
    assert (tmp_path / "r" / "decision.csv").is_file(), "by default a comparison draws response sizes (prior)"
    # an unknown experiment: tests/test_bad_input.py (exit 2, the available ones listed)


@pytest.mark.slow
def test_target_halfwidth_adds_paired_replicates_until_reached(tmp_path):
    small = ["days=30", "network.n=600", "compare.replicates=2", TINY[-1], "progress=never"]
    report = compare_here(tmp_path / "wide", *small, "compare.target_halfwidth=1e9").read_text()
    assert "**reached** with 2 replicates" in report  # wide enough already: nothing added
    report = compare_here(tmp_path / "tight", *small, "compare.target_halfwidth=1e-9",
                          "compare.max_replicates=5").read_text()
    assert "**not reached**" in report and "rounds 2 -> 4 -> 5" in report
    runs = pd.read_csv(tmp_path / "tight" / "runs.csv")
    assert sorted(runs.groupby("scenario").seed.apply(list).tolist()) == [[0, 1, 2, 3, 4]] * 2, "paired seeds"
    assert "Each scenario ran 5 times" in report


def test_target_halfwidth_cap_below_replicates_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="max_replicates: 2 is below replicates"):
        compare_here(tmp_path, "days=10", "compare.replicates=3", TINY[-1], "compare.target_halfwidth=1",
                     "compare.max_replicates=2")


def test_the_report_leads_with_value_for_money_and_shows_settings_withdrawal_and_html(tmp_path):
    scenarios = ("++compare.scenarios={baseline:['plan=baseline'],points:['plan=incentive'],"
                 "points_stop:['plan=incentive','strategies.incentive.end_day=30']}")
    out = tmp_path / "report"
    report = compare_here(out, "days=60", "network.n=800", "compare.replicates=3", scenarios, "report.currency=CNY",
                          "progress=never").read_text()
    sections = [line for line in report.splitlines() if line.startswith("## ")]
    assert sections[:4] == ["## Value for money", "## What this means", "## The scenarios", "## After a strategy stops"]
    assert "| `points_stop` | incentive: day 30 |" in report
    assert "| `points` | `incentive` | incentive (points_per_action 10.0, redeem_at 1000.0) | unlimited | - |" in report
    assert " CNY" in report and "%" in report.split("## Key numbers per scenario")[1]  # shares as percentages
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == report.count("![") and "<table>" in html
    wide = pd.read_csv(out / "kpis_wide.csv")
    assert list(wide.scenario) == ["baseline", "points", "points_stop"]
    assert {"mean_dau_last30", "mean_dau_last30_low", "mean_dau_last30_high"} <= set(wide.columns)
    value = pd.read_csv(out / "value_for_money.csv")
    points = value.set_index("scenario").loc["points"]
    runs = pd.read_csv(out / "runs.csv").set_index(["scenario", "seed"])
    owed = (runs.total_cost + runs.liability).loc["points"] - (runs.total_cost + runs.liability).loc["baseline"]
    assert points.extra_cost == pytest.approx(owed.mean())  # cost counts the points still owed
    run_dir = next((out / "runs" / "points").iterdir())
    assert (run_dir / "timeseries.csv").is_file()


def test_cost_per_unit_is_the_ratio_of_paired_means_with_fieller_interval():
    import numpy as np

    from commsim.experiments.reports.tables import cost_per_unit

    cost, effect = np.array([100.0, 120, 80, 100]), np.array([10.0, 12, 8, 10])
    point, low, high = cost_per_unit(cost, effect)
    assert point == pytest.approx(10) and low == pytest.approx(10) and high == pytest.approx(10)
    assert all(np.isnan(cost_per_unit(cost, -effect)))  # no gain: no cost per unit
    assert cost_per_unit(np.append(cost, np.nan), np.append(effect, 3.0)) == pytest.approx((10, 10, 10)), \
        "a seed whose KPI is undefined drops out, as it does from the effect's interval"
    point, low, high = cost_per_unit(np.full(3, 50.0), np.array([5.0, -4.0, 4.0]))
    assert point == pytest.approx(50 / (5 / 3)) and math.isnan(low) and high == math.inf, \
        "an effect indistinguishable from zero: no bound on what a unit costs"


def test_the_cost_per_unit_interval_covers_as_it_says_at_five_replicates():
    """Five paired replicates, effect ~ N(10, 3), cost 100 + N(0, 5): the 95% interval holds the true
    ratio (10) in 95% of 2,000 repetitions (+-1 point of Monte Carlo error); the percentile bootstrap
    it replaced held it in 83%."""
    import numpy as np

    from commsim.experiments.reports.tables import cost_per_unit

    rng = np.random.default_rng(7)
    hits, tried = 0, 0
    for _ in range(2000):
        effect = rng.normal(10, 3, 5)
        cost = 100 + rng.normal(0, 5, 5)
        _, low, high = cost_per_unit(cost, effect)
        if math.isnan(low) and high == math.inf:
            low = -math.inf
        tried += 1
        hits += low <= 10 <= high
    assert 0.93 <= hits / tried <= 0.97


def test_value_for_money_follows_the_kpis_direction_and_html_survives_odd_lines(tmp_path):
    import numpy as np

    from commsim.experiments.reports.html import to_html
    from commsim.experiments.reports.tables import value_table

    seeds = [0, 1, 2]
    summaries = pd.DataFrame({"scenario": ["baseline"] * 3 + ["calm"] * 3, "seed": seeds * 2,
                              "churn_rate_30d": [0.20, 0.22, 0.21, 0.10, 0.12, 0.11],
                              "total_cost": [0.0] * 3 + [100.0] * 3, "liability": [0.0] * 6})
    ts = pd.DataFrame({"scenario": ["baseline"] * 3 + ["calm"] * 3, "seed": seeds * 2, "day": 1, "dau": 1.0})
    row = value_table(summaries, ts, "baseline", ["baseline", "calm"], "churn_rate_30d").iloc[0]
    assert row.effect < 0 and row.cost_per_unit == pytest.approx(1000)  # less churn is the gain
    # a share's cost is said per percentage point: 100 for 10 points of churn is 10 a point, not 1,000
    from commsim.experiments.reports.comparison import meaning, value_lines
    from commsim.experiments.reports.kit import Formatter

    lines = "\n".join(value_lines(Formatter(), value_table(summaries, ts, "baseline", ["baseline", "calm"],
                                                            "churn_rate_30d"), "churn_rate_30d"))
    assert "extra cost per percentage point of churn in the last 30 days" in lines and "| 10 [" in lines
    diffs = pd.DataFrame([{"scenario": "calm", "kpi": "churn_rate_30d", "difference": -0.1, "low": -0.12,
                           "high": -0.08, "relative": -0.48, "distinguishable": True}])
    said = meaning(Formatter(language="zh", currency="CNY"), "calm", diffs, "churn_rate_30d", 100.0)
    assert "约合每个百分点（最近 30 天流失率） 10 元" in said, said
    html = to_html("##### not a heading\n![a](b) text\nplain", tmp_path, "t")  # used to loop for ever
    assert "plain" in html and np.char.count(html, "<p>") >= 1



def test_without_a_cost_per_unit_plans_rank_by_their_gain_in_the_good_direction():
    """Headline churn (lower is better), no plan with a cost per unit: the plan that lowered churn
    ranks above the one that raised it."""
    from commsim.experiments.reports.tables import value_table

    seeds = [0, 1, 2]
    churn = {"baseline": [0.20, 0.22, 0.21], "worse": [0.25, 0.27, 0.26], "better": [0.19, 0.23, 0.18]}
    summaries = pd.DataFrame([{"scenario": s, "seed": k, "churn_rate_30d": v[k], "total_cost": 0.0, "liability": 0.0}
                              for s, v in churn.items() for k in seeds])
    ts = summaries[["scenario", "seed"]].assign(day=1, dau=1.0)
    table = value_table(summaries, ts, "baseline", ["baseline", "worse", "better"], "churn_rate_30d")
    assert table.cost_per_unit.isna().all()
    assert list(table.scenario) == ["better", "worse"]

def test_a_plan_that_did_nothing_is_named_and_never_ranked(tmp_path, caplog):
    """KOL seeding in a community with no members (and nobody joining) has no one to pick: the
    run warns, and the report lists the plan as having done nothing instead of ranking it."""
    empty = ["network.n=300", "days=15", "population.initial_members=0", "behaviour.joining.p_organic=0",
             "behaviour.joining.q_social=0", "progress=never"]
    report = compare_here(tmp_path, "compare.replicates=2", *empty,
                          "++compare.scenarios={baseline:['plan=baseline'],kol:['plan=kol_seeding'],"
                          "content:['plan=content']}")
    text = report.read_text()
    assert "**kol** did nothing: kol spent nothing and recorded no result" in text
    assert "Did nothing (not ranked): `kol`" in text
    ranked = pd.read_csv(tmp_path / "value_for_money.csv")
    assert "kol" not in set(ranked.scenario) and "content" in set(ranked.scenario)
    assert any("strategy kol did nothing in this run" in r.getMessage() for r in caplog.records), "the run warns"


def test_every_figure_and_table_counts_points_owed_as_cost():
    from commsim.experiments.reports.comparison import plan_costs

    runs = pd.DataFrame({"scenario": ["baseline", "incentive"], "total_cost": [0.0, 100.0], "liability": [None, 40.0]})
    assert plan_costs(runs).tolist() == [0.0, 140.0]


def test_runs_draw_their_figures_for_the_first_replicate_unless_asked(tmp_path):
    """compare.run_figures: 'first' (default) draws them for each scenario's first seed, 'all' for every one."""
    small = ["days=10", "network.n=300", "compare.replicates=2", TINY[-1], "progress=never"]
    for how, expected in (("first", {0}), ("all", {0, 1})):  # 'all' on the same folder: the finished
        out = tmp_path  # replicates without figures run again to draw them
        compare_here(out, *small, *([] if how == "first" else [f"compare.run_figures={how}"]))
        for scenario in ("baseline", "content"):
            runs = sorted((out / "runs" / scenario).glob("seed*"))
            assert len(runs) == 2 and all((r / "DONE").is_file() for r in runs)
            drawn = {int(r.name[4:].split("_")[0]) for r in runs if list(r.glob("figures/*.png"))}
            assert drawn == expected, (how, scenario, drawn)
        assert (out / "figures" / "dau_over_time.png").is_file(), "the report's own figures are always drawn"
