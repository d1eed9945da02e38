"""Outputs that say what is true: each experiment in its own folder, plans labelled by what they
run, and a budget that runs out is reported (issue 13)."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest
from omegaconf import OmegaConf

from commsim.experiments.settings import model_config, register_configs
from tests.conftest import CONFIGS, composed, run_here

EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_each_named_experiment_writes_into_its_own_folders(experiment):
    register_configs()
    assert composed(f"experiment={experiment}", config_name="compare").compare.name == experiment
    if "sweeper" in (CONFIGS / "experiment" / f"{experiment}.yaml").read_text():  # a sweep, too
        assert composed(f"experiment={experiment}").sweep_name == experiment


def test_ad_hoc_comparisons_are_named_after_their_scenarios():
    register_configs()

    def name(scenarios: str) -> str:
        cfg = composed(f"++compare.scenarios={scenarios}", "compare.baseline=a", config_name="compare")
        return OmegaConf.to_container(cfg, resolve=True)["compare"]["name"]

    first, second = name("{a:['plan=baseline'],b:['plan=content']}"), name("{a:['plan=baseline'],b:['plan=kol']}")
    assert first.startswith("adhoc-") and second.startswith("adhoc-") and first != second
    assert name("{a:['plan=baseline'],b:['plan=content']}") == first  # the same scenarios, the same folder


def test_a_custom_plan_is_labelled_by_its_strategies():
    cfg = model_config(composed("plan.strategies=[content,winback]"))
    assert cfg.plan.name == "content+winback"
    assert model_config(composed("plan=content")).plan.name == "content"  # a named plan keeps its name


def test_a_budget_that_runs_out_is_logged_summarised_and_drawn(tmp_path, caplog):
    overrides = ["plan=all_strategies", "plan.budget=300", "days=60", "network.n=400"]
    with caplog.at_level(logging.WARNING):
        summary = run_here(tmp_path, *overrides)
    day = summary["budget_exhausted_day"]
    assert day is not None and 1 <= day < 60
    assert "ran out on day" in caplog.text and f"day {day} of 60" in caplog.text
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert ts["cost"].sum() <= 300 + 1e-9
    assert (ts.loc[ts["day"] >= day, "budget_short"] > 0).any()
    assert (ts.loc[ts["day"] < day, "budget_short"] == 0).all()
    assert json.loads((tmp_path / "summary.json").read_text())["budget_exhausted_day"] == day
    assert (tmp_path / "figures" / "spend.png").is_file()


def test_a_budget_that_lasts_has_no_exhausted_day(tmp_path):
    summary = run_here(tmp_path, "plan=all_strategies", "plan.budget=10000000", "days=30", "network.n=300")
    assert summary["budget_exhausted_day"] is None
