"""``python -m experiments.sensitivity``: which assumptions drive a KPI, or a plan's effect (SALib).

    python -m experiments.sensitivity sensitivity.method=morris sensitivity.kpi=mean_dau_last30 \\
        'sensitivity.parameters=[behaviour.churn.hazard_dormant,strategies.content.posts_per_week]' plan=baseline
    python -m experiments.sensitivity sensitivity.method=sobol sensitivity.effect_of=content

Each parameter varies over its declared plausible range (:mod:`sim.params`; a log scale when the
range spans a factor of 20 or more, as for calibration priors). Every design point runs on the
same replicate seeds (common random numbers) and the KPI is averaged over them, so a parameter
that cannot act on the KPI gives exactly the same runs and an index of 0. With ``effect_of=<plan>``
the output is the paired difference plan minus the command's plan, seed by seed.

Morris elementary effects are in KPI units per whole plausible range. Seed noise is measured,
not assumed: each elementary effect is also computed seed by seed, and ``mu_star_noise`` is what
``mu_star`` reaches from the seeds' noise alone (:func:`morris_indices`); a parameter whose ``mu_star``
is no larger is flagged *within seed noise*, and one whose ``mu_star`` is below its own confidence
half-width (``mu_star_conf``, the bootstrap over trajectories) *imprecise*: its size is not pinned down,
which is not to say it is noise (mu* averages absolute effects, so a wide interval near zero says little). Sobol indices are flagged when negative beyond their interval or when
the interval is wider than the index (or than 0.05), and the share of output variance that is seed noise is
reported. Writes ``indices.csv``, ``points.csv``, ``figures/indices.png``, ``report.md`` and
``DONE`` last.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from omegaconf import DictConfig

from commsim.experiments.analyses.calibration.priors import Prior
from commsim.experiments.runner.jobs import Job, Runner
from commsim.experiments.runner.locking import hold
from commsim.experiments.runner.outputs import DONE, atomic_write, config_hash
from commsim.experiments.overrides import model_overrides
from commsim.experiments.run import compose_run, hydra_app, report_user_errors
from commsim.experiments.settings import load
from commsim.sim.calibrated import set_dotted
from commsim.sim.config import to_dict, validate
from commsim.sim.errors import ConfigError, UserError
from commsim.sim.memory import check_runs
from commsim.sim.space import checked_range, expand, parameters


def parameter_declarations() -> dict:
    """Behaviour, population and strategy parameters by dotted key (:mod:`sim.space`)."""
    return parameters()


def ranges_for(keys: list[str], given: dict) -> list[Prior]:
    """The ranges the parameters vary over (as calibration priors: uniform, or log-uniform over wide ranges)."""
    infos = parameter_declarations()
    # a pattern (behaviour.churn.*) stands for every parameter it matches that has a range
    keys = expand(keys or ["behaviour.*", "population.*"], infos)
    out, problems = [], []
    for key in keys:
        info = infos.get(key)
        if info is None or not info.numeric:
            problems.append(f"sensitivity.parameters: {key!r} is not (or matches no) numeric behaviour, population or strategy "
                            f"parameter (commsim sensitivity --help lists them)")
            continue
        r = checked_range(info, given.get(key))
        if r == "no range":
            problems.append(f"sensitivity.parameters: {key} declares no plausible range; give one with "
                            f"sensitivity.ranges=[[{key},low,high]]")
        elif r == "bad range":
            low, high = given.get(key) or info.plausible
            problems.append(f"sensitivity.ranges: [{low}, {high}] for {key} must be increasing and inside the "
                            f"parameter's bounds{info.bounds_text()}")
        else:
            out.append(Prior(key, r.low, r.high, log=r.log, integer=r.integer))
    for key in given:
        if key not in keys:
            problems.append(f"sensitivity.ranges: {key} is not one of sensitivity.parameters")
    if len(out) < 2 and not problems:
        problems.append("sensitivity.parameters: at least two parameters are needed")
    if problems:
        raise ConfigError(problems)
    return out


def design(s, d: int) -> np.ndarray:
    """The design in the unit cube: Morris trajectories or Saltelli's Sobol sample."""
    problem = unit_problem(d)
    if s.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, s.trajectories, num_levels=s.levels, seed=s.seed)
    from SALib.sample import sobol

    return sobol.sample(problem, s.samples, calc_second_order=False, seed=s.seed)


