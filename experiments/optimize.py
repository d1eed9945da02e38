"""``python -m experiments.optimize``: the plans worth their money under a budget (Optuna, multi-objective).

    python -m experiments.optimize optimize.budget=20000 optimize.trials=60

Searches strategy mixes and their levers -- which strategies, posts per week, event cadence,
points per action, number and choice of KOLs, referral reward, win-back threshold -- for the
front of plans that no other plan beats on both cost (lower is better: mean spend plus the points
still owed at the end, the incentive plan's liability, which a plan must pay one day) and effect
(the paired difference of ``optimize.kpi`` against the baseline plan, higher is better). Every
candidate runs under ``plan.budget = optimize.budget``, so none can overspend, on the same
replicate seeds as the baseline (common random numbers). Each lever's range is its declared
plausible range (strategies/*.py).

The study lives in a journal file (``study.journal``, not SQLite), and every run in its own
directory named by its config hash, so an interrupted search resumes where it stopped -- the
trials it had asked come back with their plans, and each later batch is asked as an uninterrupted
search would ask it (experiments/runner/studies.py) -- and a re-run with more trials continues it. The recommended plan -- the front point with the largest
effect whose interval lies above zero, else the plan searched with the largest such effect
(:func:`recommendable`) -- is re-run on fresh seeds (``optimize.confirm_replicates``)
so that its interval is not flattered by having been picked as the best of many.

Writes ``trials.csv``, ``pareto.csv`` (``cost``, the KPI by its name, ``difference``,
``difference_low``, ``difference_high``, ``plan``, ``overrides``), the recommended plan week by week
as ``schedule.csv`` (``week, strategy, action, cost``; experiments/analyses/schedule.py), the
recommended plan checked over the uncertainty draws as ``decision.csv`` (:func:`robust_check`),
``figures/pareto.png``, ``report.md`` and ``DONE`` last.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from omegaconf import DictConfig

from commsim.experiments.runner.jobs import Job, Runner
from commsim.experiments.runner.locking import hold
from commsim.experiments.runner.outputs import DONE, atomic_write, config_hash
from commsim.experiments.runner.studies import batches, trial_seed
from commsim.experiments.run import hydra_app, report_user_errors
from commsim.experiments.settings import load
from commsim.experiments.analyses.stats import paired_difference
from commsim.sim.calibrated import set_dotted
from commsim.sim.config import to_dict, validate
from commsim.sim.errors import ConfigError
from commsim.sim.space import levers, search_range

CONFIRM_SEED_OFFSET = 10_000  # confirmation seeds start here: never the seeds the search saw
CHECK_DRAW_OFFSET = 1_000  # the check over uncertainty.draws draws its own, not those a search over draws saw


TIMED = ("start_day", "end_day")  # a strategy declaring both can be told when to start and stop
MIN_SHARE = 0.05  # the smallest weight a chosen strategy's share of the budget is drawn from (before normalising)


def timed(name: str) -> bool:
    """Whether strategy ``name`` declares a start and an end day (its timing can be searched)."""
    from commsim.sim.space import strategy_parameters

    keys = strategy_parameters(name)
    return all(f"strategies.{name}.{k}" in keys for k in TIMED)


def suggest(trial, names: list[str], days: int | None = None, budget: float | None = None,
            split: bool = False, timing: bool = False) -> dict:
    """The trial's plan: {"strategies": [...], "values": {key: value}} (Optuna's define-by-run). Each
    strategy's levers are its parameters declared with ``lever=True`` (:func:`sim.space.levers`),
    searched over their choices or plausible range."""
    chosen, values = [], {}
    for name in names:
        if not trial.suggest_categorical(f"use_{name}", [False, True]):
            continue
        chosen.append(name)
        for info in levers(name):
            if info.choices:
                value = trial.suggest_categorical(info.key, list(info.choices))
            else:
                r = search_range(info)
                if r.integer:
                    value = trial.suggest_int(info.key, int(r.low), int(r.high), log=r.log)
                else:
                    value = round(trial.suggest_float(info.key, r.low, r.high, log=r.log), 2)
            values[info.key] = value
        if timing and days and timed(name):  # when it starts and stops: a window of at least a week
            start = trial.suggest_int(f"start_{name}", 1, max(1, days - 7))
            end = trial.suggest_int(f"end_{name}", min(start + 7, days + 1), days + 1)
            values[f"strategies.{name}.start_day"] = start
            values[f"strategies.{name}.end_day"] = None if end > days else end
    allowances = {}
    if split and budget and len(chosen) >= 2:  # the budget split: shares drawn as weights, normalised
        weights = {name: trial.suggest_float(f"share_{name}", MIN_SHARE, 1.0) for name in chosen}
        total = sum(weights.values())
        allowances = {name: float(np.floor(100 * budget * w / total) / 100) for name, w in weights.items()}
    return {"strategies": chosen, "values": values, "allowances": allowances}


def lever_words(plan: dict) -> dict[str, str]:
    """Each strategy of the plan with its levers, timing and share of the budget in words:
    {"kol": "k=12, method=pagerank, days 15-90, 40% of the budget"}."""
    out = {}
    allowances = plan.get("allowances") or {}
    total = sum(allowances.values())
    for name in plan["strategies"]:
        words = [f"{info.name}={plan['values'][info.key]:g}" if isinstance(plan["values"][info.key], float)
                 else f"{info.name}={plan['values'][info.key]}" for info in levers(name)]
        start = plan["values"].get(f"strategies.{name}.start_day")
        if start is not None:
            end = plan["values"].get(f"strategies.{name}.end_day")
            words.append(f"days {start}-{end - 1}" if end is not None else f"from day {start}")
        if name in allowances and total > 0:
            words.append(f"{allowances[name] / total:.0%} of the budget")
        out[name] = ", ".join(words)
    return out


def describe(plan: dict) -> str:
    """A plan in words: "content (posts_per_week=7) + kol (k=12, method=pagerank)"."""
    if not plan["strategies"]:
        return "no strategy (the baseline)"
    return " + ".join(f"{name} ({words})" for name, words in lever_words(plan).items())


def overrides_of(plan: dict, budget: float) -> list[str]:
    """The plan as Hydra overrides a user can pass to run or compare."""
    out = [f"plan.strategies=[{','.join(plan['strategies'])}]", f"plan.budget={budget:g}"]
    out += [f"{key}={'null' if value is None else value}" for key, value in plan["values"].items()]
    if plan.get("allowances"):
        out.append("++plan.allowances={" + ",".join(f"{k}:{_cents(v)}" for k, v in plan["allowances"].items()) + "}")
    return out


def _cents(value: float) -> str:
    """Money to the cent, without trailing zeros (5935.01, 1200): never rounded up past the budget."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def candidate_config(base: dict, plan: dict, budget: float, seed: int):
    cfg = json.loads(json.dumps(base))
    cfg["plan"]["strategies"] = list(plan["strategies"])
    cfg["plan"]["name"] = "+".join(plan["strategies"]) or "baseline"
    cfg["plan"]["budget"] = float(budget)
    cfg["plan"]["allowances"] = dict(plan.get("allowances") or {})
    for key, value in plan["values"].items():
        set_dotted(cfg, key, value)
    cfg["seed"] = int(seed)
    return validate(cfg)


