"""What a community's own export says, before any model: ``python -m experiments.observe``.

    python -m experiments.observe log=my_export.csv
    python -m experiments.observe log=群聊导出.csv timezone=Asia/Shanghai day_start=midnight
    commsim observe log=my_export.csv hydra.run.dir=where/to/write

Reads the export as the calibration does (sim/log_io.py: delimiter, header, columns -- Chinese or
English names -- and times found from the data; what it read and every assumption it made printed
and kept), measures it with the same code as the stylized facts and the calibration's targets
(sim/observed.py), and writes into ``results/observed/<name>/`` (``hydra.run.dir=`` elsewhere):

* ``observed.csv``: ``date, dau, wau, mau, new, returning, cumulative_people``, one row a day;
* ``retention.csv``: weekly cohort retention, one row per weekly cohort of newcomers
  (``cohort_start, people, week_1 ... week_<retention_weeks>``);
* ``report.md`` / ``report.html`` with dated figures (``figures/``), and ``read.txt`` (what was read).
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from commsim.experiments.run import hydra_app, report_user_errors
from commsim.experiments.settings import load_observe, register_configs

register_configs()


def observe(settings, out_dir: Path) -> Path:
    """Read ``settings.log``, write the observation into ``out_dir``; the report's path."""
    from commsim.experiments.reports import observed as R
    from commsim.experiments.runner.outputs import atomic_write
    from commsim.sim.errors import ConfigError
    from commsim.sim.log_io import read_log
    from commsim.sim.observed import cohort_retention, observed_table, weekly_retention

    if not settings.log:
        raise ConfigError(["log: no export given; set log=<your export.csv> (docs/observe.md)"])
    activity, read = read_log(settings.log, columns=settings.columns.given(), header=settings.header,
                              delimiter=settings.delimiter, timezone=settings.timezone,
                              day_start=settings.day_start, time_unit=settings.time_unit)
    for line in read.lines():
        print(line, file=sys.stderr)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = observed_table(activity)
    cohorts = cohort_retention(activity, settings.retention_weeks)
    atomic_write(out_dir / "observed.csv", lambda p: table.to_csv(p, index=False))
    atomic_write(out_dir / "retention.csv", lambda p: cohorts.to_csv(p, index=False, float_format="%.4f"))
    atomic_write(out_dir / "read.txt", lambda p: p.write_text("\n".join(read.lines()) + "\n", encoding="utf-8"))
    return R.write(out_dir, settings, read, table, cohorts, weekly_retention(activity, settings.retention_weeks))


@hydra.main(version_base="1.3", config_path="../configs", config_name="observe")
def main(cfg: DictConfig) -> None:
    out_dir, _ = hydra_app()
    report = report_user_errors(lambda: observe(load_observe(cfg), out_dir))
    print(f"report: {report}")


if __name__ == "__main__":
    from commsim.experiments.cli import preflight

    preflight("observe")
    main()