def unit_problem(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def to_values(priors: list[Prior], u: np.ndarray) -> dict:
    """A unit-cube point as parameter values."""
    return {p.key: p.from_z(p.z_low + float(x) * (p.z_high - p.z_low)) for p, x in zip(priors, u)}


def plan_runs(base: dict, other: dict | None, priors: list[Prior], points: np.ndarray, seeds: list[int],
              root: Path) -> list[list[list[Job]]]:
    """jobs[point][arm][seed]: arm 0 is the command's config, arm 1 the ``effect_of`` plan (if any)."""
    out = []
    for u in points:
        values = to_values(priors, u)
        arms = []
        for tree in [base] + ([other] if other is not None else []):
            row = []
            for seed in seeds:
                cfg = json.loads(json.dumps(tree))
                for key, value in values.items():
                    set_dotted(cfg, key, value)
                cfg["seed"] = int(seed)
                config = validate(cfg)
                row.append(Job(config, root / "runs" / config_hash(config), figures=False))
            arms.append(row)
        out.append(arms)
    return out


def outputs_of(jobs, kpi: str) -> np.ndarray:
    """(points, seeds) KPI values: the KPI, or the paired effect (arm 1 minus arm 0) seed by seed."""
    def value(job):
        v = json.loads((job.out_dir / "summary.json").read_text()).get(kpi)
        return np.nan if v is None else float(v)

    table = np.array([[[value(j) for j in arm] for arm in point] for point in jobs], float)
    return table[:, 1, :] - table[:, 0, :] if table.shape[1] == 2 else table[:, 0, :]


def same_plan(s, config) -> None:
    """``effect_of`` the command's own plan is a plan against itself: every difference is 0."""
    if s.effect_of and s.effect_of == config.plan.name:
        raise ConfigError([f"sensitivity.effect_of: {s.effect_of!r} is the plan the command runs (plan="
                           f"{config.plan.name}), so every paired effect is exactly 0; compare another plan with it "
                           f"(e.g. plan=baseline sensitivity.effect_of={s.effect_of})"])


def morris_indices(priors, points: np.ndarray, y: np.ndarray, s) -> pd.DataFrame:
    """SALib's Morris indices of the seed-averaged output, plus the seeds' own noise on mu_star."""
    from SALib.analyze import morris

    d = len(priors)
    mean = np.nanmean(y, axis=1)
    res = morris.analyze(unit_problem(d), points, mean, num_levels=s.levels, seed=s.seed)
    ee = elementary_effects(points, y, d)  # (trajectories, d, seeds)
    if y.shape[1] > 1:
        # what mu* reaches from seed noise alone: with no effect, each seed-averaged elementary effect is
        # N(0, se_t^2) (se_t from the seeds' own scatter), its absolute value half-normal with mean
        # se_t sqrt(2/pi) and variance se_t^2 (1 - 2/pi); mu* averages T of them. The level is that mean
        # plus twice its spread, with se_t^2 pooled over the trajectories (a few seeds' own standard
        # deviations run low). Measured on y = 5a + 0.3c + N(0, 1) (200 designs each): the inert b is flagged
        # in 86-92% of designs at 2-5 seeds and 10-30 trajectories (the old rule, mu* <= 2 se(mu), in 0-21%,
        # less the more trajectories), the real a in none
        var = np.nanvar(ee, axis=2, ddof=1) / y.shape[1]
        trajectories = np.maximum(np.sum(np.isfinite(var), axis=0), 1)
        se = np.sqrt(np.nanmean(var, axis=0))
        noise_of_mu_star = se * (np.sqrt(2 / np.pi) + 2 * np.sqrt((1 - 2 / np.pi) / trajectories))
    else:  # one seed: seed noise cannot be measured
        noise_of_mu_star = np.full(d, np.nan)
    table = pd.DataFrame({
        "parameter": [p.key for p in priors],
        "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"], "mu": res["mu"],
        "mu_star_noise": noise_of_mu_star,
    })
    table["low"] = [p.low for p in priors]
    table["high"] = [p.high for p in priors]
    table["scale"] = ["log" if p.log else "linear" for p in priors]
    table["flag"] = np.select([table["mu_star"] <= table["mu_star_noise"], table["mu_star"] < table["mu_star_conf"]],
                              ["within seed noise", "imprecise"], "")
    table.loc[(table["mu_star"] == 0) & (table["sigma"] == 0), "flag"] = "no effect (identical runs at every point)"
    return table.sort_values("mu_star", ascending=False, ignore_index=True)