def jobs_for(base: dict, plan: dict, budget: float | None, seeds: list[int], root: Path) -> list[Job]:
    out = []
    for seed in seeds:
        if budget is None:  # the baseline: no strategy, no budget
            cfg = json.loads(json.dumps(base))
            cfg["plan"].update(strategies=[], name="baseline", budget=None, allowances={})
            cfg["seed"] = int(seed)
            config = validate(cfg)
        else:
            config = candidate_config(base, plan, budget, seed)
        out.append(Job(config, root / "runs" / config_hash(config), figures=False))
    return out


def summaries(jobs: list[Job]) -> list[dict]:
    return [json.loads((job.out_dir / "summary.json").read_text()) for job in jobs]


def idle_everywhere(jobs: list[Job]) -> list[str]:
    """The plan's strategies that did nothing in every one of its runs (no one to pick, no budget):
    a plan that contains one is not the plan it says it is, and is kept off the front."""
    from commsim.experiments.compare import idle_in

    idle = None
    for job in jobs:
        mine = set(idle_in(job, pd.read_parquet(job.out_dir / "spend.parquet")))
        idle = mine if idle is None else idle & mine
    return sorted(idle or ())


QUANTILE = {"mean": None, "q25": 0.25, "q10": 0.10}  # optimize.objective over the draws' effects


