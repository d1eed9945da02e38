"""The bad-input corpus: each mistake a user makes on the command line or in the environment ends
with exit status 2, commsim's own message naming the key / file / line and what is allowed, no
traceback, and nothing left behind that looks like a result."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(tmp_path, module, *args, env=None):
    out = tmp_path / "out"
    run_dir = [] if any(a.startswith("hydra.run.dir=") for a in args) else [f"hydra.run.dir={out}"]
    res = subprocess.run([sys.executable, "-m", module, *args, *run_dir], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, **(env or {})}, timeout=300)
    return res, out


CASES = [
    # (module, args, env, what the message must say)
    ("experiments.run", ["strategies.content.posts_per_wek=7"], {}, "did you mean strategies.content.posts_per_week"),
    ("experiments.run", ["days=abc"], {}, "days: 'abc' is not an integer"),
    ("experiments.run", ["network=karat"], {}, "did you mean network=karate"),
    ("experiments.run", ["+days=3"], {}, "the key exists already"),
    ("experiments.run", ["days=100000000000"], {}, "days: 100000000000 is out of range"),
    ("experiments.run", ["population.topics=100000000000", "network.n=500"], {}, "topics needs about"),
    ("experiments.run", ["days=3", "network.n=500"], {"COMMSIM_MEMORY_LIMIT": "lots"}, "COMMSIM_MEMORY_LIMIT='lots'"),
    ("experiments.run", ["days=3", "network.n=500"], {"COMMSIM_MEMORY_LIMIT": "nan"}, "is not a size"),
    ("experiments.run", ["days=30000", "network.n=1000000"], {"COMMSIM_TIME_LIMIT": "60"}, "of compute"),
    ("experiments.run", ["hydra.run.dir=~/commsim-out"], {}, 'write "hydra.run.dir=$HOME/commsim-out"'),
    ("experiments.run", ["-m", "network.n=500,-5", "days=3"], {}, "sweep point network.n=-5"),
    ("experiments.run", ["network.n=500,600"], {}, "add -m"),
    ("experiments.compare", ["experiment=default_comparison", "compare.replicates=100000000"], {},
     "compare.replicates: 100000000 is out of range"),
    ("experiments.compare", ["experiment=default_comparison", "uncertainty.draws=1000"], {"COMMSIM_TIME_LIMIT": "600"},
     "x (1 + 1000 parameter draws) = 45,045 runs"),
    ("experiments.compare", ["experiment=no_such_thing"], {}, "Available: channel_mix, content_frequency, crisis_response, default_comparison"),
    ("experiments.compare", ["++compare.scenarios={a:[plan=baseline],b:[plan=content]}"], {},
     "compare.scenarios={a:['plan=baseline'],b:['plan=content']}"),
    ("experiments.compare", ["compare.scenarios={a:['plan=baseline']}", "compare.baseline=a"], {},
     "write ++compare.scenarios=... to replace it whole"),
    ("experiments.compare", ["++compare.scenarios={a:['plan=baseline'],b:['plan=nope']}", "compare.baseline=a"], {},
     "scenario 'b': plan=nope: no such option"),
    ("experiments.calibrate", ["calibrate.columns.usr=sender"], {}, "did you mean calibrate.columns.user"),
    ("experiments.calibrate", ["calibrate.log=no/such/export.csv"], {}, "calibrate.log: no such file: no/such/export.csv"),
    ("experiments.observe", ["log=/no/such/export.csv"], {}, "log: no such file: /no/such/export.csv"),
]


@pytest.mark.parametrize("module, args, env, expected", CASES, ids=[" ".join(c[1])[:50] for c in CASES])
def test_bad_input_is_a_message_not_a_traceback(tmp_path, module, args, env, expected):
    res, out = cli(tmp_path, module, *args, env=env)
    assert res.returncode == 2, res.stderr[-3000:]
    assert "Traceback" not in res.stderr and "HYDRA_FULL_ERROR" not in res.stderr, res.stderr[-3000:]
    assert expected in res.stderr, res.stderr[-3000:]
    assert not out.exists(), "refused before any output directory was made"


def test_a_search_too_long_for_the_time_limit_is_refused_before_any_run(tmp_path):
    res, out = cli(tmp_path, "experiments.optimize", "optimize.trials=5000", env={"COMMSIM_TIME_LIMIT": "60"})
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr[-3000:]
    # (5,000 + 1) x 3 + 2 x 10 confirmation runs + 2 x 3 x 20 runs checking the recommendation over the draws
    assert "optimize: (5,000 trials + the baseline) x 3 replicates" in res.stderr and "15,143 runs" in res.stderr
    assert not out.exists() or not list(out.rglob("DONE")), "no run was made"


def test_a_non_ascii_path_works_as_typed(tmp_path):
    where = tmp_path / "社群" / "运行"
    res, _ = cli(tmp_path, "experiments.run", f"hydra.run.dir={where}", "days=3", "network.n=300")
    assert res.returncode == 0, res.stderr[-3000:]
    assert (where / "summary.json").is_file()


def test_an_output_dir_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "results.txt"
    blocker.write_text("not a folder")
    res, _ = cli(tmp_path, "experiments.run", f"hydra.run.dir={blocker}/run", "days=3", "network.n=300")
    assert res.returncode == 2 and "is a file, not a directory" in res.stderr and "Traceback" not in res.stderr


def test_help_lists_every_key_with_its_meaning_and_range(tmp_path):
    res = subprocess.run([sys.executable, "-m", "experiments.run", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0
    assert "days = 180: days to simulate (≥ 1, ≤ 36,500)" in res.stdout
    assert "strategies.content.posts_per_week" in res.stdout and "behaviour.activity.habit" in res.stdout
    sweeps = subprocess.run([sys.executable, "-m", "experiments.sweeps", "--help"], capture_output=True, text=True,
                            cwd=ROOT)
    assert sweeps.returncode == 0 and "sweep_dir" in sweeps.stdout


def test_a_config_error_from_a_worker_reaches_the_driver_with_its_problems():
    """A worker's ConfigError is pickled back to the driver; it must arrive as it left (it once
    arrived as '182 problems in the configuration: - i - n - v - a ...', one per letter)."""
    import pickle

    from commsim.sim.errors import ConfigError
    from commsim.sim.start_state import StateFileError

    for err in (ConfigError(["days: must be at least 1", "seed: must be >= 0"]), StateFileError("state.csv, line 3: bad")):
        err.add_note("commsim: in run 3")  # what the worker adds on the way
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.problems == err.problems and str(back) == str(err)
        assert back.__notes__ == ["commsim: in run 3"]
