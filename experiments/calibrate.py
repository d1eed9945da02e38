"""Fit the model to a community's own activity log: ``python -m experiments.calibrate``.

    python -m experiments.calibrate calibrate.log=my_community_log.csv calibrate.name=mine
    python -m experiments.calibrate calibrate.log=data/collegemsg/CollegeMsg.txt.gz \\
        calibrate.name=collegemsg calibrate.train_days=100 calibrate.forecast_days=94 \\
        calibrate.calendar=data/collegemsg/calendar.csv

Reads the log (sim/log_io.py, saying what it read), measures it (sim/observed.py), builds the
twin from the training days (experiments/analyses/calibration/twin.py), screens, searches and samples the
posterior (experiments/analyses/calibration/search.py), forecasts the held-out days and checks them against
naive baselines (experiments/analyses/calibration/backtest.py), and writes into its run directory
(``results/calibrations/<name>/`` or ``hydra.run.dir=``): ``observed.parquet``,
``posterior.parquet``, ``calibrated.yaml``, ``forecast.csv``, ``backtest.json``, ``screening.csv``,
``report.md`` with figures, and ``DONE`` last. Every simulation goes through the job runner and
is kept under ``runs/``, and the search lives in ``search.journal``: run the same command again
after an interruption and it continues where it stopped.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import yaml
from omegaconf import DictConfig

from commsim.experiments.runner.locking import hold
from commsim.experiments.runner.outputs import DONE, atomic_write
from commsim.experiments.runner.threads import one_blas_thread
from commsim.experiments.run import hydra_app, report_user_errors
from commsim.experiments.settings import load, register_configs
from commsim.sim.calibrated import flatten, set_dotted
from commsim.sim.defaults import deep_merge
from commsim.sim.errors import ConfigError
from commsim.sim.observed import newcomer_share

log = logging.getLogger("commsim")
register_configs()
MIN_TRAIN_DAYS = 28
RHYTHM_SETS, RHYTHM_STEPS = 4, 3  # the weekly-rhythm fit: best search sets, updates (then one check)


class Status:
    """Stage lines on stderr: ``[commsim] calibrate: search 120/600 (best 0.41) | 1,234 runs | 56 s``."""

    def __init__(self, mode: str = "auto"):
        self.mode, self.start, self.last = mode, time.perf_counter(), 0.0
        self.fit = None

    def __call__(self, what: str, force: bool = False) -> None:
        now = time.perf_counter()
        if self.mode == "never" or (not force and self.mode == "auto" and now - self.last < 3.0):
            return
        self.last = now
        runs = f" | {self.fit.runs_done:,} runs" if self.fit is not None else ""
        print(f"[commsim] calibrate: {what}{runs} | {now - self.start:.0f} s", file=sys.stderr, flush=True)


def windows(n_days: int, train: int | None, forecast: int | None, path: str) -> tuple[int, int]:
    if n_days < MIN_TRAIN_DAYS:
        raise ConfigError([f"calibrate.log: {path} covers {n_days} day{'s' if n_days != 1 else ''}; a calibration "
                           f"needs at least {MIN_TRAIN_DAYS} days of activity to fit"])
    if forecast is None:  # a quarter held out, but never so many that fewer than MIN_TRAIN_DAYS are left to fit
        forecast = (max(0, n_days - train) if train is not None
                    else min(round(n_days / 4), n_days - MIN_TRAIN_DAYS))
    if train is None:
        train = n_days - forecast
    problems = []
    if train < MIN_TRAIN_DAYS:
        problems.append(f"calibrate.train_days: {train} days are too few to fit; at least {MIN_TRAIN_DAYS}")
    if train + forecast > n_days:
        problems.append(f"calibrate.train_days + calibrate.forecast_days = {train + forecast} is more than the "
                        f"{n_days} days of {path}")
    if problems:
        raise ConfigError(problems)
    return train, forecast


MIN_ORIGIN_RUNS = 4  # a rolling origin's band from fewer runs says little


def budget(runs: int, seeds: int, forecast_sets: int, forecast_seeds: int, candidates: int,
           rhythm_sets: int = 0, origins: int = 0, variants: int = 1) -> dict:
    """How ``calibrate.runs`` is spent: ~10% screening, ~45% search, ~30% posterior, ~15% forecast;
    ``rhythm_sets`` parameter sets (each on every seed) of the weekly-rhythm fit and the rolling
    origins' runs come out of the posterior's. Of the ``origins`` the training window allows (the
    latest first), the plan keeps as many (``origins``, at least two or none) as get
    ``MIN_ORIGIN_RUNS`` runs each from 5% of the budget, each ``origin_runs`` runs (at most a fifth
    of the forecast's), each run ``variants`` ways (with and without newcomers: ``calibrate.newcomers=auto``;
    the 5% is for all the ways: 16 runs an origin each way at the default budget, 4 at 1,500 runs)."""
    forecast_sets = max(2, min(forecast_sets, int(0.15 * runs) // forecast_seeds))
    share = int(0.05 * runs)
    kept = min(origins, share // (MIN_ORIGIN_RUNS * variants))
    kept = kept if kept >= 2 else 0
    origin_runs = max(MIN_ORIGIN_RUNS, min(forecast_sets * forecast_seeds // 5, share // (kept * variants))) if kept else 0
    rest = runs - forecast_sets * forecast_seeds - kept * origin_runs * variants
    screen = max(2 * candidates + 10, int(0.1 * runs))
    trials = max(10, int(0.45 * rest) // seeds)
    proposals = max(10, (rest - screen - trials * seeds) // seeds - rhythm_sets)
    return {"screen": screen, "trials": trials, "proposals": proposals, "forecast_sets": forecast_sets,
            "origins": kept, "origin_runs": origin_runs, "variants": variants if kept else 1}


def calibrate(cfg: DictConfig, out_dir: Path, overrides: list[str] | None = None) -> Path:
    from commsim.sim.log_io import read_log

    config, settings = load(cfg, overrides)
    c = settings.calibrate
    if not c.log:
        raise ConfigError(["calibrate.log: no activity log given; set calibrate.log=<your export.csv> "
                           "(docs/calibration.md)"])
    say = Status(settings.progress)
    activity, read = read_log(c.log, columns=c.columns.given(), header=c.header, delimiter=c.delimiter,
                              timezone=c.timezone, day_start=c.day_start, time_unit=c.time_unit)
    for line in read.lines():
        print(line, file=sys.stderr)
    train, horizon = windows(activity.n_days, c.train_days, c.forecast_days, c.log)
    out_dir = Path(out_dir)
    # one BLAS thread for its small linear algebra (experiments/runner/threads.py): the command has one
    # already (its preflight); this is for a caller in Python (api, a notebook), restored after
    with hold(out_dir, "calibration"), one_blas_thread():
        if settings.runner.dry_run and (out_dir / DONE).is_file():
            # a finished calibration stays finished: its twin is rebuilt, and the plan made, in a scratch
            # folder (so the plan counts every run, as for a new calibration)
            import tempfile

            print(f"commsim: {out_dir} holds a finished calibration, left untouched: the dry run plans in a "
                  f"scratch folder, as for a new one", file=sys.stderr)
            with tempfile.TemporaryDirectory() as scratch:
                return _calibrate(c, config, overrides, activity, read, train, horizon, Path(scratch), say, settings)
        return _calibrate(c, config, overrides, activity, read, train, horizon, out_dir, say, settings)


def _calibrate(c, config, overrides, activity, read, train, horizon, out_dir: Path, say, settings) -> Path:
    from commsim.experiments.analyses.calibration import backtest as B
    from commsim.experiments.analyses.calibration import newcomers as NEW
    from commsim.experiments.analyses.calibration import rolling
    from commsim.experiments.analyses.calibration import priors as P
    from commsim.experiments.reports import calibration as R
    from commsim.experiments.analyses.calibration import search as S
    from commsim.experiments.analyses.calibration.targets import measure
    from commsim.experiments.analyses.calibration.rhythm import fit_rhythm
    from commsim.experiments.analyses.calibration.twin import (build, build_today, campaign_responses, note, week_factors,
                                                                with_newcomers)
    from commsim.experiments.runner.jobs import Runner
    from commsim.sim.observed import daily

    (out_dir / DONE).unlink(missing_ok=True)
    observed_full = daily(activity)
    observed_full["window"] = np.where(observed_full.day < activity.first_day + train, "train",
                                       np.where(observed_full.day < activity.first_day + train + horizon,
                                                "forecast", "after"))
    atomic_write(out_dir / "observed.parquet", lambda p: observed_full.to_parquet(p, index=False))
    observed = measure(activity, activity.first_day, train)
    twin = build(activity, train, out_dir, c.calendar, c.campaigns, c.timezone, c.weekly, horizon, c.newcomers)
    today = build_today(activity, out_dir, twin.config["calendar"], c.left_after,
                        NEW.WHATIF_DAYS if c.newcomers != "none" else 0, c.start)
    today["start_date"] = _cut_off(activity, activity.n_days)[:10]  # the day after the log: day 1 of a what-if
    today["newcomer_share"] = _plain(newcomer_share(activity))  # what-ifs start from the whole log
    twin.base = _command_model(config, overrides)
    candidates = P.priors_for(list(c.parameters), c.prior_ranges(), twin.fitted_events,
                              campaign_responses(twin.config))
    fit_week = c.weekly == "fitted" and activity.first_weekday is not None
    origins = rolling.origins(train)
    # auto: the rolling origins run with and without the newcomers, to choose (newcomers.py)
    variants = 2 if c.newcomers == "auto" and NEW.material(twin.newcomers, twin.people) else 1
    spend = (c.runs, c.seeds, c.forecast_sets, c.forecast_seeds, len(candidates),
             RHYTHM_SETS * (RHYTHM_STEPS + 1) if fit_week else 0, len(origins))
    plan = budget(*spend, variants)
    if variants == 2 and not plan["origins"]:  # too few runs for both ways: the origins run one (auto adds none)
        plan = budget(*spend)
    rng = np.random.default_rng(c.seed)
    seeds = list(range(c.seeds))
    with Runner.from_settings(settings, c.jobs, out_dir) as runner:
        runner.expect(c.runs, "calibrate.runs: screening, search, posterior, forecast and rolling origins",
                      config=_typical_config(twin, train + horizon),
                      fewer="a smaller calibrate.runs",
                      people=twin.people + (twin.newcomers["count"] if twin.newcomers else 0))
        fit = S.Fit(twin, observed, train, vars(c.weights).copy(), runner, out_dir, say)
        say.fit = fit
        if runner.settings.dry_run:  # the calibration's own work between rounds: part of its time
            fitted = S.fitted_at_most(candidates, c.fit)  # the screening picks which; this many
            runner.expect_own_work(*S.own_work(fit, fitted, c.runs, plan["trials"], np.random.default_rng(c.seed)))
        say(f"{twin.people:,} people, {twin.ties:,} ties; screening {len(candidates)} candidates", force=True)
        chosen, screening = S.screen(fit, candidates, plan["screen"], rng, c.fit)
        atomic_write(out_dir / "screening.csv", lambda p: screening.to_csv(p, index=False))
        say(f"fitting {', '.join(p.key for p in chosen)}", force=True)
        found = S.search(fit, chosen, plan["trials"], seeds, batch=max(4, 4 * runner.workers), seed=c.seed,
                         journal=out_dir / "search.journal", setup=search_setup(c, train, twin, chosen, seeds, out_dir))
        rhythm = None
        if fit_week:
            rhythm = fit_rhythm(fit, chosen, found, seeds, observed_full.dau.to_numpy(float), RHYTHM_STEPS,
                                RHYTHM_SETS)
            today["config"]["calendar"]["weekly"] = list(rhythm["weekly"])
            note(twin.notes, "weekly rhythm fitted so the simulated DAU follows the training days' (odds factors "
                 "{factors}; weekday-profile error {copied} with the observed profile copied, {fitted} fitted)",
                 factors=week_factors(rhythm["weekly"]), copied=f"{rhythm['error_copied']:.3f}",
                 fitted=f"{rhythm['error']:.3f}")
            say(f"weekly rhythm: profile error {rhythm['error_copied']:.3f} copied -> {rhythm['error']:.3f} fitted",
                force=True)
        post, pooled, post_summary = S.posterior(fit, chosen, found, plan["proposals"], seeds, c.accept, rng,
                                            margin=c.margin, eta2=dict(zip(screening.parameter, screening.eta2)),
                                            uninformed=S.uninformed(screening))
        atomic_write(out_dir / "posterior.parquet", lambda p: post.to_parquet(p, index=False))
        say(f"posterior: {post_summary['accepted']} sets, effective size {post_summary['effective_sample_size']:.0f}",
            force=True)
        picks = S.resample(post, plan["forecast_sets"], rng)
        total = train + horizon
        runs_at, runs_new = _origin_runs(fit, chosen, pooled, observed, c, activity, horizon,
                                         origins[:plan["origins"]], plan["origin_runs"], plan["variants"])
        newcomers = NEW.choose(c.newcomers, twin.newcomers, observed_full.dau.to_numpy(float), runs_at, runs_new,
                               train, horizon, twin.people)
        _note_newcomers(twin, newcomers, horizon, train)
        if newcomers["used"]:  # the what-ifs from today gain newcomers as the forecast does
            today = with_newcomers(today)
        at = twin.newcomers["files"] if newcomers["used"] else None
        jobs = [fit.job(chosen, [p.to_z(post.iloc[i][p.key]) for p in chosen], 100 + s, "forecast", total,
                        daily=True, at=at)
                for i in picks for s in range(c.forecast_seeds)]
        measured = fit.run(jobs, f"forecast: {len(jobs)} runs")
        runs = np.array([m["daily_dau"] for m in measured], float)
        if newcomers["used"]:  # the band is measured on the forecaster shown: the twin with its newcomers
            runs_at = {**runs_at, **runs_new}
        forecast, bt = B.backtest(observed_full.dau.to_numpy(float), runs, train, runs_at)
        bt["newcomers"] = newcomers
        atomic_write(out_dir / "forecast.csv", lambda p: forecast.to_csv(p, index=False))
        atomic_write(out_dir / "backtest.json", lambda p: p.write_text(json.dumps(bt, indent=2) + "\n"))
        params = _parameters(chosen, post)
        # resampled by weight, then shuffled: replicate k of a comparison takes draw k, and neighbours
        # in a systematic resample are often the same particle
        draws = [{p.key: _plain(post.iloc[i][p.key]) for p in chosen}
                 for i in rng.permutation(S.resample(post, 100, rng))]
        cut_off = _cut_off(activity, train)
        spec = _spec(c, read, activity, train, horizon, cut_off, twin, params, draws, post_summary, fit.runs_done,
                     [p.key for p in chosen])
        spec["today"] = today
        spec["fit"]["newcomers"] = {**newcomers, "files": list(at) if at else None}  # backtest.json's, and where
        if rhythm is not None:
            spec["fit"]["weekly_rhythm"] = rhythm
        # the same worker processes (starting two more costs each a few seconds of imports)
        today["continuity"] = continuity(spec, out_dir, observed_full.dau.to_numpy(float), runner)
    atomic_write(out_dir / "calibrated.yaml", lambda p: p.write_text(yaml.safe_dump(spec, sort_keys=False)))
    observed_all = measure(activity, activity.first_day, total)
    figs = R.figures(out_dir, forecast, measured, observed_all, train, post, [p.key for p in chosen],
                     settings.report.language, screening)
    report = R.write(out_dir, read.lines(), {"train_days": train, "forecast_days": horizon, "cut_off": cut_off,
                                               "newcomer_share": spec["fit"]["newcomer_share"],
                                               "today": spec.get("today")},
                     twin, screening, params, post_summary, bt, figs, fit.runs_done, settings.report.language)
    atomic_write(out_dir / DONE, lambda p: p.write_text(json.dumps(
        {"status": "finished", "kind": "calibration", "runs": fit.runs_done}) + "\n"))
    say(f"done: {report}", force=True)
    return report


def _note_newcomers(twin, chosen: dict, horizon: int, train: int) -> None:
    """The twin's note on its newcomers after the cut-off, and whether the forecast has them."""
    from commsim.experiments.analyses.calibration import newcomers as NEW
    from commsim.experiments.analyses.calibration.twin import note

    if twin.newcomers is None:
        return
    p = twin.newcomers
    note(twin.notes, "newcomers after the cut-off: {count} projected over the {days} forecast days, arriving at {rate} "
                     "a day at first and {later} a day a week later (the trend of first appearances over the last "
                     "{window} training days), each wired like someone first seen in the last {template} days",
         count=f"{p['count']:,}", days=horizon, rate=f"{p['rate']:.2f}",
         later=f"{p['rate'] * np.exp(7 * min(p['slope'], 0.0)):.2f}", window=min(NEW.WINDOW, train),
         template=NEW.TEMPLATE_DAYS)
    if p["asked"] > p["count"]:
        note(twin.notes, "the trend asked for {asked} newcomers; capped at {count}, the people seen before the cut-off",
             asked=f"{p['asked']:,}", count=f"{p['count']:,}")
    if chosen["setting"] == "auto" and chosen["rmse_with"] is not None:
        if chosen["used"]:
            note(twin.notes, "the forecast has them: on the training days after the rolling origins the twin with "
                             "its newcomers forecast better (RMSE {with_} against {without})",
                 with_=f"{chosen['rmse_with']:.1f}", without=f"{chosen['rmse_without']:.1f}")
        else:
            note(twin.notes, "the forecast leaves them out: on the training days after the rolling origins the twin "
                             "without newcomers forecast better (RMSE {without} against {with_})",
                 with_=f"{chosen['rmse_with']:.1f}", without=f"{chosen['rmse_without']:.1f}")
    elif chosen["setting"] == "auto" and p["count"] and not chosen["material"]:
        note(twin.notes, "the forecast leaves them out: too few to matter (under {share} of the people seen)",
             share=f"{NEW.MATERIAL:.0%}")
    elif chosen["setting"] == "auto" and p["count"]:
        note(twin.notes, "the forecast leaves them out: no rolling origin to judge them on")


