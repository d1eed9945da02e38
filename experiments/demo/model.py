"""DemoModel: the CommunityModel, built from configs/ with the demo's lever values.

The page (app.py) builds a new model on Reset as ``DemoModel(**slider_values)``,
so the levers are keyword arguments here; each becomes a Hydra override of the
same configs/ a command-line run composes (:mod:`experiments.demo.levers`).
"""

from __future__ import annotations

import threading
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from commsim.experiments.demo.layout import layout
from commsim.experiments.demo.levers import DEFAULTS, overrides
from commsim.experiments.settings import model_config, register_configs
from commsim.sim.model import CommunityModel

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
_HYDRA = threading.Lock()  # Hydra's global state: one composition at a time


def classroom_config(**values) -> DictConfig:
    """configs/config.yaml composed with the overrides of these lever values."""
    register_configs()
    with _HYDRA, initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        return compose(config_name="config", overrides=overrides(values))


class DemoModel(CommunityModel):
    """A small community for the classroom page; stops at the configured last day.

    >>> model = DemoModel(posts_per_week=14, kols=3)
    >>> model.step(); model.day
    1
    """

    def __init__(
        self,
        network: str = DEFAULTS["network"],
        people: int = DEFAULTS["people"],
        seed: int = DEFAULTS["seed"],
        posts_per_week: int = DEFAULTS["posts_per_week"],
        event_every_days: int = DEFAULTS["event_every_days"],
        points_per_action: int = DEFAULTS["points_per_action"],
        kols: int = DEFAULTS["kols"],
        kol_method: str = DEFAULTS["kol_method"],
        referral_reward: int = DEFAULTS["referral_reward"],
        winback_after_days: int = DEFAULTS["winback_after_days"],
        contagion: float = DEFAULTS["contagion"],
    ):
        # the keywords above are the levers (Mesa reads them off this signature)
        self.levers_set = {name: value for name, value in locals().items() if name in DEFAULTS}
        super().__init__(model_config(classroom_config(**self.levers_set)))
        self.positions = layout(self.graph, seed)

    def step(self) -> None:
        super().step()
        if self.day >= self.cfg.days:
            self.running = False
