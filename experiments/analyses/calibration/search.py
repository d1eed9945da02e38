"""Screening, search and the posterior: an Optuna search, then rejection ABC in the box it found.

1. **Screening**: a Latin hypercube over the candidates' priors, one seed each; for each candidate
   the correlation ratio η² -- the share of the distance's variance explained by which fifth of
   the candidate's range a point falls in (a first-order sensitivity index that, unlike a
   correlation, sees a distance that is lowest mid-range) -- and the ``calibrate.fit``
   candidates with the largest η² are fitted, the rest stay at their documented defaults (fitted
   calendar events and the responses to replayed campaigns always).
2. **Search**: Optuna's TPE sampler (multivariate, seeded) minimises the mean distance over
   ``calibrate.seeds`` replicate seeds, in batches run in parallel by the job runner. The study
   lives in a journal file (``search.journal``; SQLite is not safe for this), and its batches are
   asked as in :mod:`experiments.runner.studies`, so an interrupted calibration resumes with every
   finished trial and run, finishes the trials it had asked, and ends with the numbers of an
   uninterrupted one.
3. **Posterior** (rejection ABC in a refocused prior box; Pritchard et al. 1999 for rejection ABC,
   the refocusing as in history matching, Andrianakis et al. 2015): the search's best quarter
   marks out a box (each side widened by ``calibrate.margin`` of its width, inside the prior),
   opened towards the prior for the parameters the screening found the data do not inform
   (:func:`uninformed`; :func:`posterior`); the first round draws parameter sets uniformly from it, evaluates them, and
   accepts those within the ``calibrate.accept`` quantile of their distances; the next round draws
   uniformly from the box around the sets accepted so far, with a tolerance never looser than the
   round before. Every set of any round within the last tolerance is in the posterior, weighted by
   prior over the rounds' mixed proposal density -- equal weights, since the boxes are nested and
   each proposal flat: the effective sample size is the number accepted. TPE's own samples are not
   used as the posterior -- TPE concentrates where the distance is low, so its samples are no draw
   from any stated distribution. This replaced ABC population Monte Carlo (Beaumont et al. 2009),
   whose importance weights over a mixture of Gaussians in 15 dimensions varied by orders of
   magnitude: 8-22 effective draws of ~200 accepted at the default budget.
   The price of the box is that the posterior of an informed parameter is truncated to it;
   ``box_edges`` names the parameters whose accepted sets crowd a side of the box that is not the
   prior's own edge, and the report warns about them.

Why not pyabc: its ABC-SMC would be the textbook choice, but it brings ~17 packages (dask, redis,
scikit-learn, ...) into every install and runs its own worker processes, bypassing the job runner
that makes runs resumable and, later, distributable; Optuna is a dependency anyway.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from commsim.experiments.analyses.calibration import priors as P
from commsim.experiments.analyses.calibration.targets import TARGETS, distance, errors, truncated
from commsim.experiments.runner.jobs import Job, Runner
from commsim.experiments.runner.studies import batches, trial_seed
from commsim.sim.calibrated import set_dotted
from commsim.sim.config import validate
from commsim.sim.defaults import default_config

log = logging.getLogger("commsim")


@dataclass
class Evaluated:
    z: np.ndarray  # (n, d) parameter sets in z
    distance: np.ndarray  # (n,) mean over seeds
    errors: list[dict]  # per set: mean relative error of each target
    measured: list[list[dict]] | None = None  # per set, per seed: the measured targets


class Fit:
    """Evaluates parameter sets of the twin against the observed targets, through the job runner."""

    def __init__(self, twin, observed: dict, train_days: int, weights: dict, runner: Runner, root: Path,
                 say=None):
        self.twin, self.observed, self.train_days = twin, observed, train_days
        self.weights, self.runner, self.root = weights, runner, root
        self.say = say or (lambda what: None)
        self.runs_done = 0

    def job(self, priors, z, seed: int, stage: str, days: int, daily: bool = False,
            at: tuple[str, str] | None = None) -> Job:
        """One run of the twin at parameter set ``z`` (``at``: another graph and arrivals file of the
        twin's, relative to its folder: the twin at a rolling origin, twin.twins_before)."""
        cfg = self.twin.model_config(days)
        if at:
            cfg["network"]["path"] = str(Path(self.twin.folder) / at[0])
            cfg["population"]["arrivals_file"] = str(Path(self.twin.folder) / at[1])
        for key, value in P.values(priors, z).items():
            set_dotted(cfg, key, value)
        cfg["seed"] = int(seed)
        job = Job(validate(default_config(cfg)), self.root / "runs" / stage,
                  measure={"function": "commsim.experiments.analyses.calibration.targets:measure",
                           "args": {"first": 1, "days": days, "with_daily": daily}})
        job.out_dir = job.out_dir / job.hash  # the config's hash, computed once (Job computes it)
        return job

    def run(self, jobs: list[Job], what: str) -> list[dict]:
        ran = self.runner.run(jobs, progress="never", quiet=True)
        self.runs_done += len(ran)
        self.say(what)
        return [json.loads((job.out_dir / "measure.json").read_text()) for job in jobs]

    def evaluate(self, priors, zs, seeds, stage: str, what: str) -> Evaluated:
        zs = np.atleast_2d(np.asarray(zs, float))
        jobs = [self.job(priors, z, s, stage, self.train_days) for z in zs for s in seeds]
        return self._evaluated(zs, self.run(jobs, what), seeds)

    def evaluate_stream(self, priors, points, seeds, stage: str, what) -> Evaluated:
        """:meth:`evaluate` for parameter sets that come one at a time (a search's asks): each set's runs
        start as it comes, while the next is made (``Runner.run_stream``). ``what()``: the progress
        line, said when every run has finished."""
        zs, jobs = [], []

        def groups():
            for z in points:
                group = [self.job(priors, z, s, stage, self.train_days) for s in seeds]
                zs.append(np.asarray(z, float))
                jobs.extend(group)
                yield group

        self.runs_done += len(self.runner.run_stream(groups()))
        self.say(what())
        measured = [json.loads((job.out_dir / "measure.json").read_text()) for job in jobs]
        return self._evaluated(np.array(zs, float).reshape(len(zs), len(priors)), measured, seeds)

    def _evaluated(self, zs: np.ndarray, measured: list[dict], seeds) -> Evaluated:
        dist, errs = [], []
        k = len(seeds)
        for i in range(len(zs)):
            group = measured[i * k:(i + 1) * k]
            dist.append(float(np.mean([distance(m, self.observed, self.weights) for m in group])))
            parts = [errors(m, self.observed) for m in group]
            errs.append({key: float(np.nanmean([p[key] for p in parts])) for key in parts[0]})
        return Evaluated(zs, np.array(dist), errs, [measured[i * k:(i + 1) * k] for i in range(len(zs))])


def correlation_ratio(x: np.ndarray, y: np.ndarray, bins: int = 5) -> float:
    """η² of ``y`` on ``x``: the variance of y's mean within x's quantile bins over y's variance."""
    if len(x) < 2 * bins or np.var(y) == 0:
        return 0.0
    edges = np.quantile(x, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    means = np.array([y[which == b].mean() if np.any(which == b) else y.mean() for b in range(bins)])
    counts = np.bincount(which, minlength=bins)
    return float(np.sum(counts * (means - y.mean()) ** 2) / (len(y) * np.var(y)))


def noise_eta2(n: int, bins: int = 5, level: float = 0.95) -> float:
    """The η² that seed noise alone stays below with probability ``level`` over ``n`` screening runs:
    for a parameter that does not move the distance, η² over ``bins`` groups of normal noise is
    Beta((bins - 1) / 2, (n - bins) / 2) (the F test of a one-way analysis of variance, written
    for η²): 0.016 for the 600 screening runs of the default budget, 0.047 for the 200 of
    calibrate.runs=2000, 0.117 for the 80 of 800. ``noise95`` in ``screening.csv``."""
    from scipy.stats import beta

    if n <= bins:
        return 1.0  # too few runs to tell anything from noise
    return float(beta.ppf(level, (bins - 1) / 2, (n - bins) / 2))


# fitted whatever the screening says: the activity of dated events whose size is unknown, and the
# responses to the operator's replayed campaigns (the reason a campaign log was given)
ALWAYS_FITTED = ("calendar.events.", "strategies.")


def fitted_at_most(candidates: list, keep: int) -> list:
    """As many of ``candidates`` as :func:`screen` will fit (its choice of which needs the screening's
    runs): every calendar event and campaign response, and ``keep`` of the rest (0: all)."""
    always = [p for p in candidates if p.key.startswith(ALWAYS_FITTED)]
    others = [p for p in candidates if p not in always]
    return (others[:keep] if keep else others) + always


def screen(fit: Fit, candidates: list, n: int, rng, keep: int) -> tuple[list, pd.DataFrame]:
    """Latin-hypercube screening; returns the priors to fit and the screening table."""
    z = P.lhs(candidates, n, rng)
    ev = fit.evaluate(candidates, z, [0], "screen", f"screening {len(candidates)} parameters")
    finite = np.isfinite(ev.distance)
    y = np.log(ev.distance[finite])
    table = pd.DataFrame({"parameter": [p.key for p in candidates],
                          "eta2": [correlation_ratio(z[finite, j], y) for j in range(len(candidates))],
                          "noise95": noise_eta2(int(finite.sum()))})
    table = table.sort_values("eta2", ascending=False, ignore_index=True)
    events = [p for p in candidates if p.key.startswith(ALWAYS_FITTED)]
    others = [p for p in candidates if p not in events]
    if keep and keep < len(others):
        ranked = [k for k in table.parameter if not k.startswith(ALWAYS_FITTED)][:keep]
        others = [p for p in others if p.key in ranked]
    table["fitted"] = table.parameter.isin([p.key for p in others + events])
    return others + events, table


def search(fit: Fit, priors: list, n_trials: int, seeds: list[int], batch: int, seed: int, journal: Path,
           setup: str = ""):
    """The Optuna search; returns every finished trial as an :class:`Evaluated`. ``setup`` fingerprints
    what the trials are scored against (the log, windows, weights, priors, seeds, model version): a
    journal of the same setup is resumed, one of another -- a new export fitted into the same folder --
    is started afresh, never mixed in (its distances are to other data)."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(journal)))

    space = {p.key: optuna.distributions.FloatDistribution(p.z_low, p.z_high) for p in priors}
    tpe = fixed_space_tpe(optuna)

    def sampler(number: int):
        return tpe(space, seed=trial_seed(seed, number), **tpe_settings(priors))

    study = optuna.create_study(study_name="fit", storage=storage, sampler=sampler(0), direction="minimize",
                                load_if_exists=True)
    if study.user_attrs.get("setup") != setup:
        if study.trials:
            logging.getLogger("commsim").warning(
                "%s holds a search of other data or settings (%d trials): it starts afresh", journal, len(study.trials))
            optuna.delete_study(study_name="fit", storage=storage)
            study = optuna.create_study(study_name="fit", storage=storage, sampler=sampler(0), direction="minimize")
        study.set_user_attr("setup", setup)
    names = [p.key for p in priors]
    def suggest(trial):
        return [trial.suggest_float(p.key, p.z_low, p.z_high) for p in priors]

    # each trial's runs start as soon as it is asked: the workers run while the next trial is asked
    # (an ask took 40-60 ms at 1,300 trials; asked all before a batch ran, the workers waited for them)
    for asked in batches(study, n_trials, batch, sampler, suggest, lazy=True):
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        told = []

        def points(asked=asked, told=told):
            for trial, z in asked:
                told.append(trial)
                yield z

        ev = fit.evaluate_stream(priors, points(), seeds, "search", lambda complete=complete, told=told: (
            f"search {len(complete) + len(told)}/{n_trials} (best {_best(complete):.3f})"))
        for trial, d in zip(told, ev.distance):
            study.tell(trial, float(d) if math.isfinite(d) else 1e6)
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if all(n in t.params for n in names)][:n_trials]
    z = np.array([[t.params[n] for n in names] for t in complete])
    return Evaluated(z, np.array([t.value for t in complete]), [{} for _ in complete])


def own_work(fit: Fit, priors: list, runs: int, trials: int, rng) -> tuple[float, str]:
    """Seconds the calibration itself works between its rounds of runs, timed now for a dry run: building
    each run's config (``runs`` of them) and the search's sampler, whose ask grows with the trials
    before it (timed at two sizes of a study like the search's, in a journal file, and summed over
    ``trials`` asks on a straight line)."""
    import tempfile

    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    z = P.lhs(priors, 4, rng)
    start = time.perf_counter()
    for point in z:
        fit.job(priors, point, 0, "dry-run", fit.train_days)
    per_job = (time.perf_counter() - start) / len(z)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {p.key: optuna.distributions.FloatDistribution(p.z_low, p.z_high) for p in priors}
    tpe = fixed_space_tpe(optuna)
    sizes, took = (50, 250), []
    with tempfile.TemporaryDirectory(prefix="commsim-dry-run-") as tmp:
        study = optuna.create_study(storage=JournalStorage(JournalFileBackend(str(Path(tmp) / "j.journal"))))
        for size in sizes:
            while len(study.trials) < size:
                params = dict(zip(space, P.lhs(priors, 1, rng)[0]))
                study.add_trial(optuna.trial.create_trial(params=params, distributions=space, value=float(rng.random())))
            best = math.inf
            for i in range(2):
                study.sampler = tpe(space, seed=i, **tpe_settings(priors))
                start = time.perf_counter()
                trial = study.ask()
                for p in priors:
                    trial.suggest_float(p.key, p.z_low, p.z_high)
                best = min(best, time.perf_counter() - start)
                study.tell(trial, float(rng.random()))
            took.append(best)
    slope = max(0.0, (took[1] - took[0]) / (sizes[1] - sizes[0]))
    first = max(0.0, took[0] - slope * sizes[0])
    asks = trials * first + slope * trials * (trials - 1) / 2
    return per_job * runs + asks, (f"building each run's config ({per_job * 1e3:.1f} ms) and the search's {trials:,} "
                                   f"asks of its sampler ({took[0] * 1e3:.0f} ms at {sizes[0]} trials, "
                                   f"{took[1] * 1e3:.0f} ms at {sizes[1]}), timed now")


def tpe_settings(priors: list) -> dict:
    """The search's TPE sampler settings (a dry run times an ask with the same)."""
    return {"multivariate": True, "constant_liar": True, "n_startup_trials": max(10, 2 * len(priors) + 2)}


def fixed_space_tpe(optuna):
    """Optuna's TPE sampler told the search space instead of inferring it. Every trial of the search
    suggests the same parameters over the same ranges, so the space it would infer (the
    intersection of every finished trial's, which each trial's fresh sampler recomputes from
    scratch: 40% of an ask at 1,300 trials) is that space, and the trials it asks are the same."""
    from optuna.trial import TrialState

    class FixedSpaceTPE(optuna.samplers.TPESampler):
        def __init__(self, space: dict, **kwargs):
            super().__init__(**kwargs)
            self._fixed = dict(sorted((k, d) for k, d in space.items() if not d.single()))

        def infer_relative_search_space(self, study, trial) -> dict:
            finished = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True)
            return dict(self._fixed) if finished else {}  # Optuna's intersection: empty before a finished trial

        def _get_internal_repr(self, trials, search_space, study=None) -> dict:
            # TPESampler's own, with one array built per call instead of a list appended value by value
            # through each distribution's to_internal_repr: for plain floats (every parameter of this
            # search, in z) that is float(value), so the arrays are the same. Optuna 4.x calls it
            # without the study (and has no _get_params(trial, study)): its own then
            plain = all(type(d) is optuna.distributions.FloatDistribution and not d.log
                        for d in search_space.values())
            if study is None:
                return super()._get_internal_repr(trials, search_space)
            if not plain:
                return super()._get_internal_repr(trials, search_space, study)
            names = list(search_space)
            rows = []
            for t in trials:
                params = self._get_params(t, study)
                if search_space.keys() <= params.keys():
                    rows.append([params[name] for name in names])
            columns = np.ascontiguousarray(np.array(rows, dtype=float).reshape(len(rows), len(names)).T)
            if np.isnan(columns).any():
                return super()._get_internal_repr(trials, search_space, study)  # raises as Optuna does
            return {name: columns[j] for j, name in enumerate(names)}

    return FixedSpaceTPE


def _best(trials) -> float:
    values = [t.value for t in trials if t.value is not None]
    return min(values) if values else math.nan


def posterior(fit: Fit, priors: list, found: Evaluated, n: int, seeds: list[int], accept: float, rng,
              generations: int = 2, margin: float = 0.3, eta2: dict | None = None,
              uninformed: list[str] | None = None):
    """ABC in adaptive boxes, in ``generations`` rounds of ``n / generations`` sets; returns
    (posterior table, every set evaluated in any round, summary).

    Round 1 draws uniformly from the box around the search's best quarter (each side widened by
    ``margin`` of its width, clipped to the prior), opened towards the prior for the parameters the
    screening found the data do not inform (``uninformed``, by default those whose η² in ``eta2`` is
    below :data:`UNINFORMED`; :func:`uninformed`, :func:`_open_uninformed`):
    such a parameter is not truncated to wherever the search happened to land. A round's tolerance
    is the ``accept`` quantile of its distances, never looser than the round before. Each later
    round draws from the box around every set drawn so far within the tolerance (inside the box
    before). The posterior is every set drawn, in any round, within the last tolerance, weighted by
    the prior over the rounds' mixed proposal density (the prior is flat in each parameter's search
    scale, every round's proposal flat in its box: weight ``1 / sum_g (n_g / N) 1[z in box_g] /
    volume(box_g)``, Veach & Guibas's deterministic mixture). The boxes are nested and every set
    accepted lies inside the last, so the weights are equal and the effective sample size
    ``(sum w)^2 / sum w^2`` is the number accepted. (Opening only after round 1, where its accepted
    sets crowded a side, made the rounds' densities differ tenfold there: CollegeMsg's effective
    sample size was 120 of 260 accepted.) ``box_edges`` names parameters whose last round's
    accepted sets still crowd a side of its box that is not the prior's edge."""
    d = len(priors)
    lo = np.array([p.z_low for p in priors])
    hi = np.array([p.z_high for p in priors])
    box = _box(_best_quarter(found.z, found.distance, d), lo, hi, margin)
    eta2 = eta2 or {}
    if uninformed is None:
        uninformed = [k for k, v in eta2.items() if v < UNINFORMED]
    box, opened = _open_uninformed(box, priors, eta2, set(uninformed), lo, hi)
    per_generation = max(10, n // generations)
    eps = math.inf
    history, zs, evs, boxes = [], [], [], []
    for generation in range(generations):
        z = box[0] + rng.random((per_generation, d)) * (box[1] - box[0])
        ev = fit.evaluate(priors, z, seeds, f"posterior{generation + 1}",
                          f"posterior, round {generation + 1}/{generations}: {len(z)} parameter sets")
        zs.append(z)
        evs.append(ev)
        boxes.append(box)
        finite = np.isfinite(ev.distance)
        if not finite.any():
            raise RuntimeError(f"calibration: every parameter set of posterior round {generation + 1} failed to give "
                               f"a distance (the runs in {fit.root / 'runs' / f'posterior{generation + 1}'} say why)")
        eps = min(eps, float(np.quantile(ev.distance[finite], accept)))
        pooled = np.concatenate([e.distance for e in evs])
        if np.count_nonzero(pooled <= eps) < 2:  # keep the best two of every round so far, never loosening
            ranked = np.sort(pooled[np.isfinite(pooled)])
            eps = float(ranked[min(1, len(ranked) - 1)])
        accepted = ev.distance <= eps
        history.append({"generation": generation + 1, "proposed": int(len(z)), "accepted": int(accepted.sum()),
                        "tolerance": eps, "box_share_of_prior": float(np.prod((box[1] - box[0]) / (hi - lo))),
                        "widened": [priors[j].key for j in opened] if generation == 0 else []})
        box = _box(np.vstack(zs)[pooled <= eps], lo, hi, margin, within=box)
    z = np.vstack(zs)
    distance = np.concatenate([ev.distance for ev in evs])
    errs = [e for ev in evs for e in ev.errors]
    accepted = np.isfinite(distance) & (distance <= eps)
    weight = mixture_weights(z[accepted], boxes, [len(x) for x in zs])
    table = pd.DataFrame({p.key: [p.from_z(x) for x in z[accepted, j]] for j, p in enumerate(priors)})
    for key in TARGETS:
        table[f"error_{key}"] = [e.get(key, math.nan) for e, a in zip(errs, accepted) if a]
    table["distance"] = distance[accepted]
    table["weight"] = weight
    last = np.isfinite(evs[-1].distance) & (evs[-1].distance <= eps)  # the last round: uniform in its box
    edges = [priors[j].key for j in sorted(_crowded_sides(zs[-1][last], boxes[-1], lo, hi))]
    summary = {"proposed": int(len(z)), "accepted": int(accepted.sum()), "tolerance": eps,
               "effective_sample_size": float(1.0 / np.sum(weight ** 2)), "box_edges": edges,
               "generations": history}
    pooled = Evaluated(z, distance, errs, [m for ev in evs for m in (ev.measured or [[]] * len(ev.z))])
    return table, pooled, summary


def accepted_before(sets: Evaluated, observed: dict, weights: dict, weeks: int, accept: float) -> np.ndarray:
    """Indices of the sets the posterior would accept had the data ended after ``weeks`` weeks: the
    ``accept`` quantile of their distance on the weekly DAU and people ever active of those weeks only
    (retention and participation summarise the whole window, so they are left out). The sets were
    proposed in the box the whole window's search marked out, so this is out of sample up to that
    box: the parameters of a rolling origin's forecast (rolling.py)."""
    cut = truncated(observed, weeks)
    dist = np.array([np.mean([distance(truncated(m, weeks), cut, weights) for m in group]) if group else np.inf
                     for group in (sets.measured or [])])
    finite = np.isfinite(dist)
    if not finite.any():
        return np.zeros(0, np.int64)
    return np.flatnonzero(finite & (dist <= np.quantile(dist[finite], accept)))


def mixture_weights(z: np.ndarray, boxes: list, sizes: list[int]) -> np.ndarray:
    """Normalised importance weights of sets ``z`` drawn uniformly from ``boxes`` (``sizes[g]`` from
    box g) under a prior flat over a box holding them all: 1 / the mixed proposal density."""
    log_density = []
    for (low, high), size in zip(boxes, sizes):
        inside = np.all((z >= low) & (z <= high), axis=1)
        log_volume = float(np.sum(np.log(np.maximum(high - low, 1e-300))))
        log_density.append(np.where(inside, math.log(size / sum(sizes)) - log_volume, -np.inf))
    log_q = np.logaddexp.reduce(np.vstack(log_density), axis=0)
    log_w = -log_q - np.max(-log_q)
    w = np.exp(log_w)
    return w / w.sum()


def _best_quarter(z: np.ndarray, distance: np.ndarray, d: int) -> np.ndarray:
    """The best quarter of the sets (at least 2d + 2), by distance."""
    order = np.argsort(np.where(np.isfinite(distance), distance, np.inf))
    return z[order[: max(2 * d + 2, len(order) // 4)]]


def _box(points: np.ndarray, lo: np.ndarray, hi: np.ndarray, margin: float, within=None):
    """The box around ``points``, each side widened by ``margin`` of its width (at least 1% of the
    prior's), inside the prior and inside ``within``."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum(margin * (high - low), 0.01 * (hi - lo))
    low, high = np.maximum(low - pad, lo), np.minimum(high + pad, hi)
    if within is not None:
        low, high = np.maximum(low, within[0]), np.minimum(high, within[1])
    return low, high


# η² of the log distance on a parameter over its whole prior (the screening's, ``screening.csv``)
# below which the data do not inform a behaviour parameter (:func:`uninformed`). Seed noise alone
# gives (5 bins - 1) / (n - 1) on average: 0.007 for the 600 screening runs of the default budget,
# 0.02 for the 200 of calibrate.runs=2000
UNINFORMED = 0.02


def uninformed(screening: pd.DataFrame) -> list[str]:
    """The parameters the posterior treats as not informed by the data (its box opened towards their
    prior): a response to a replayed campaign or a dated event's activity (fitted whatever the
    screening says) whose η² is below what seed noise alone reaches 95% of the time (``noise95``,
    :func:`noise_eta2`; never below :data:`UNINFORMED`, so a large budget opens no fewer than the
    fixed rule) -- nothing shows the data inform it, and its prior carries the published
    evidence; any other parameter (the screening chose it for its η²) below :data:`UNINFORMED`. The
    noise rule for every parameter opened the behaviour too at small budgets, where the screening
    has little power: at 800 runs (80 screening runs, noise95 0.117) `churn.hazard_dormant` (η²
    0.05-0.08) was opened and its 90% interval spanned 85% of its prior where the data narrow it
    to under half (tests/test_calibrate.py); the fixed rule for every parameter opened the win-back
    responses of only half of experiments/sbc.py's communities at calibrate.runs=2000 (their η²
    0.017-0.019, seed noise's mean 0.020)."""
    always = screening.parameter.str.startswith(ALWAYS_FITTED)
    below = np.where(always, np.maximum(screening.noise95, UNINFORMED), UNINFORMED)
    return list(screening.parameter[screening.eta2.to_numpy() < below])
# how much opening may grow round 1's box (its volume): each tenfold growth costs about a tenth of the
# accepted sets where the opened parameters matter after all. Opening every side the first round's
# accepted sets crowded instead -- on CollegeMsg all 15 parameters -- grew it 7e4-fold and the next
# round accepted 4 of 656 sets
MAX_GROWTH = 10.0


def _open_uninformed(box, priors: list, eta2: dict, uninformed: set, lo: np.ndarray, hi: np.ndarray):
    """``box`` opened for the parameters the data do not inform (keys in ``uninformed``), least
    informed (smallest η² in ``eta2``) first: each widened evenly on both sides (what a prior edge
    stops goes to the other side) towards its whole prior, as far as the box may still grow
    (:data:`MAX_GROWTH` times its volume in all). Returns the box and the columns opened."""
    low, high = box[0].copy(), box[1].copy()
    growth, opened = MAX_GROWTH, []
    for j in sorted((j for j, p in enumerate(priors) if p.key in uninformed),
                    key=lambda j: eta2.get(priors[j].key, 0.0)):
        width, full = high[j] - low[j], hi[j] - lo[j]
        if width <= 0 or width >= full * (1 - 1e-9) or growth <= 1 + 1e-9:
            continue
        target = min(full, width * growth)
        extra = target - width
        left = min(extra / 2, low[j] - lo[j])
        right = min(extra - left, hi[j] - high[j])
        left = min(extra - right, low[j] - lo[j])  # what the right edge stopped goes left
        low[j], high[j] = max(low[j] - left, lo[j]), min(high[j] + right, hi[j])  # no rounding past the prior
        growth /= (high[j] - low[j]) / width
        opened.append(j)
    return (low, high), opened


def _crowded_sides(z: np.ndarray, box, lo: np.ndarray, hi: np.ndarray, bins: int = 20) -> dict:
    """``{column: (low side, high side)}`` where accepted sets ``z`` (drawn uniformly from ``box``)
    reach a side of the box that is not the prior's own edge at a density near the interior's: the
    posterior may go on past the box there: its outer twentieth holds at least half a twentieth's
    mean share."""
    out = {}
    if len(z) < 2 * bins:
        return out
    for j in range(z.shape[1]):
        counts = np.histogram(z[:, j], bins=bins, range=(box[0][j], box[1][j]))[0]
        typical = len(z) / bins
        low_side = bool(box[0][j] > lo[j] and counts[0] >= 0.5 * typical)
        high_side = bool(box[1][j] < hi[j] and counts[-1] >= 0.5 * typical)
        if low_side or high_side:
            out[j] = (low_side, high_side)
    return out


def resample(post: pd.DataFrame, m: int, rng) -> np.ndarray:
    """Systematic resampling: ``m`` row indices of the posterior, by weight."""
    w = post.weight.to_numpy()
    positions = (rng.random() + np.arange(m)) / m
    return np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)


def weighted_quantile(values, weights, q: float) -> float:
    order = np.argsort(values)
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    c = np.cumsum(w) - 0.5 * w
    c /= w.sum()
    return float(np.interp(q, c, v))