def elementary_effects(points: np.ndarray, y: np.ndarray, d: int) -> np.ndarray:
    """Elementary effects seed by seed: (trajectories, parameters, seeds), in output units per unit range."""
    steps = points.reshape(-1, d + 1, d)
    ys = y.reshape(-1, d + 1, y.shape[1])
    out = np.zeros((steps.shape[0], d, y.shape[1]))
    for t in range(steps.shape[0]):
        for j in range(d):
            move = steps[t, j + 1] - steps[t, j]
            i = int(np.argmax(np.abs(move)))
            out[t, i] = (ys[t, j + 1] - ys[t, j]) / move[i]
    return out


def sobol_indices(priors, y: np.ndarray, s) -> tuple[pd.DataFrame, float]:
    """SALib's first-order and total indices of the seed-averaged output; the seed-noise share."""
    from SALib.analyze import sobol

    mean = np.nanmean(y, axis=1)
    constant = np.var(mean) == 0  # the same output everywhere: SALib would divide by its zero variance
    if constant:
        zero = np.zeros(len(priors))
        res = {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    else:
        res = sobol.analyze(unit_problem(len(priors)), mean, calc_second_order=False, seed=s.seed)
    table = pd.DataFrame({"parameter": [p.key for p in priors], "S1": res["S1"], "S1_conf": res["S1_conf"],
                          "ST": res["ST"], "ST_conf": res["ST_conf"]})
    table["low"] = [p.low for p in priors]
    table["high"] = [p.high for p in priors]
    table["scale"] = ["log" if p.log else "linear" for p in priors]
    flags = []
    for row in table.itertuples():
        f = []
        if row.S1 < -row.S1_conf or row.ST < -row.ST_conf:
            f.append("negative")
        if row.S1_conf > max(abs(row.S1), 0.05) or row.ST_conf > max(abs(row.ST), 0.05):
            f.append("unstable (interval wider than the index)")
        flags.append("; ".join(f))
    table["flag"] = flags
    if constant:
        table["flag"] = "no effect (identical runs at every point)"
    total = float(np.var(mean))
    noise = float(np.nanmean(np.nanvar(y, axis=1, ddof=1)) / y.shape[1]) if y.shape[1] > 1 else float("nan")
    share = noise / total if total > 0 else float("nan")
    return table.sort_values("ST", ascending=False, ignore_index=True), share


def sensitivity(cfg: DictConfig, out_dir: Path, overrides: list[str], compose) -> Path:
    """Run (or resume) a sensitivity analysis and write its report; returns the report path."""
    config, settings = load(cfg, overrides)
    s = settings.sensitivity
    priors = ranges_for(list(s.parameters), {str(k): (float(lo), float(hi)) for k, lo, hi in s.ranges})
    base = to_dict(config)
    other = None
    same_plan(s, config)
    if s.effect_of:
        try:
            words = [*model_overrides(overrides, drop=("seed",)), f"plan={s.effect_of}"]
            other = to_dict(load(compose(words), words)[0])  # the words: what the user set beats a twin
        except Exception as err:  # an unknown plan: Hydra's MissingConfigException and kin
            raise ConfigError([f"sensitivity.effect_of: {s.effect_of!r} is not a plan in configs/plan/ ({err})"])
    points = design(s, len(priors))
    seeds = list(range(s.first_seed, s.first_seed + s.replicates))
    out_dir = Path(out_dir)
    with hold(out_dir, "sensitivity analysis"):
        if not settings.runner.dry_run:  # a dry run leaves a finished analysis finished
            (out_dir / DONE).unlink(missing_ok=True)
        jobs = plan_runs(base, other, priors, points, seeds, out_dir)
        flat = [job for point in jobs for arm in point for job in arm]
        print(f"commsim: {s.method}: {len(points)} points x {len(seeds)} seeds"
              f"{' x 2 arms' if other is not None else ''} = {len(flat)} runs", file=sys.stderr)
        with Runner.from_settings(settings, s.jobs, out_dir) as runner:
            from commsim.experiments.runner.dry_run import assumed_workers

            check_runs(len(flat), getattr(config.network, "n", 0), config.days, assumed_workers(runner)[0],
                       f"sensitivity: {len(points)} points x {len(seeds)} seeds", "fewer sensitivity.trajectories "
                       "(Morris) or sensitivity.samples (Sobol), fewer parameters or replicates, fewer people or days")
            runner.run(flat, progress=settings.progress)
        y = outputs_of(jobs, s.kpi)
        undefined = int(np.sum(np.all(np.isnan(y), axis=1)))
        if undefined:
            raise UserError(f"{s.kpi} is undefined (no value in any seed) at {undefined} of {len(y)} design points, "
                            f"so no index can be computed; analyse a KPI defined in every run (the runs are kept: "
                            f"another sensitivity.kpi reuses them)")
        if s.method == "morris":
            table, noise_share = morris_indices(priors, points, y, s), None
        else:
            table, noise_share = sobol_indices(priors, y, s)
        pts = pd.DataFrame([to_values(priors, u) for u in points])
        pts["output_mean"] = np.nanmean(y, axis=1)
        for k, seed in enumerate(seeds):
            pts[f"output_seed{seed}"] = y[:, k]
        atomic_write(out_dir / "indices.csv", lambda p: table.round(6).to_csv(p, index=False))
        atomic_write(out_dir / "points.csv", lambda p: pts.round(6).to_csv(p, index=False))
        from commsim.experiments.reports.sensitivity import write

        report = write(out_dir, s, config, table, noise_share, len(flat), y, settings.report.language)
        atomic_write(out_dir / DONE, lambda p: p.write_text(json.dumps(
            {"status": "finished", "kind": "sensitivity", "method": s.method, "runs": len(flat)}) + "\n"))
    return report


@hydra.main(version_base="1.3", config_path="../configs", config_name="sensitivity")
def main(cfg: DictConfig) -> None:
    out_dir, overrides = hydra_app()
    report = report_user_errors(lambda: sensitivity(cfg, out_dir, overrides, compose_run))
    print(f"report: {report}")


def preflight_check(cfg, overrides: list[str]) -> None:
    """Before Hydra starts: the parameters and ranges exist, and the effect's plan composes."""
    from omegaconf import open_dict

    from commsim.experiments.cli import compose_checked

    with open_dict(cfg):
        cfg.pop("hydra", None)
    config, settings = load(cfg, overrides)
    s = settings.sensitivity
    same_plan(s, config)
    ranges_for(list(s.parameters), {str(k): (float(lo), float(hi)) for k, lo, hi in s.ranges})
    if s.effect_of:
        compose_checked("config", [*model_overrides(overrides, drop=("seed",)), f"plan={s.effect_of}"])


if __name__ == "__main__":
    from commsim.experiments.cli import preflight

    preflight("sensitivity", check=preflight_check)
    main()
