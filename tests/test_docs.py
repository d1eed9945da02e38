"""Docs that cannot drift: every parameter, column and summary key is documented."""

import dataclasses
from pathlib import Path

import pytest

from commsim.sim.day import BehaviourConfig
from commsim.sim.config import PopulationConfig
from commsim.sim.metrics import SUMMARY_KEYS, TIMESERIES_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def test_every_behaviour_and_population_parameter_is_in_model_md():
    text = (ROOT / "docs" / "model.md").read_text()
    b = BehaviourConfig()
    keys = [f"population.{f.name}" for f in dataclasses.fields(PopulationConfig)]
    for group in dataclasses.fields(b):
        keys += [f"behaviour.{group.name}.{f.name}" for f in dataclasses.fields(getattr(b, group.name))]
    missing = [k for k in keys if f"`{k}`" not in text]
    assert not missing, f"undocumented parameters in docs/model.md: {missing}"


def test_parameter_tables_are_up_to_date():
    """docs/model.md and docs/strategies.md tables equal what the schemas generate."""
    from commsim.experiments.make_docs import main

    assert main(["--check"]) == 0, "run: python -m experiments.make_docs"


def test_every_strategy_and_its_parameters_are_in_strategies_md():
    from commsim.strategies import registry

    text = (ROOT / "docs" / "strategies.md").read_text()
    for name in registry.available():
        assert f"### `{name}`" in text
        for f in dataclasses.fields(registry.get(name).Params):
            assert f"`strategies.{name}.{f.name}`" in text


def test_every_segment_is_defined_in_metrics_md():
    text = (ROOT / "docs" / "metrics.md").read_text()
    for name in ("core", "active", "casual", "dormant"):
        assert f"**{name}**" in text


@pytest.mark.parametrize("key", TIMESERIES_COLUMNS + SUMMARY_KEYS)
def test_every_metric_is_defined_in_metrics_md(key):
    assert f"`{key}`" in (ROOT / "docs" / "metrics.md").read_text()


def test_readme_commands_are_the_makefile_targets():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "make run" in readme and "make test" in readme
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_worked_strategy_example_in_strategies_md_runs():
    """The 'Writing a new strategy' example, executed as written, in a fresh process."""
    import re
    import subprocess
    import sys

    text = (ROOT / "docs" / "strategies.md").read_text()
    code = re.search(r"```python\n(# strategies/welcome.py\n.*?)```", text, re.S).group(1)
    script = code + '''
from commsim.sim import simulate
result = simulate({"days": 30, "seed": 1, "network": {"n": 2000},
                   "plan": {"name": "welcome", "budget": 1000, "strategies": ["welcome"]},
                   "strategies": {"welcome": {"uplift": 2.0}}})
spent = result.spend["welcome"].sum()
assert 0 < spent <= 1000, spent
assert abs(result.strategy_results["welcome.welcomed"].sum() * 0.1 - spent) < 1e-6
print("ok", spent)
'''
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ok")


def test_the_calendar_and_campaign_examples_in_calibration_md_read(tmp_path):
    """docs/calibration.md's CSV examples, as written, are valid calendar and campaign files."""
    import re

    from commsim.experiments.analyses.calibration.twin import build
    from commsim.sim.log_io import read_log

    calendar, campaigns = re.findall(r"```csv\n(.*?)```", (ROOT / "docs" / "calibration.md").read_text(), re.S)
    (tmp_path / "calendar.csv").write_text(calendar)
    (tmp_path / "campaigns.csv").write_text(campaigns)
    days = [f"2024-{m:02d}-{d:02d}" for m in (1, 2, 3, 4) for d in (1, 10, 20)]
    (tmp_path / "log.csv").write_text("user,target,time\n" + "".join(f"u{i % 5},u{(i + 1) % 5},{day}\n"
                                                                    for i, day in enumerate(days)))
    log = read_log(tmp_path / "log.csv")[0]
    twin = build(log, 100, tmp_path, calendar_file=str(tmp_path / "calendar.csv"),
                 campaigns_file=str(tmp_path / "campaigns.csv"))
    assert [e["name"] for e in twin.config["calendar"]["events"]] == ["spring festival", "product launch"]
    assert twin.fitted_events == [0] and twin.config["plan"]["strategies"] == ["winback", "events"]


def test_every_calibrate_key_in_calibration_md_exists():
    import dataclasses
    import re

    from commsim.experiments.settings import CalibrateSettings, LogColumns, TargetWeights

    known = {f"calibrate.{f.name}" for f in dataclasses.fields(CalibrateSettings)}
    known |= {f"calibrate.columns.{f.name}" for f in dataclasses.fields(LogColumns)}
    known |= {f"calibrate.weights.{f.name}" for f in dataclasses.fields(TargetWeights)}
    used = set(re.findall(r"calibrate\.[a-z_]+(?:\.[a-z_]+)?", (ROOT / "docs" / "calibration.md").read_text()))
    used = {k for k in used if not k.startswith(("calibrate.py", "calibrate.yaml"))}
    assert used <= known, f"docs/calibration.md names keys that do not exist: {sorted(used - known)}"


def test_the_project_stands_on_its_own():
    """No tracked file cites the design notes or data outside the repository."""
    import subprocess

    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT).stdout.split()
    outside = []
    for name in files:
        if name.endswith((".py", ".md", ".yaml", ".toml", ".cfg", ".txt")) and name != "tests/test_docs.py":
            text = (ROOT / name).read_text(errors="replace")
            if "DESIGN.md" in text or "../shared" in text or "STYLE.md" in text:
                outside.append(name)
    assert not outside, f"files citing documents outside the repository: {outside}"