def _origin_runs(fit, chosen, pooled, observed, c, activity, horizon: int, origins: list[int],
                 n_runs: int, variants: int = 1) -> tuple[dict, dict]:
    """The rolling origins' runs (rolling.py): at each origin, ``n_runs`` runs, each of a parameter set
    the posterior's rounds would have accepted had the data ended there (drawn with replacement, with
    its own generator: the calibration's draws do not depend on the origins), on seeds 200, 201, ...,
    simulated over the training days by the twin as it stood there (twin.twins_before: the people and
    ties seen before it) -- without, and with the newcomers projected from it for up to ``horizon``
    days when the twin has any (``calibrate.newcomers``: ``trend`` with them only, ``auto`` both
    ways when the budget gives ``variants`` 2, the same sets and seeds). Daily DAU per origin, rows =
    runs, without and with the newcomers; an origin with fewer than two such sets is left out."""
    from commsim.experiments.analyses.calibration import search as S
    from commsim.experiments.analyses.calibration.twin import twins_before

    jobs, rows = [], {}  # rows: (way, origin) -> the positions of its jobs
    projected = bool(fit.twin.newcomers and fit.twin.newcomers["count"])
    both = projected and c.newcomers == "auto" and variants == 2
    files = twins_before(activity, fit.twin, origins, horizon, both or (projected and c.newcomers == "trend"))
    for origin in origins:
        kept = S.accepted_before(pooled, observed, vars(c.weights), origin // 7, c.accept)
        if kept.size < 2:
            continue
        new = files[origin]["with"]
        ways = ([("without", files[origin]["without"])] if new is None or both else []) + \
            ([("with", new)] if new is not None else [])
        rng = np.random.default_rng([c.seed, origin])
        for k, i in enumerate(kept[rng.choice(kept.size, size=n_runs, replace=kept.size < n_runs)]):
            for way, at in ways:
                rows.setdefault((way, int(origin)), []).append(len(jobs))
                jobs.append(fit.job(chosen, pooled.z[i], 200 + k, f"origin{origin}", fit.train_days, daily=True,
                                    at=at))
    if not jobs:
        return {}, {}
    days = sorted({o for _, o in rows})
    measured = fit.run(jobs, f"rolling origins (days {', '.join(map(str, days))}): {len(jobs)} runs")
    daily = np.array([m["daily_dau"] for m in measured], float)
    return tuple({o: daily[at] for (w, o), at in rows.items() if w == way} for way in ("without", "with"))


def _typical_config(twin, days: int):
    """One of the calibration's runs, at the defaults: what its size check costs."""
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    return validate(default_config(twin.model_config(days)))


def _command_model(config, overrides) -> dict:
    """The model keys the command line set (behaviour, plan, strategies ...), as a nested dict: they
    hold under the twin and in calibrated.yaml; everything else comes from the defaults and the fit."""
    from commsim.experiments.overrides import is_setting, key_of
    from commsim.sim.config import to_dict

    full = flatten(to_dict(config))
    out: dict = {}
    for item in overrides or []:
        key = key_of(item)
        if is_setting(key) or key.split(".")[0] in ("network", "hydra"):
            continue
        for dotted, value in full.items():
            if dotted == key or dotted.startswith(key + "."):
                set_dotted(out, dotted, value)
    return out


def _plain(value):
    return float(value) if isinstance(value, (np.floating, float)) else int(value)


def _parameters(priors, post: pd.DataFrame) -> dict:
    from commsim.experiments.analyses.calibration.search import weighted_quantile

    out = {}
    w = post.weight.to_numpy()
    for p in priors:
        v = post[p.key].to_numpy(float)
        z = np.array([p.to_z(x) for x in v])
        lo, hi = weighted_quantile(v, w, 0.05), weighted_quantile(v, w, 0.95)
        zmed = weighted_quantile(z, w, 0.5)
        edge = 0.05 * (p.z_high - p.z_low)
        out[p.key] = {"value": _plain(p.from_z(zmed)), "interval90": [float(lo), float(hi)],
                      "prior": [p.low, p.high], "source": "fitted",
                      "at_bound": bool(zmed - p.z_low < edge or p.z_high - zmed < edge)}
    return out


def _cut_off(activity, train: int) -> str:
    first = activity.meta.get("first_time")
    if not first or first == "day 0":
        return f"day {train}"
    return str((pd.Timestamp(first) + pd.Timedelta(days=train)).isoformat())


CONTINUITY_DAYS = 14


def continuity(spec: dict, out_dir: Path, observed_dau, runner) -> dict:
    """Does the twin, started from the end of its log, continue it? Mean DAU of the first
    :data:`CONTINUITY_DAYS` days simulated from today (fitted parameters, 4 seeds) against the last
    as many observed days. The reports built on the twin warn when the two differ by more than 1.5x."""
    from commsim.experiments.runner.jobs import Job
    from commsim.experiments.runner.outputs import config_hash
    from commsim.sim.calibrated import resolve_paths, starting_config
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    base = resolve_paths(starting_config(spec), out_dir)
    jobs = []
    for seed in range(4):
        cfg = validate(default_config({**copy.deepcopy(base), "days": CONTINUITY_DAYS, "seed": seed}))
        jobs.append(Job(cfg, out_dir / "runs" / "today" / f"seed{seed}_{config_hash(cfg)[:8]}", figures=False))
    runner.run(jobs, progress="never", quiet=True)
    simulated = float(np.mean([pd.read_parquet(j.out_dir / "timeseries.parquet").dau.mean() for j in jobs]))
    observed = float(np.mean(observed_dau[-CONTINUITY_DAYS:]))
    return {"days": CONTINUITY_DAYS, "simulated_dau": round(simulated, 2), "observed_dau": round(observed, 2),
            "ratio": round(simulated / observed, 3) if observed > 0 else None}


def _sha256(path) -> str:
    from commsim.experiments.runner.outputs import file_sha256

    return file_sha256(path)  # cached: the log is hashed for the search's fingerprint and for calibrated.yaml


def search_setup(c, train: int, twin, chosen: list, seeds: list[int], out_dir: Path) -> str:
    """What the search's trials are scored against, as one hash: the log and the known-input files and
    the twin built from them (by content: how the log was read -- its columns, zone, unit -- shows in
    the twin's graph and arrivals), the training window, the targets' weights, the priors fitted, the
    seeds, the twin's model config and the model version. A search journal of another setup is not
    resumed."""
    from commsim.sim.version import MODEL_VERSION

    files = {k: _sha256(v) if v else None for k, v in (("log", c.log), ("calendar", c.calendar),
                                                        ("campaigns", c.campaigns))}
    files.update({name: _sha256(out_dir / "twin" / name) for name in ("graph.graphml", "arrivals.csv")
                  if (out_dir / "twin" / name).is_file()})
    setup = {"files": files, "train": train, "weights": vars(c.weights), "seed": c.seed, "seeds": seeds,
             "priors": [(p.key, p.low, p.high, p.log) for p in chosen], "twin": [twin.config, twin.base],
             "model": MODEL_VERSION, "reading": [vars(c.columns), c.header, c.delimiter, c.time_unit, c.timezone,
                                                 c.day_start]}
    return hashlib.sha256(json.dumps(setup, sort_keys=True, default=str).encode()).hexdigest()


def _spec(c, read, activity, train, horizon, cut_off, twin, params, draws, post_summary, runs, keys) -> dict:
    config = deep_merge(copy.deepcopy(twin.base), copy.deepcopy(twin.config))
    for key, p in params.items():
        set_dotted(config, key, p["value"])
    config["days"] = train + horizon
    return {
        "commsim": "calibration",
        "data": {"file": str(c.log), "sha256": _sha256(c.log), "rows": read.rows, "people": read.people,
                 "active_people": read.active_people, "days": activity.n_days, "first_time": read.first_time,
                 "timezone": c.timezone, "day_start": c.day_start},
        "fit": {"train_days": train, "forecast_days": horizon, "cut_off": cut_off,
                "fitted_on": dt.date.today().isoformat(), "runs": runs, "seeds_per_set": c.seeds,
                "method": "Optuna TPE search, then rejection ABC in the box it marked out "
                          "(experiments/analyses/calibration/search.py)",
                "parameters": keys, "weights": vars(c.weights).copy(), "margin": c.margin, "accept": c.accept,
                "newcomer_share": _plain(newcomer_share(activity.window(activity.first_day,
                                                                        activity.first_day + train - 1))),
                **{k: _plain(v) if isinstance(v, (int, float, np.number)) else v for k, v in post_summary.items()}},
        "parameters": params,
        "config": config,
        "draws": draws,
    }


@hydra.main(version_base="1.3", config_path="../configs", config_name="calibrate")
def main(cfg: DictConfig) -> None:
    out_dir, overrides = hydra_app()
    report = report_user_errors(lambda: calibrate(cfg, out_dir, overrides))
    print(f"report: {report}")


if __name__ == "__main__":
    from commsim.experiments.cli import preflight

    preflight("calibrate")
    main()