def evaluate_over(groups: list[list[Job]], baselines: list[list[dict]], kpi: str, objective: str = "mean") -> dict:
    """A candidate over parameter draws (one job group and one baseline per draw): its effect is
    ``objective`` of the draws' mean paired effects, its interval the 10th-90th percentiles of them;
    cost, spend and overspending over every run of every draw. One draw: :func:`evaluate`."""
    if len(groups) == 1:
        return evaluate(groups[0], baselines[0], kpi)
    per_draw = [evaluate(g, b, kpi) for g, b in zip(groups, baselines)]
    effects = np.array([r["difference"] for r in per_draw], float)
    q = QUANTILE[objective]
    value = float(np.nanmean(effects)) if q is None else float(np.nanquantile(effects, q))
    idle = set.intersection(*(set(r["idle"].split()) for r in per_draw))
    # every draw runs the same seeds, so the mean over all runs is the mean of the draws' means
    return {"cost": float(np.mean([r["cost"] for r in per_draw])),
            "spent": float(np.mean([r["spent"] for r in per_draw])),
            "max_spent": float(max(r["max_spent"] for r in per_draw)),
            kpi: float(np.mean([r[kpi] for r in per_draw])), "difference": value,
            "difference_low": float(np.nanquantile(effects, 0.1)), "difference_high": float(np.nanquantile(effects, 0.9)),
            "budget_ran_out": int(sum(r["budget_ran_out"] for r in per_draw)), "idle": " ".join(sorted(idle)),
            "draws_better": float(np.mean(effects > 0))}


def evaluate(jobs: list[Job], baseline: list[dict], kpi: str) -> dict:
    runs = summaries(jobs)
    value = [float("nan") if r.get(kpi) is None else float(r[kpi]) for r in runs]
    diff = paired_difference(value, [float("nan") if b.get(kpi) is None else float(b[kpi]) for b in baseline])
    owed = [float(r["total_cost"]) + float(r.get("liability") or 0.0) for r in runs]
    return {"cost": float(np.mean(owed)), "spent": float(np.mean([r["total_cost"] for r in runs])),
            "max_spent": float(np.max([r["total_cost"] for r in runs])),
            kpi: float(np.mean(value)), "difference": diff.mean, "difference_low": diff.low,
            "difference_high": diff.high, "budget_ran_out": sum(r.get("budget_exhausted_day") is not None for r in runs),
            "idle": " ".join(idle_everywhere(jobs))}


