"""Budget optimisation (experiments.optimize): the front is non-dominated and within budget, and an
interrupted or extended search continues its journal."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from commsim.experiments.optimize import describe, optimize, overrides_of, pareto_front
from tests.conftest import composed

BUDGET = 1500


def _run(tmp_path, trials):
    args = ["network.n=300", "days=40", "progress=never", f"optimize.budget={BUDGET}", f"optimize.trials={trials}",
            "optimize.replicates=2", "optimize.confirm_replicates=2", "optimize.jobs=1"]
    return optimize(composed(*args, config_name="optimize"), tmp_path, args)


def test_front_is_non_dominated_within_budget_and_the_search_resumes(tmp_path):
    report = _run(tmp_path, 6)
    trials = pd.read_csv(tmp_path / "trials.csv")
    front = pd.read_csv(tmp_path / "pareto.csv")
    assert len(trials) == 6 and (tmp_path / "DONE").is_file()
    assert list(front.columns[:7]) == ["cost", "mean_dau_last30", "difference", "difference_low",
                                       "difference_high", "plan", "overrides"]
    assert (trials["max_spent"] <= BUDGET + 1e-6).all(), "a candidate overspent its budget"
    assert (trials["cost"] >= trials["spent"]).all()  # cost = spent + the points still owed
    acting = trials[trials["idle"].isna()]  # a plan with a strategy that did nothing is kept off the front
    for f in front.itertuples():
        dominated = ((acting["cost"] <= f.cost) & (acting["difference"] >= f.difference)
                     & ((acting["cost"] < f.cost) | (acting["difference"] > f.difference))).any()
        assert not dominated, f"front point {f.plan} is dominated"
    off_front = trials[~trials["trial"].isin(front["trial"]) & trials["idle"].isna()]
    for t in off_front.itertuples():  # and every other plan that acted is dominated by the front
        assert ((front["cost"] <= t.cost) & (front["difference"] >= t.difference)).any()
    assert "What to do with 1,500" in report.read_text()
    assert "What to do with 1,500" in report.with_suffix(".html").read_text(), "every report is also HTML"

    runs_before = set((tmp_path / "runs").iterdir())
    _run(tmp_path, 8)  # two more trials: the journal continues, the first six are not re-run
    trials = pd.read_csv(tmp_path / "trials.csv")
    assert len(trials) == 8 and sorted(trials["trial"]) == list(range(8))
    assert runs_before <= set((tmp_path / "runs").iterdir())


def test_a_plan_reads_in_words_and_as_overrides():
    plan = {"strategies": ["content", "kol"], "values": {"strategies.content.posts_per_week": 7.0,
                                                         "strategies.kol.k": 12, "strategies.kol.method": "pagerank"}}
    assert describe(plan) == "content (posts_per_week=7) + kol (k=12, method=pagerank)"
    assert overrides_of(plan, 2000) == ["plan.strategies=[content,kol]", "plan.budget=2000",
                                        "strategies.content.posts_per_week=7.0", "strategies.kol.k=12",
                                        "strategies.kol.method=pagerank"]
    assert describe({"strategies": [], "values": {}}) == "no strategy (the baseline)"
    json.dumps(plan)  # plans travel in Optuna's journal as JSON
    timed = {"strategies": ["content", "winback"], "allowances": {"content": 5935.01, "winback": 14064.98},
             "values": {"strategies.content.posts_per_week": 7.0, "strategies.winback.dormant_days": 14,
                        "strategies.winback.start_day": 10, "strategies.winback.end_day": None}}
    assert describe(timed) == ("content (posts_per_week=7, 30% of the budget) + "
                               "winback (dormant_days=14, from day 10, 70% of the budget)")
    words = overrides_of(timed, 20000)
    assert "strategies.winback.end_day=null" in words
    assert "++plan.allowances={content:5935.01,winback:14064.98}" in words, "to the cent: never over the budget"
    from commsim.experiments.settings import model_config

    model_config(composed(*words, config_name="config"), words)  # composes and validates as printed


def test_the_search_splits_the_budget_and_times_the_strategies_and_no_strategy_exceeds_its_share(tmp_path):
    import optuna

    from commsim.experiments.optimize import suggest

    study = optuna.create_study(directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=3))
    plans = [suggest(study.ask(), ["content", "incentive", "winback"], 90, 1500.0, True, True) for _ in range(40)]
    for plan in plans:
        if len(plan["strategies"]) >= 2:
            assert set(plan["allowances"]) == set(plan["strategies"]) and sum(plan["allowances"].values()) <= 1500
        else:
            assert plan["allowances"] == {}
        for name in set(plan["strategies"]) & {"incentive", "winback"}:
            start, end = plan["values"][f"strategies.{name}.start_day"], plan["values"][f"strategies.{name}.end_day"]
            assert 1 <= start <= 83 and (end is None or start + 7 <= end <= 90)
        assert "strategies.content.start_day" not in plan["values"]  # content declares no timing
    assert any(p["values"].get("strategies.winback.end_day") is not None for p in plans)


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(-10, 10)), min_size=1, max_size=30))
def test_pareto_front_is_exactly_the_non_dominated_points(points):
    front = set(pareto_front(points))
    for i, (c, e) in enumerate(points):
        dominated = any(c2 <= c and e2 >= e and (c2 < c or e2 > e) for c2, e2 in points)
        assert (i in front) == (not dominated)


def test_a_journal_of_other_settings_is_refused_and_kpis_that_cannot_be_maximised_too(tmp_path):
    import pytest

    from commsim.sim.errors import ConfigError

    _run(tmp_path, 2)
    args = ["network.n=300", "days=30", "progress=never", f"optimize.budget={BUDGET}", "optimize.trials=3",
            "optimize.replicates=2", "optimize.jobs=1"]  # other days: the old trials mean something else
    with pytest.raises(ConfigError, match="holds a search with other settings"):
        optimize(composed(*args, config_name="optimize"), tmp_path, args)
    same = ["network.n=300", "days=40", "progress=never", f"optimize.budget={BUDGET}", "optimize.trials=3",
            "optimize.replicates=2", "optimize.jobs=1", "optimize.sampler=tpe"]  # TPE would read NSGA-II's trials
    with pytest.raises(ConfigError, match="holds a search with other settings"):
        optimize(composed(*same, config_name="optimize"), tmp_path, same)
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(study_name="plans",
                              storage=JournalStorage(JournalFileBackend(str(tmp_path / "study.journal"))))
    assert study.user_attrs["population_size"] == 4  # kept, so a search continued with more trials asks alike
    for kpi in ("churn_rate_30d", "roi"):
        bad = ["progress=never", f"optimize.kpi={kpi}"]
        with pytest.raises(ConfigError, match="cannot be maximised"):
            optimize(composed(*bad, config_name="optimize"), tmp_path / kpi, bad)


def test_the_schedule_adds_up_to_the_plans_cost_week_by_week(tmp_path):
    import math

    from commsim.experiments.analyses.schedule import COLUMNS, schedule
    from tests.conftest import run_here

    dirs = []
    for seed in (0, 1):
        dirs.append(tmp_path / f"s{seed}")
        run_here(dirs[-1], "network.n=600", "days=30", f"seed={seed}", "plan.name=mix",
                 "plan.strategies=[incentive,winback]", "strategies.winback.dormant_days=7")
    table = schedule(dirs, ["incentive", "winback"], {"incentive": "points_per_action=10", "winback": "dormant_days=7"})
    assert list(table.columns) == COLUMNS
    assert sorted(table.week.unique()) == [1, 2, 3, 4, 5], "30 days: weeks 1-5, the last one short"
    for name in ("incentive", "winback"):
        owed = [json.loads((d / "summary.json").read_text()) for d in dirs]
        spend = [pd.read_parquet(d / "spend.parquet")[name].sum() for d in dirs]
        liability = [float(s["liability"] or 0.0) if name == "incentive" else 0.0 for s in owed]
        expected = sum(a + b for a, b in zip(spend, liability)) / len(dirs)
        assert math.isclose(table[table.strategy == name].cost.sum(), expected, rel_tol=1e-6, abs_tol=0.05), name
    assert (table[table.strategy == "incentive"].action == "run (points_per_action=10)").all()
    assert set(table[table.strategy == "winback"].action) <= {"run (dormant_days=7)", "nothing to act on"}
    assert (table[table.strategy == "winback"].action.iloc[0]) == "nothing to act on", \
        "in its first week nobody has been away 7 days yet"


def test_a_plan_whose_strategy_cannot_act_is_kept_off_the_front(tmp_path, monkeypatch):
    import commsim.experiments.optimize as O

    real = O.idle_everywhere
    monkeypatch.setattr(O, "idle_everywhere", lambda jobs: ["kol"] if "kol" in jobs[0].config.plan.strategies
                        else real(jobs))  # as a twin with no members would make it
    report = _run(tmp_path, 8)
    trials = pd.read_csv(tmp_path / "trials.csv").fillna({"idle": ""})
    front = pd.read_csv(tmp_path / "pareto.csv")
    with_kol = trials[trials.plan.str.contains("kol")]
    assert len(with_kol) and (with_kol.idle == "kol").all()
    assert not front.plan.str.contains("kol").any(), "a plan whose KOL part did nothing is never on the front"
    assert "did nothing in every run" in report.read_text()


def test_the_recommended_plan_is_checked_over_the_uncertain_parameters(tmp_path):
    import yaml

    from commsim.experiments.analyses.robust import DECISION_COLUMNS
    from commsim.experiments.optimize import robust_check
    from commsim.experiments.runner.jobs import Runner
    from commsim.experiments.settings import load
    from commsim.sim.config import to_dict

    args = ["network.n=300", "days=30", "progress=never", "optimize.replicates=2", "uncertainty.draws=3"]
    config, settings = load(composed(*args, config_name="optimize"), args)
    plan = {"strategies": ["content"], "values": {"strategies.content.posts_per_week": 7}}
    with Runner() as runner:
        table = robust_check(plan, to_dict(config), settings.optimize, settings, config, runner, tmp_path)
    assert list(table.columns) == DECISION_COLUMNS and list(table.scenario) == ["baseline", "recommended"]
    assert table.p_best.sum() == pytest.approx(1.0) and 0 <= table.p_better.iloc[1] <= 1
    used = [yaml.safe_load((d / "config.yaml").read_text()) for d in (tmp_path / "runs").iterdir()]
    assert len(used) == 3 * 2 * 2, "3 draws x 2 seeds x (plan, baseline)"
    assert len({u["strategies"]["content"]["quality"] for u in used}) == 3, "each draw its own response size"
    assert len({u["behaviour"]["activity"]["base"] for u in used}) == 3
    settings.uncertainty.kind = "none"
    assert robust_check(plan, to_dict(config), settings.optimize, settings, config, None, tmp_path) is None


def test_a_search_over_parameter_draws_maximises_the_chosen_quantile(tmp_path):
    """optimize.draws: every candidate runs on each draw; its effect is the objective over the draws'
    effects (here the 25th percentile), its interval their 10th-90th percentiles, and it never overspends."""
    args = ["network.n=300", "days=30", "progress=never", f"optimize.budget={BUDGET}", "optimize.trials=4",
            "optimize.replicates=2", "optimize.confirm_replicates=2", "optimize.jobs=1", "optimize.draws=3",
            "optimize.objective=q25", "uncertainty=prior", "uncertainty.draws=2", "uncertainty.match=null",
            "optimize.strategies=[content,winback]"]
    optimize(composed(*args, config_name="optimize"), tmp_path, args)
    trials = pd.read_csv(tmp_path / "trials.csv")
    acting = trials[trials["plan"] != "no strategy (the baseline)"]
    assert len(acting) and (acting["difference_low"] <= acting["difference"] + 1e-9).all()
    assert (acting["difference"] <= acting["difference_high"] + 1e-9).all()
    shares = acting["draws_better"].to_numpy() * 3
    assert acting["draws_better"].notna().all() and abs(shares - shares.round()).max() < 1e-3, \
        "each plan's share of draws it beats doing nothing is k of the 3 draws"
    assert (trials["max_spent"] <= BUDGET + 1e-6).all(), "no candidate overspends in any draw"


def test_evaluate_over_draws_takes_the_quantile_of_the_draws_effects(monkeypatch):
    import commsim.experiments.optimize as O

    groups = [[object()] for _ in range(5)]
    fake = {id(g): {"difference": e, "cost": 1.0, "spent": 1.0, "max_spent": 1.0, "mean_dau_last30": 0.0,
                    "difference_low": 0, "difference_high": 0, "budget_ran_out": 0, "idle": ""}
            for g, e in zip(groups, [4.0, -1.0, 2.0, 0.5, 3.0])}
    monkeypatch.setattr(O, "evaluate", lambda g, b, kpi: fake[id(g)])
    r = O.evaluate_over(groups, [[]] * 5, "mean_dau_last30", "q25")
    assert r["difference"] == pytest.approx(0.5) and r["draws_better"] == pytest.approx(0.8)
    assert O.evaluate_over(groups, [[]] * 5, "mean_dau_last30", "mean")["difference"] == pytest.approx(1.7)


def test_a_search_fingerprint_covers_the_model_version_and_the_files_named(tmp_path, monkeypatch):
    """A journal of an older engine, or of an edited network, is not continued: both are in the fingerprint."""
    from types import SimpleNamespace

    from commsim.experiments import optimize
    from commsim.sim import version

    graph = tmp_path / "g.edgelist"
    graph.write_text("0 1\n1 2\n")
    base = {"seed": 0, "days": 10, "network": {"kind": "file", "path": str(graph)}, "population": {}}
    o = SimpleNamespace(kpi="mean_dau_last30", strategies=["content"], budget=100.0, split=False, timing=False, draws=0,
                        sampler="nsga2")
    first = optimize.search_setup(base, o, [0, 1])
    assert optimize.search_setup(base, SimpleNamespace(**{**vars(o), "sampler": "tpe"}), [0, 1]) != first
    assert optimize.search_setup({**base, "seed": 7}, o, [0, 1]) == first, "the seed is the search's own"
    graph.write_text("0 1\n1 2\n2 0\n")
    edited = optimize.search_setup(base, o, [0, 1])
    assert edited != first
    monkeypatch.setattr(version, "MODEL_VERSION", "99")
    assert optimize.search_setup(base, o, [0, 1]) != edited


def test_a_reliable_plan_off_the_front_is_recommended_when_no_front_point_is():
    """Plan A (cost 100, +5 [-1, 11]) keeps plan B (cost 200, +4 [3, 5]) off the front; B still beats the
    baseline reliably, so it is the one recommended, not "no plan beats the baseline"."""
    from commsim.experiments.optimize import pareto_front, recommendable

    acting = pd.DataFrame({"trial": [0, 1], "cost": [100.0, 200.0], "difference": [5.0, 4.0],
                           "difference_low": [-1.0, 3.0]})
    front = acting.iloc[pareto_front(list(zip(acting.cost, acting.difference)))]
    assert list(front.trial) == [0]
    assert recommendable(front, acting).trial == 1
    assert recommendable(front, acting.assign(difference_low=-1.0)) is None
    both = acting.assign(difference_low=[1.0, 3.0])
    assert recommendable(both.iloc[[0]], both).trial == 0  # a reliable front point comes first
