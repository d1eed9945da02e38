"""Every command the README and docs show is one that runs.

Each ``python -m experiments.<app> ...`` line in a shell block of README.md or docs/*.md goes
through the same preflight a real invocation does (compose, validate every sweep point and
scenario, check the output directory): a documented command that would be refused fails here.
Commands that are not Hydra apps answer ``--help``. Placeholders a reader fills in (``my_log.csv``,
``...``) are replaced by the shipped example data.
"""

import functools
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from commsim.experiments.cli import check_command_line

ROOT = Path(__file__).resolve().parents[1]
HYDRA_APPS = {"experiments.run": "config", "experiments.compare": "compare", "experiments.calibrate": "calibrate",
              "experiments.sensitivity": "sensitivity", "experiments.optimize": "optimize"}
PLACEHOLDERS = {
    "my_community_log.csv": "data/collegemsg/CollegeMsg.txt.gz", "my_log.csv": "data/collegemsg/CollegeMsg.txt.gz",
    "crm_export.csv": "data/collegemsg/CollegeMsg.txt.gz", "data/my_community.csv": "{edges}",
    "results/calibrations/mine": "", "holidays.csv": "data/collegemsg/calendar.csv",
}


def documented_commands() -> list[tuple[str, str]]:
    out = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```(?:bash|sh|shell)\n(.*?)```", doc.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.strip()
                if line.startswith("python -m experiments."):
                    out.append((f"{doc.name}: {line[:70]}", line))
                elif line.startswith("commsim ") and not line.startswith("commsim --"):
                    out.append((f"{doc.name}: {line[:70]}", as_module(line)))
    return out


def as_module(line: str) -> str:
    """``commsim run a=1`` -> ``python -m experiments.run a=1`` (the console command's own table)."""
    from commsim.cli import COMMANDS as CONSOLE

    name, _, rest = line.partition(" ")[2].partition(" ")
    module, before, _ = CONSOLE[name]
    return " ".join(["python -m", module.removeprefix("commsim."), *before, rest]).strip()


COMMANDS = documented_commands()


def test_the_docs_show_commands_at_all():
    assert len(COMMANDS) >= 25 and any("experiments.calibrate" in c for _, c in COMMANDS)


@pytest.mark.parametrize("line", [c for _, c in COMMANDS], ids=[i for i, _ in COMMANDS])
def test_documented_command_passes_its_preflight(line, tmp_path):
    edges = tmp_path / "my_community.csv"
    edges.write_text("source,target\nann,bob\nbob,cy\ncy,ann\n")
    own = tmp_path / "my_configs" / "plan"  # a user's own config folder (hydra.searchpath) with a plan
    own.mkdir(parents=True)
    (own / "my_plan.yaml").write_text("# @package _global_\nplan:\n  name: my_plan\n  budget: null\n"
                                      "  strategies: [content]\n")
    line = line.replace("/path/to/my_configs", str(own.parent))
    words = shlex.split(line.replace("{edges}", str(edges)), comments=True)
    module, args = words[2], words[3:]
    if "..." in args:
        pytest.skip("an elided example (...)")
    for i, arg in enumerate(args):
        for placeholder, real in PLACEHOLDERS.items():
            if placeholder in arg:
                args[i] = arg.replace(placeholder, real.replace("{edges}", str(edges))) if real else None
    if any(a is None for a in args):
        pytest.skip("needs a calibration the reader makes first (tested in tests/test_calibrate.py)")
    # --dry-run is runner.dry_run=true (experiments/cli.py); what a dry run prints is tests/test_backends.py's
    args = ["runner.dry_run=true" if a == "--dry-run" else a for a in args]
    if module in HYDRA_APPS and any(a.startswith("-") and a not in ("-m", "--multirun") for a in args):
        res = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT,
                             timeout=120)  # Hydra's own flags (--cfg job): Hydra answers
        assert res.returncode == 0, f"{line}: {res.stderr[-2000:]}"
    elif module in HYDRA_APPS:
        multirun = "-m" in args or "--multirun" in args
        problems = check_command_line(HYDRA_APPS[module], [a for a in args if a not in ("-m", "--multirun")],
                                      multirun)
        assert problems == [], f"{line}\n{problems}"
    else:
        returncode, stderr = answers_help(module)
        assert returncode == 0, f"{module} --help: {stderr[-2000:]}"


@functools.cache
def answers_help(module: str) -> tuple[int, str]:
    """``python -m <module> --help``'s exit status and stderr, asked once per module (several documented
    lines run the same command)."""
    res = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    return res.returncode, res.stderr