def search_setup(base: dict, o, seeds: list[int], uncertainty: dict | None = None) -> str:
    """A fingerprint of what a study's trials mean: the model config (seed aside) with the content of the
    files it names and the model version (a journal of an older engine, or of an edited network or start
    state, is not continued), and the search's settings."""
    import hashlib

    from commsim.experiments.runner.outputs import CONTENT_FILES, file_sha256
    from commsim.sim.version import MODEL_VERSION

    model = {k: v for k, v in base.items() if k != "seed"}
    files = [(group, key) for group, key in CONTENT_FILES if (base.get(group) or {}).get(key)]
    what = {"model": model, "kpi": o.kpi, "strategies": list(o.strategies), "budget": o.budget, "seeds": seeds,
            "model_version": MODEL_VERSION, "files": {f"{g}.{k}": file_sha256(base[g][k]) for g, k in files}}
    if o.sampler != "nsga2":  # another sampler reads the journal's trials differently (the default's
        what["sampler"] = o.sampler  # fingerprint stays what it was)
    if o.split or o.timing:  # a search space with these dimensions (older journals had neither)
        what.update(split=o.split, timing=o.timing)
    if o.draws:  # trials scored over draws: the same draws, or the journal means something else
        what.update(draws=o.draws, objective=o.objective, uncertainty=uncertainty)
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point dominates (cost lower-or-equal and effect higher-or-equal,
    one of them strictly)."""
    front = []
    for i, (ci, ei) in enumerate(points):
        dominated = any((cj <= ci and ej >= ei) and (cj < ci or ej > ei) for j, (cj, ej) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return front


def optimize(cfg: DictConfig, out_dir: Path, overrides: list[str]) -> Path:
    """Run (or continue) the search and write its report; returns the report path."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.trial import TrialState

    from commsim.experiments.analyses.robust import uncertainty_kind

    config, settings = load(cfg, overrides)
    o = settings.optimize
    kind = uncertainty_kind(settings, config)  # a posterior without a twin is refused before any run
    base = to_dict(config)
    seeds = list(range(o.first_seed, o.first_seed + o.replicates))
    out_dir = Path(out_dir)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with hold(out_dir, "budget search"), Runner.from_settings(settings, o.jobs, out_dir) as runner:
        over = max(1, o.draws) if kind != "none" else 1
        runner.expect((o.trials + 1) * len(seeds) * over + 2 * o.confirm_replicates
                      + (2 * len(seeds) * settings.uncertainty.draws if kind != "none" else 0),
                      f"optimize: ({o.trials:,} trials + the baseline) x {len(seeds)} replicates"
                      + (f" x {over} parameter draws (optimize.draws)" if over > 1 else "")
                      + ", and the recommended plan's confirmation and its check over uncertainty.draws", config=config,
                      fewer="fewer optimize.trials or optimize.replicates, fewer people or days")
        if not runner.settings.dry_run:  # a dry run leaves a finished search finished
            (out_dir / DONE).unlink(missing_ok=True)
        base_jobs = jobs_for(base, {}, None, seeds, out_dir)
        runner.run(base_jobs, progress="never", quiet=True)
        from commsim.experiments.analyses.robust import MATCH_KPI

        screen = screener(runner, out_dir, seeds[0], float(np.mean([s[MATCH_KPI] for s in summaries(base_jobs)])))
        # optimize.draws: every candidate on each draw of the uncertain parameters (else the defaults only)
        bases = drawn_bases(base, list(o.strategies), o.draws, kind, settings, config, overrides, screen)[2] \
            if o.draws and kind != "none" else [base]
        if o.draws and kind == "none":
            print(f"[commsim] optimize.draws={o.draws} with uncertainty=none: nothing is drawn; the search runs at "
                  f"the default parameters", file=sys.stderr, flush=True)
        elif len(bases) < 2 and o.draws:
            print(f"[commsim] optimize.draws={o.draws}: only {len(bases)} draws describe a community like this one "
                  f"(uncertainty.match); the search runs at the default parameters", file=sys.stderr, flush=True)
            bases = [base]
        base_groups = [jobs_for(b, {}, None, seeds, out_dir) for b in bases]
        runner.run([j for g in base_groups for j in g], progress="never", quiet=True)
        baselines = [summaries(g) for g in base_groups]
        storage = JournalStorage(JournalFileBackend(str(out_dir / "study.journal")))

        population = max(4, min(50, o.trials // 4))  # NSGA-II's; a continued search keeps its first one

        def sampler(number: int):
            if o.sampler == "nsga2":
                return optuna.samplers.NSGAIISampler(population_size=population, seed=trial_seed(o.seed, number))
            return optuna.samplers.TPESampler(seed=trial_seed(o.seed, number), multivariate=True,
                                              constant_liar=True)

        study = optuna.create_study(study_name="plans", storage=storage, sampler=sampler(0),
                                    directions=["minimize", "maximize"], load_if_exists=True)
        from dataclasses import asdict

        setup = search_setup(base, o, seeds, {"kind": kind, **asdict(settings.uncertainty)})
        found = study.user_attrs.get("setup")
        if found is None:
            study.set_user_attr("setup", setup)
            study.set_user_attr("population_size", population)
        elif found != setup:
            raise ConfigError([f"optimize: {out_dir / 'study.journal'} holds a search with other settings (model "
                               f"config and the files it names, the model version, sampler, kpi, strategies, budget, seeds, split, "
                               f"timing, or draws with their objective and uncertainty.*; a journal from before "
                               f"2026-12-07 did not record the model version and files); continue it with the same "
                               f"settings, or give this search its own optimize.name=..."])
        # a search continued with more trials asks its batches as the search it extends would have
        population = int(study.user_attrs.get("population_size", population))
        # trials an interruption left unfinished come back first, with their plans; runs on disk are reused
        for asked in batches(study, o.trials, max(2, 2 * runner.workers), sampler,
                             lambda t: suggest(t, list(o.strategies), config.days, o.budget, o.split, o.timing)):
            done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            trials, plans = [t for t, _ in asked], [plan for _, plan in asked]
            # a candidate with no strategy is the baseline itself: its runs are the baseline's
            jobs = [[jobs_for(b, plan, o.budget, seeds, out_dir) for b in bases] if plan["strategies"] else base_groups
                    for plan in plans]
            runner.run([j for groups in jobs for group in groups for j in group], progress="never", quiet=True)
            for trial, plan, groups in zip(trials, plans, jobs):
                result = evaluate_over(groups, baselines, o.kpi, o.objective)
                trial.set_user_attr("plan", plan)
                trial.set_user_attr("result", result)
                study.tell(trial, [result["cost"], result["difference"]])
            print(f"[commsim] trials {len(done) + len(trials)}/{o.trials}", file=sys.stderr, flush=True)
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        rows = []
        for t in complete:
            plan = t.user_attrs["plan"]
            result = dict(t.user_attrs["result"])
            if "idle" not in result:  # a trial of an older journal: its runs are on disk
                result["idle"] = " ".join(idle_everywhere(jobs_for(base, plan, o.budget, seeds, out_dir))) \
                    if plan["strategies"] else ""
            rows.append({"trial": t.number, **result, "plan": describe(plan),
                         "overrides": " ".join(overrides_of(plan, o.budget)), "_plan": plan})
        trials_table = pd.DataFrame(rows)
        acting = trials_table[trials_table.get("idle", pd.Series("", index=trials_table.index)).fillna("") == ""]
        front_index = pareto_front(list(zip(acting["cost"], acting["difference"])))
        front = (acting.iloc[front_index].sort_values(["cost", "trial"])
                 .drop_duplicates("overrides").reset_index(drop=True))  # a plan tried twice is one point
        recommended, confirmed, confirm_jobs = _recommend(front, acting, base, o, runner, out_dir)
        decision = None
        (out_dir / "decision.csv").unlink(missing_ok=True)
        if recommended is not None:
            decision = robust_check(recommended["_plan"], base, o, settings, config, runner, out_dir, overrides,
                                    screen)
            if decision is not None:
                atomic_write(out_dir / "decision.csv", lambda p: decision.to_csv(p, index=False))
            from commsim.experiments.analyses.schedule import schedule

            plan = recommended["_plan"]
            table = schedule([j.out_dir for j in confirm_jobs], list(plan["strategies"]), lever_words(plan))
            atomic_write(out_dir / "schedule.csv", lambda p: table.to_csv(p, index=False))
        else:
            (out_dir / "schedule.csv").unlink(missing_ok=True)
        public = [c for c in trials_table.columns if c != "_plan"]
        atomic_write(out_dir / "trials.csv", lambda p: trials_table[public].round(4).to_csv(p, index=False))
        pareto_cols = ["cost", o.kpi, "difference", "difference_low", "difference_high", "plan", "overrides",
                       "trial", "spent", "max_spent", "budget_ran_out"]
        atomic_write(out_dir / "pareto.csv", lambda p: front[pareto_cols].round(4).to_csv(p, index=False))
        from commsim.experiments.reports.optimize import write

        from commsim.experiments.overrides import model_overrides

        command = "" if recommended is None else " ".join(
            shlex.quote(x) for x in [*model_overrides(overrides, drop=("seed",)),
                                      *overrides_of(recommended["_plan"], o.budget)])
        report = write(out_dir, o, config, trials_table, front, recommended, confirmed, len(seeds), command,
                       currency=settings.report.currency, language=settings.report.language, decision=decision)
        atomic_write(out_dir / DONE, lambda p: p.write_text(json.dumps(
            {"status": "finished", "kind": "optimize", "trials": len(complete)}) + "\n"))
    return report


def robust_check(plan: dict, base: dict, o, settings, config, runner, out_dir: Path,
                 overrides: list[str] = (), screen=None) -> pd.DataFrame | None:
    """The recommended plan against the baseline over ``uncertainty.draws`` draws of the uncertain
    parameters (the comparison's ``uncertainty=``: the prior, or a twin's posterior draws with the
    prior for the rest), on the confirmation's fresh seeds: its row of the decision table (experiments/analyses/
    robust.py), or None with ``uncertainty=none``. Keys set on the command line (``overrides``) are
    never drawn, as in a comparison; a twin's draws of calendar events are left out when its
    what-ifs start from a state read from the log (those events are in a past it does not simulate)."""
    from commsim.experiments.analyses.robust import decision_table, uncertainty_kind
    from commsim.experiments.reports.comparison import plan_costs
    from commsim.sim.metrics import KPIS

    kind = uncertainty_kind(settings, config)
    if kind == "none":
        return None
    # not the draws nor the seeds the plan was picked on: a winner looks better on those than it is
    draws, ranges, bases = drawn_bases(base, plan["strategies"], settings.uncertainty.draws, kind, settings, config,
                                       overrides, screen,
                                       seed=settings.uncertainty.seed + (CHECK_DRAW_OFFSET if o.draws else 0))
    if len(draws) < 2:  # uncertainty.match kept too few draws to decide over
        return None
    seeds = list(range(CONFIRM_SEED_OFFSET + o.first_seed, CONFIRM_SEED_OFFSET + o.first_seed + o.replicates))
    jobs = []
    for d, drawn in zip(draws.draw, bases):
        for scenario, budget in (("baseline", None), ("recommended", o.budget)):
            for job in jobs_for(drawn, plan if budget else {}, budget, seeds, out_dir):
                job.tags = {"scenario": scenario, "draw": int(d), "seed": job.config.seed}
                jobs.append(job)
    runner.run(jobs, progress="never", quiet=True)
    runs = pd.DataFrame([{**j.tags, **s} for j, s in zip(jobs, summaries(jobs))])
    runs["cost"] = plan_costs(runs)
    table = decision_table(runs, draws, ranges, "baseline", o.kpi, KPIS[o.kpi].direction, ["baseline", "recommended"])
    table.attrs["draws"], table.attrs["kind"] = len(draws), kind
    return table


def screener(runner, out_dir: Path, seed: int, reference: float):
    """``uncertainty.match`` for the optimiser: a function running the baseline of candidate draws (one run
    each, on ``seed``) and giving their mean DAU of the last 30 days; ``reference`` is the undrawn one's."""
    from commsim.experiments.analyses.robust import MATCH_KPI

    def screen(bases: dict[int, dict]) -> pd.Series:
        jobs = {d: jobs_for(b, {}, None, [seed], out_dir)[0] for d, b in bases.items()}
        runner.run(list(jobs.values()), progress="never", quiet=True)
        return pd.Series({d: float(summaries([job])[0][MATCH_KPI]) for d, job in jobs.items()})

    screen.reference = reference
    return screen


def drawn_bases(base: dict, strategies: list[str], n: int, kind: str, settings, config,
                overrides: list[str] = (), screen=None, seed: int | None = None) -> tuple[pd.DataFrame, list, list[dict]]:
    """``n`` draws of the uncertain parameters (``kind``: prior, or a twin's posterior draws with the prior
    for the rest) as model configs: (the draws table, the drawn ranges, one config dict per draw). Keys
    set on the command line (``overrides``) are never drawn, as in a comparison; a twin's draws of
    calendar events are left out when its what-ifs start from a state read from the log (those events
    are in a past it does not simulate; a replay runs through them).
    With ``screen`` (:func:`screener`) and ``uncertainty.match``, prior draws are kept only when their
    community resembles this one, as in a comparison (experiments/analyses/robust.py history_match)."""
    from commsim.experiments.analyses.robust import candidate_draws, draw, drawn_ranges, history_match
    from commsim.experiments.overrides import key_of
    from commsim.sim import calibrated

    spec = calibrated.load(config.calibration) if kind == "posterior" else {}
    explicit = {key_of(o_) for o_ in overrides}
    posterior = [{k: v for k, v in d.items() if not calibrated.explicitly_set(k, explicit)
                  and not (spec.get("today") and not calibrated.replays(spec) and k.startswith("calendar.events."))}
                 for d in spec.get("draws") or []]
    fitted = set(spec.get("fit", {}).get("parameters", [])) if posterior else set()
    ranges = drawn_ranges(settings.uncertainty, strategies, fitted, explicit)

    def bases_of(draws: pd.DataFrame) -> list[dict]:
        out = []
        for d in draws.draw:
            drawn = json.loads(json.dumps(base))
            values = {r.key: (int(draws.at[d, r.key]) if r.integer else float(draws.at[d, r.key])) for r in ranges}
            if posterior:
                values.update(posterior[int(d) % len(posterior)])
            for key, value in values.items():
                set_dotted(drawn, key, value)
            out.append(drawn)
        return out

    match = settings.uncertainty.match
    if screen is not None and kind == "prior" and match is not None and screen.reference > 0:
        candidates = candidate_draws(ranges, n, settings.uncertainty.seed if seed is None else seed)
        kept, _ = history_match(candidates, n, screen.reference, match,
                                lambda batch: screen(dict(zip(batch.draw, bases_of(batch)))))
        draws = candidates.loc[kept]
    else:
        draws = draw(ranges, n, settings.uncertainty.seed if seed is None else seed)
    return draws, ranges, bases_of(draws)


def recommendable(front: pd.DataFrame, acting: pd.DataFrame):
    """The plan :func:`_recommend` re-runs (a row of ``front`` or ``acting``), or None."""
    for table in (front, acting):
        reliable = table[table["difference_low"] > 0]
        if not reliable.empty:
            return reliable.sort_values(["difference", "trial"], ascending=[False, True]).iloc[0]
    return None


def _recommend(front: pd.DataFrame, acting: pd.DataFrame, base: dict, o, runner, out_dir: Path):
    """The front point with the largest effect whose interval lies above zero, re-run on fresh seeds; where no
    point of the front has one, the plan searched with the largest such effect (a plan a cheaper, larger but
    less certain gain keeps off the front still beats the baseline reliably)."""
    pick = recommendable(front, acting)
    if pick is None:
        return None, None, []
    seeds = list(range(CONFIRM_SEED_OFFSET + o.first_seed, CONFIRM_SEED_OFFSET + o.first_seed + o.confirm_replicates))
    plan_jobs = jobs_for(base, pick["_plan"], o.budget, seeds, out_dir)
    base_jobs = jobs_for(base, {}, None, seeds, out_dir)
    runner.run(plan_jobs + base_jobs, progress="never", quiet=True)
    confirmed = evaluate(plan_jobs, summaries(base_jobs), o.kpi)
    confirmed["replicates"] = len(seeds)
    return pick, confirmed, plan_jobs


@hydra.main(version_base="1.3", config_path="../configs", config_name="optimize")
def main(cfg: DictConfig) -> None:
    out_dir, overrides = hydra_app()
    report = report_user_errors(lambda: optimize(cfg, out_dir, overrides))
    print(f"report: {report}")


if __name__ == "__main__":
    from commsim.experiments.cli import preflight

    preflight("optimize")
    main()
