"""The command-line preflight composes sweep points faster than Hydra's compose, and the same."""

import pytest
from omegaconf import OmegaConf

from commsim.experiments.cli import ConfigError, PointComposer, compose_checked, hydra_context

POINTS = [
    ["seed=3"],
    ["strategies.content.posts_per_week=14", "seed=1"],
    ["plan=content", "strategies.content.posts_per_week=0", "days=30"],
    ["plan=content", "strategies.content.posts_per_week=28", "days=31"],
    ["network=watts_strogatz", "network.n=500", "plan=winback"],
    ["experiment=referral_reward", "seed=2"],
    ["population.initial_member_share=0.2", "++report.currency=CNY"],
    ["sweep_name=mine", "hydra.job.chdir=false", "days=${network.n}"],
    ["+extra_key=1", "seed=4"],
    ["~crisis", "seed=5"],
    ["++network={kind:erdos_renyi,n:400}", "seed=6"],
    ["hydra.searchpath=[file://configs]", "seed=7"],
]


def app_part(cfg) -> dict:
    """The composed config resolved, and its hydra node (the output folders and the record of the
    command line resolved; its run-time fields, such as the working directory, left out)."""
    out = OmegaConf.to_container(cfg, resolve=False)
    hydra = out.pop("hydra")
    hydra.pop("runtime")
    return {"app": OmegaConf.to_container(OmegaConf.create(out), resolve=True), "hydra": hydra,
            "dirs": (str(cfg.hydra.sweep.dir), str(cfg.hydra.sweep.subdir)),
            "task": list(cfg.hydra.overrides.task), "dirname": cfg.hydra.job.override_dirname}


def test_points_compose_to_what_hydras_compose_gives():
    with hydra_context():
        fast = PointComposer("config")
        for point in POINTS + POINTS[:3]:  # the last three from shapes already composed
            assert app_part(fast(point)) == app_part(compose_checked("config", point, with_hydra=True)), point
        assert len(fast._bases) < len(POINTS), "points that differ only in values share one composition"


@pytest.mark.parametrize("point", [["strategies.content.posts_per_wek=3"], ["plan=contnet"], ["days=[1,2"]])
def test_a_bad_point_fails_with_hydras_own_words(point):
    with hydra_context():
        fast = PointComposer("config")
        fast(["seed=1"])
        with pytest.raises(Exception) as ours:
            fast(point)
        with pytest.raises(Exception) as theirs:
            compose_checked("config", point, with_hydra=True)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)
    if isinstance(theirs.value, ConfigError):
        assert ours.value.problems == theirs.value.problems


@pytest.mark.parametrize("value", ["data/x.csv", "/data/社群 导出(1).csv", "it's here.csv", 'a"b$c.csv',
                                   "C:\\x\\y z.csv", "a,b=c.csv"])
def test_a_reports_next_command_pastes_into_a_shell_and_hydra_reads_the_same_path(value):
    import shlex
    import subprocess

    from hydra.core.override_parser.overrides_parser import OverridesParser

    from commsim.experiments.cli import shell_override

    arg = shell_override("calibrate.log", value)
    words = subprocess.run(["bash", "-c", f"printf '%s\\n' {arg}"], capture_output=True, text=True, check=True)
    assert words.stdout.splitlines() == shlex.split(arg)  # one word, as bash reads it
    assert OverridesParser.create().parse_override(shlex.split(arg)[0]).value() == value
