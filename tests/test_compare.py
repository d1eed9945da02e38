"""Paired comparisons and reports: python -m experiments.compare."""

import subprocess
import sys

import pandas as pd

TINY = ["days=30", "network.n=1200", "compare.replicates=3",
        "++compare.scenarios={baseline:['plan=baseline'],content:['plan=content']}"]


def compare(out, *overrides):
    return subprocess.run([sys.executable, "-m", "experiments.compare", *overrides, f"hydra.run.dir={out}"],
                          capture_output=True, text=True)


def test_comparison_writes_a_readable_report_and_resumes(tmp_path):
    out = tmp_path / "report"
    res = compare(out, *TINY)
    assert res.returncode == 0, res.stderr
    report = (out / "report.md").read_text()
    assert "## What this means" in report and "**content**" in report
    assert "Daily active members (mean of last 30 days) (members)" in report
    assert "distinguishable from zero?" in report
    for fig in ("dau_over_time", "members_over_time", "retention", "churn", "cascades", "cost_vs_outcome"):
        assert (out / "figures" / f"{fig}.png").stat().st_size > 5_000
        assert f"figures/{fig}.png" in report
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs.groupby("scenario").seed.apply(list).tolist()) == [[0, 1, 2], [0, 1, 2]], "paired seeds"
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs.scenario) == {"content"}
    assert "report:" in res.stdout
    again = compare(out, *TINY)
    assert again.returncode == 0
    assert "6 already finished, 0 to do" in again.stdout + again.stderr


def test_comparison_errors(tmp_path):
    res = compare(tmp_path / "a", "experiment=no_such_thing")
    assert res.returncode != 0
    assert "no_such_thing" in res.stderr and "default_comparison" in res.stderr, "lists the available ones"
    res = compare(tmp_path / "b", *TINY[:-2], "compare.replicates=1", TINY[-1])
    assert res.returncode == 2 and "compare.replicates: 1 is too few" in res.stderr
    res = compare(tmp_path / "c", "days=10")
    assert res.returncode == 2 and "no scenarios to compare" in res.stderr
    res = compare(tmp_path / "d", "days=10", "compare.replicates=2",
                  "++compare.scenarios={baseline:['plan=baseline'],x:['plan=nope']}")
    assert res.returncode == 2 and "scenario 'x'" in res.stderr
    assert not (tmp_path / "d" / "report.md").exists()
