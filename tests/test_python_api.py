"""The Python API: docs/python.ipynb runs top to bottom, and named plans work from Python."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from commsim.sim.errors import ConfigError
from commsim.sim.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_notebook_runs_and_every_function_returns_a_data_frame(tmp_path, monkeypatch):
    """Each code cell of docs/python.ipynb, in order, in one namespace (as a kernel would)."""
    monkeypatch.chdir(tmp_path)  # the notebook writes under results/ of where it runs
    notebook = json.loads((ROOT / "docs" / "python.ipynb").read_text())
    namespace: dict = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "docs/python.ipynb", "exec"), namespace)
    for name in ("comparison", "sweep", "indices", "front"):
        assert name in namespace
    assert isinstance(namespace["comparison"].differences, pd.DataFrame)
    assert set(namespace["comparison"].runs.seed) == {0, 1, 2}
    assert len(namespace["sweep"]) == 6 and "mean_dau_last30" in namespace["sweep"]
    assert list(namespace["indices"].columns[:4]) == ["parameter", "mu_star", "mu_star_conf", "sigma"]
    assert "difference" in namespace["front"] and (namespace["front"]["cost"] >= 0).all()
    assert (tmp_path / "results" / "python-api" / "optimize" / "DONE").is_file()
    assert os.getcwd() == str(tmp_path)


def test_a_named_plan_from_python_is_the_plan_of_the_command_line():
    from tests.conftest import composed
    from commsim.experiments.settings import model_config

    from_python = simulate({"plan": "kol_seeding", "days": 5, "network": {"n": 300}}, progress="never").config
    from_cli = model_config(composed("plan=kol_seeding", "days=5", "network.n=300"))
    assert from_python.plan == from_cli.plan
    assert from_python.strategies == from_cli.strategies


def test_an_unknown_named_plan_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown plan 'nope'; available: acquisition, all_strategies"):
        simulate({"plan": "nope"})


@pytest.mark.slow  # 16 s: every Python example of the README, end to end
def test_the_readme_python_examples_run(tmp_path, monkeypatch):
    import re

    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "results" / "readme-compare" / "report.md").is_file()


@pytest.mark.parametrize("words", [
    ["days=30", "network.n=300", "seed=3"],
    ["plan=content", "strategies.content.posts_per_week=14", "seed=1"],
    ["plan=kol_seeding", "report.currency=USD", "behaviour.activity.base=-2.5"],
])
def test_the_api_composes_each_run_as_a_full_compose_would(words):
    """compare and sweep from Python compose their runs once per set of group choices
    (experiments/api.py ``_run_composer``), with the configs a full Hydra compose gives."""
    from omegaconf import OmegaConf

    from commsim.experiments.api import _compose, _run_composer

    with _run_composer() as compose_run:
        fast = compose_run(words)
        again = compose_run(words[:1])
    assert OmegaConf.to_container(fast) == OmegaConf.to_container(_compose("config", words))
    assert OmegaConf.to_container(again) == OmegaConf.to_container(_compose("config", words[:1])), \
        "a second run of the same composer starts from the plain config"
