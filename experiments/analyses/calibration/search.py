"""Screening, search and the posterior: an Optuna search followed by an ABC importance step.

1. **Screening**: a Latin hypercube over the candidates' priors, one seed each; for each candidate
   the correlation ratio η² -- the share of the distance's variance explained by which fifth of
   the candidate's range a point falls in (a first-order sensitivity index that, unlike a
   correlation, sees a distance that is lowest mid-range) -- and the ``calibrate.fit``
   candidates with the largest η² are fitted, the rest stay at their documented defaults (fitted
   calendar events always).
2. **Search**: Optuna's TPE sampler (multivariate, seeded) minimises the mean distance over
   ``calibrate.seeds`` replicate seeds, in batches run in parallel by the job runner. The study
   lives in a journal file (``search.journal``), so an interrupted calibration resumes with every
   finished trial (SQLite is not safe for this).
3. **Posterior** (ABC population Monte Carlo, Beaumont et al. 2009): the best quarter of the
   search's trials are the first particles; each generation draws parameter sets from the
   mixture of Gaussians around the particles (covariance twice the particles' weighted
   covariance, in z; draws outside the prior box rejected), evaluates them, accepts those within
   the ``calibrate.accept`` quantile of the distances (never looser than the generation before),
   and weights them by prior / proposal density, each weight capped at mean x sqrt(n) (truncated
   importance sampling, Ionides 2008); the accepted ones are the next generation's particles. The last generation is the posterior. TPE's own samples are not used as the
   posterior: TPE concentrates where the distance is low, so its samples are no draw from any
   stated distribution, while the proposal's density is known and the weights correct for it.
   (The kernels' truncation at the prior box is not renormalised per particle, the usual
   simplification; it matters only for particles at the box's edge.)

Why not pyabc: its ABC-SMC would be the textbook choice, but it brings ~17 packages (dask, redis,
scikit-learn, ...) into every install and runs its own worker processes, bypassing the job runner
that makes runs resumable and, later, distributable; Optuna is a dependency anyway.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from commsim.experiments.analyses.calibration import priors as P
from commsim.experiments.analyses.calibration.targets import distance, errors
from commsim.experiments.runner.jobs import Job, Runner
from commsim.experiments.runner.outputs import config_hash
from commsim.sim.calibrated import set_dotted
from commsim.sim.config import validate
from commsim.sim.defaults import default_config

log = logging.getLogger("commsim")


@dataclass
class Evaluated:
    z: np.ndarray  # (n, d) parameter sets in z
    distance: np.ndarray  # (n,) mean over seeds
    errors: list[dict]  # per set: mean relative error of each target


class Fit:
    """Evaluates parameter sets of the twin against the observed targets, through the job runner."""

    def __init__(self, twin, observed: dict, train_days: int, weights: dict, runner: Runner, root: Path,
                 say=None):
        self.twin, self.observed, self.train_days = twin, observed, train_days
        self.weights, self.runner, self.root = weights, runner, root
        self.say = say or (lambda what: None)
        self.runs_done = 0

    def job(self, priors, z, seed: int, stage: str, days: int, daily: bool = False) -> Job:
        cfg = self.twin.model_config(days)
        for key, value in P.values(priors, z).items():
            set_dotted(cfg, key, value)
        cfg["seed"] = int(seed)
        config = validate(default_config(cfg))
        return Job(config, self.root / "runs" / stage / config_hash(config),
                   measure={"function": "commsim.experiments.analyses.calibration.targets:measure",
                            "args": {"first": 1, "days": days, "with_daily": daily}})

    def run(self, jobs: list[Job], what: str) -> list[dict]:
        ran = self.runner.run(jobs, progress="never", quiet=True)
        self.runs_done += len(ran)
        self.say(what)
        return [json.loads((job.out_dir / "measure.json").read_text()) for job in jobs]

    def evaluate(self, priors, zs, seeds, stage: str, what: str) -> Evaluated:
        zs = np.atleast_2d(np.asarray(zs, float))
        jobs = [self.job(priors, z, s, stage, self.train_days) for z in zs for s in seeds]
        measured = self.run(jobs, what)
        dist, errs = [], []
        k = len(seeds)
        for i in range(len(zs)):
            group = measured[i * k:(i + 1) * k]
            dist.append(float(np.mean([distance(m, self.observed, self.weights) for m in group])))
            parts = [errors(m, self.observed) for m in group]
            errs.append({key: float(np.nanmean([p[key] for p in parts])) for key in parts[0]})
        return Evaluated(zs, np.array(dist), errs)


def correlation_ratio(x: np.ndarray, y: np.ndarray, bins: int = 5) -> float:
    """η² of ``y`` on ``x``: the variance of y's mean within x's quantile bins over y's variance."""
    if len(x) < 2 * bins or np.var(y) == 0:
        return 0.0
    edges = np.quantile(x, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    means = np.array([y[which == b].mean() if np.any(which == b) else y.mean() for b in range(bins)])
    counts = np.bincount(which, minlength=bins)
    return float(np.sum(counts * (means - y.mean()) ** 2) / (len(y) * np.var(y)))


def screen(fit: Fit, candidates: list, n: int, rng, keep: int) -> tuple[list, pd.DataFrame]:
    """Latin-hypercube screening; returns the priors to fit and the screening table."""
    z = P.lhs(candidates, n, rng)
    ev = fit.evaluate(candidates, z, [0], "screen", f"screening {len(candidates)} parameters")
    finite = np.isfinite(ev.distance)
    y = np.log(ev.distance[finite])
    table = pd.DataFrame({"parameter": [p.key for p in candidates],
                          "eta2": [correlation_ratio(z[finite, j], y) for j in range(len(candidates))]})
    table = table.sort_values("eta2", ascending=False, ignore_index=True)
    events = [p for p in candidates if p.key.startswith("calendar.events.")]
    others = [p for p in candidates if p not in events]
    if keep and keep < len(others):
        ranked = [k for k in table.parameter if not k.startswith("calendar.events.")][:keep]
        others = [p for p in others if p.key in ranked]
    table["fitted"] = table.parameter.isin([p.key for p in others + events])
    return others + events, table


def search(fit: Fit, priors: list, n_trials: int, seeds: list[int], batch: int, seed: int, journal: Path):
    """The Optuna search; returns every finished trial as an :class:`Evaluated`."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(journal)))
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True,
                                         n_startup_trials=max(10, 2 * len(priors) + 2))
    study = optuna.create_study(study_name="fit", storage=storage, sampler=sampler, direction="minimize",
                                load_if_exists=True)
    names = [p.key for p in priors]
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        study.tell(trial.number, state=TrialState.FAIL)  # interrupted last time: its runs are kept anyway
    while True:
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(complete) >= n_trials:
            break
        trials = [study.ask() for _ in range(min(batch, n_trials - len(complete)))]
        z = [[t.suggest_float(p.key, p.z_low, p.z_high) for p in priors] for t in trials]
        ev = fit.evaluate(priors, z, seeds, "search",
                          f"search {len(complete) + len(trials)}/{n_trials} (best {_best(complete):.3f})")
        for trial, d in zip(trials, ev.distance):
            study.tell(trial, float(d) if math.isfinite(d) else 1e6)
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if all(n in t.params for n in names)][:n_trials]
    z = np.array([[t.params[n] for n in names] for t in complete])
    return Evaluated(z, np.array([t.value for t in complete]), [{} for _ in complete])


def _best(trials) -> float:
    values = [t.value for t in trials if t.value is not None]
    return min(values) if values else math.nan


def _kernel_density(z: np.ndarray, centres: np.ndarray, weights: np.ndarray, inv: np.ndarray,
                    log_norm: float) -> np.ndarray:
    """Σ_j w_j N(z; centre_j, Σ) for every row of ``z`` (in chunks: n x m Gaussians)."""
    out = np.empty(len(z))
    for start in range(0, len(z), 256):
        diff = z[start:start + 256, None, :] - centres[None, :, :]
        quad = np.einsum("abi,ij,abj->ab", diff, inv, diff)
        out[start:start + 256] = np.exp(-0.5 * quad - log_norm) @ weights
    return out


def posterior(fit: Fit, priors: list, found: Evaluated, n: int, seeds: list[int], accept: float, rng,
              generations: int = 2):
    """ABC-PMC from the search's best trials; returns (posterior table, last evaluations, summary)."""
    d = len(priors)
    lo = np.array([p.z_low for p in priors])
    hi = np.array([p.z_high for p in priors])
    order = np.argsort(found.distance)
    centres = found.z[order[: max(2 * d + 2, len(order) // 4)]]
    weights = np.full(len(centres), 1.0 / len(centres))
    per_generation = max(10, n // generations)
    eps = math.inf
    history = []
    for generation in range(generations):
        spread = np.atleast_2d(np.cov(centres.T, aweights=weights)) if len(centres) > 1 else np.eye(d)
        cov = 2.0 * spread + np.diag(((hi - lo) * 1e-3) ** 2)  # Beaumont et al. 2009: twice the covariance
        inv = np.linalg.inv(cov)
        log_norm = 0.5 * (d * math.log(2 * math.pi) + np.linalg.slogdet(cov)[1])
        draws = []
        while len(draws) < per_generation:
            picks = centres[rng.choice(len(centres), size=4 * per_generation, p=weights)]
            batch = picks + rng.multivariate_normal(np.zeros(d), cov, size=len(picks))
            draws.extend(batch[np.all((batch >= lo) & (batch <= hi), axis=1)])
        z = np.array(draws[:per_generation])
        ev = fit.evaluate(priors, z, seeds, f"posterior{generation + 1}",
                          f"posterior, generation {generation + 1}/{generations}: {len(z)} parameter sets")
        finite = np.isfinite(ev.distance)
        eps = min(eps, float(np.quantile(ev.distance[finite], accept)))
        accepted = finite & (ev.distance <= eps)
        if accepted.sum() < 2:  # keep the best few rather than nothing
            accepted = finite & (ev.distance <= np.sort(ev.distance[finite])[min(1, finite.sum() - 1)])
        q = _kernel_density(z, centres, weights, inv, log_norm)  # prior flat on the box: w ∝ 1 / q
        w, truncated = truncated_weights(np.where(accepted, 1.0 / np.maximum(q, 1e-300), 0.0))
        history.append({"generation": generation + 1, "proposed": int(len(z)), "accepted": int(accepted.sum()),
                        "tolerance": eps, "effective_sample_size": float(1.0 / np.sum(w[accepted] ** 2)),
                        "weights_truncated": truncated})
        centres, weights = z[accepted], w[accepted] / w[accepted].sum()
    table = pd.DataFrame({p.key: [p.from_z(x) for x in z[:, j]] for j, p in enumerate(priors)})
    for key in ("dau", "ever_active", "retention", "participation"):
        table[f"error_{key}"] = [e.get(key, math.nan) for e in ev.errors]
    table["distance"] = ev.distance
    table["weight"] = w
    post = table[accepted].reset_index(drop=True)
    summary = {**history[-1], "proposed": int(sum(h["proposed"] for h in history)), "generations": history}
    return post, ev, summary


def truncated_weights(raw: np.ndarray) -> tuple[np.ndarray, int]:
    """Importance weights normalised, each capped at ``mean * sqrt(n)`` over the n non-zero ones
    (truncated importance sampling, Ionides 2008, J. Comput. Graph. Stat. 17:295): in a dozen
    dimensions the proposal's density varies by orders of magnitude, and a handful of draws from
    its thin tails would otherwise carry the whole posterior (an effective sample size of 2 of
    ~200 accepted sets was measured on CollegeMsg). The cap trades a small bias for a large cut in
    variance; how many weights it touched is reported."""
    raw = np.asarray(raw, float)
    positive = raw > 0
    n = int(positive.sum())
    if n == 0:
        return raw, 0
    cap = raw[positive].mean() * math.sqrt(n)
    truncated = int(np.count_nonzero(raw > cap))
    w = np.minimum(raw, cap)
    return w / w.sum(), truncated


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
