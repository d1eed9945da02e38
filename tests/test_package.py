"""One installable package that works from any folder: the `commsim` command, Hydra's launcher
plugin and the configs found from the package, the Python API writing under the caller's folder,
a clear message for a script without a ``__main__`` guard, and a wheel with nothing under a
generic top-level name."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMSIM = Path(sys.executable).with_name("commsim")
SMALL = ["days=5", "network.n=300", "progress=never"]


def in_folder(folder: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(COMMSIM), *args], cwd=folder, capture_output=True, text=True, timeout=timeout)


def test_commsim_runs_from_any_folder_and_writes_there(tmp_path):
    res = in_folder(tmp_path, "run", *SMALL, "hydra.run.dir=out")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "DONE").is_file() and (tmp_path / "out" / "summary.json").is_file()


def test_a_sweep_from_any_folder_uses_commsims_launcher(tmp_path):
    """The multirun default is `hydra/launcher=commsim`: it must be found outside the clone."""
    res = in_folder(tmp_path, "sweep", *SMALL, "seed=0,1", "hydra.sweep.dir=sw")
    assert res.returncode == 0, res.stderr
    assert len(list((tmp_path / "sw").glob("*/DONE"))) == 2
    assert (tmp_path / "sw" / "sweep.parquet").is_file()


def test_help_lists_the_commands_and_a_typo_is_named():
    ok = subprocess.run([str(COMMSIM), "--help"], capture_output=True, text=True)
    assert ok.returncode == 0
    for name in ("run", "sweep", "compare", "calibrate", "sensitivity", "optimize", "demo"):
        assert f"\n  {name} " in ok.stdout, name
    bad = subprocess.run([str(COMMSIM), "comapre"], capture_output=True, text=True)
    assert bad.returncode == 2 and "did you mean `commsim compare`?" in bad.stderr


UNGUARDED = """
from commsim import api
api.compare(scenarios={"baseline": ["plan=baseline"], "content": ["plan=content"]}, replicates=2,
            overrides=["network.n=300", "days=5", "progress=never"], out_dir="cmp", jobs=2)
print("finished")
"""


def test_a_script_without_a_main_guard_gets_a_clear_message(tmp_path):
    script = tmp_path / "my_experiment.py"
    script.write_text(UNGUARDED)
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert res.returncode != 0 and "finished" not in res.stdout
    assert "my_experiment.py has no `if __name__ == \"__main__\":` guard" in res.stderr, res.stderr[-2000:]
    assert "died" not in res.stderr


@pytest.mark.slow  # 17 s; the fast tier keeps `commsim` from any folder
def test_the_python_api_works_from_any_folder_and_writes_there(tmp_path):
    guarded = "if __name__ == '__main__':\n" + "".join("    " + line + "\n" for line in UNGUARDED.strip().splitlines())
    script = tmp_path / "guarded.py"
    script.write_text(guarded.replace("jobs=2", "jobs=1"))
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "finished" in res.stdout and (tmp_path / "cmp" / "report.md").is_file()


def test_the_wheel_holds_one_package_with_its_configs_and_data(tmp_path):
    source = tmp_path / "src"  # a copy: building writes build/ and *.egg-info into the source tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "results", "build", "*.egg-info",
                                                                 "__pycache__", ".hypothesis", ".pytest_cache"))
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(source)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    # a data folder inside a package that `packages` does not list: setuptools ships it today and
    # warns it will stop ("Package would be ignored")
    assert "absent from the `packages` configuration" not in res.stdout + res.stderr, res.stderr[:2000]
    (wheel,) = tmp_path.glob("commsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"commsim", "hydra_plugins"}, tops
    for needed in ("commsim/configs/config.yaml", "commsim/configs/plan/content.yaml", "commsim/cli.py",
                   "commsim/data/collegemsg/CollegeMsg.txt.gz", "commsim/sim/model.py",
                   "commsim/experiments/runner/backends/local.py", "hydra_plugins/commsim_launcher/commsim_launcher.py",
                   "commsim/experiments/reports/locale/zh.po", "commsim/configs/uncertainty/prior.yaml"):
        assert needed in names, needed
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "commsim = commsim.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_a_path_from_home_is_told_how_to_write_it_and_ctrl_c_says_how_to_resume(tmp_path, monkeypatch, capsys):
    """`log=~/x.csv`: Hydra cannot read it and nothing would expand a quoted ~: the hint gives $HOME.
    Ctrl-C ends with a sentence on resuming (exit 130), not a traceback."""
    from commsim import cli
    from commsim.experiments.cli import quoting_hint

    assert quoting_hint("log=~/exports/x.csv") == ("log: Hydra cannot read the value '~/exports/x.csv' as written, "
                                                   "and a '~' is not expanded here; write \"log=$HOME/exports/x.csv\" "
                                                   "(the shell puts your home folder in)")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.runpy, "run_module", interrupted)
    assert cli.main(["compare", "days=5"]) == 130
    said = capsys.readouterr().err
    assert "commsim compare: interrupted. Finished runs are kept" in said and "Traceback" not in said
