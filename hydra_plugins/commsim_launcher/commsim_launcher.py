"""Hydra's ``hydra/launcher=commsim`` (the default of configs/config.yaml): a multirun's jobs go
through commsim's job runner, so a sweep runs wherever ``runner=local|ray|slurm`` says, with the
runner's done-markers, batching and retries. The work is in :func:`experiments.sweeps.launch`; this
module only registers the plugin (Hydra finds launchers in the ``hydra_plugins`` package)."""

from dataclasses import dataclass
from typing import Sequence

from hydra.core.config_store import ConfigStore
from hydra.plugins.launcher import Launcher


@dataclass
class CommsimLauncherConf:
    _target_: str = "hydra_plugins.commsim_launcher.commsim_launcher.CommsimLauncher"


ConfigStore.instance().store(group="hydra/launcher", name="commsim", node=CommsimLauncherConf, provider="commsim")


class CommsimLauncher(Launcher):
    def __init__(self) -> None:
        self.config = self.hydra_context = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        self.hydra_context, self.config = hydra_context, config

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int):
        from commsim.experiments.sweeps import launch

        return launch(self.hydra_context, self.config, job_overrides, initial_job_idx)
