"""Run one scenario: ``python -m experiments.run [overrides]``.

A Hydra app over configs/. Validates the whole config before any work, runs
the model, and writes outputs into the Hydra output directory (see
:mod:`experiments.outputs`). A directory that already holds a finished run is
left alone unless ``overwrite=true``.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import ConfigError, register_configs, validate
from sim.graph_io import GraphFileError
from sim.memory import MemoryGuardError

log = logging.getLogger("commsim")


class RunDirError(RuntimeError):
    """The output directory holds a finished run of another configuration."""


# problems with what the user asked for: reported in one message, exit status 2
USER_ERRORS = (ConfigError, GraphFileError, RunDirError, MemoryGuardError)


def quiet_libraries() -> None:
    for noisy in ("MESA", "matplotlib"):  # Mesa logs every step at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
register_configs()


def run(cfg: DictConfig, out_dir: Path) -> dict | None:
    """Validate, simulate, write. Returns the summary (None if skipped)."""
    from experiments.outputs import config_hash, finished_hash, write_run
    from sim.simulation import simulate

    config = validate(cfg)
    done = finished_hash(out_dir)
    if done is not None and not config.overwrite:
        if done != config_hash(config):
            raise RunDirError(
                f"{out_dir} holds a finished run of a different configuration; choose another "
                f"hydra.run.dir, or pass overwrite=true to replace it"
            )
        log.info("skipping %s: it already holds a finished run of this configuration "
                 "(overwrite=true to redo it)", out_dir)
        return None
    start = time.perf_counter()
    result = simulate(config)
    seconds = time.perf_counter() - start
    write_run(result, out_dir, seconds)
    s = result.summary
    log.info("finished %d days in %.1f s: %d members, mean DAU (last 30 days) %.0f -> %s",
             s["days"], seconds, s["final_members"], s["mean_dau_last30"], out_dir)
    return s


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    quiet_libraries()
    try:
        run(cfg, out_dir)
    except USER_ERRORS as err:
        print(f"commsim: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
