"""commsim benchmarks: ``python -m experiments.benchmarks [--quick | --smoke] [--json PATH]``.

Every figure is the median of ``--repeats`` runs; every ratio compares two
things measured side by side in this same invocation (absolute times drift on
a shared machine, ratios hold). Sections:

* ``model``      people x days per second, wall time and peak memory (fresh
                 process per configuration) for 10k, 100k and 1M people x 365
                 days, baseline plan and all eight strategies;
* ``mesa``       commsim against the idiomatic-Mesa reference
                 (experiments/benchmarks/mesa_reference.py), same graph and seed;
* ``diffusion``  sim.diffusion.independent_cascade against cynetdiff and NDlib
                 (extras: ``pip install -e .[bench]``) on a 100k-node BA graph, m=5,
                 1% random seeds, p=0.05;
* ``graph``      a 1M-node mean-degree-10 scale-free graph into CSR, against
                 networkx's generator plus conversion;
* ``bandwidth``  the bytes a day's update must touch over a measured streaming
                 bandwidth: the memory-bound floor, and the model's distance from it;
* ``scale``      10M (quick: 1M) people x 365 days, baseline plan: wall time, peak memory against the
                 memory guard's estimate, cost per person-day against 1M measured in the same run;
* ``cluster``    a 200-run sweep of 10k-person runs: runs per minute on 2 local processes and on Ray,
                 measured side by side: the cluster at ``--ray-address`` (e.g. one started with ``ray
                 start --head --node-ip-address=127.0.0.1``), else a private local Ray instance with 2
                 CPUs that the benchmark starts and stops itself (never ``ray stop``, which would stop
                 every Ray process on the machine, a cluster someone else uses included);
* ``calibration`` simulations per second as ``python -m experiments.calibrate`` runs them
                 (the CollegeMsg twin's 100 training days, random parameter sets, measured
                 targets written per run) through the job runner's worker pool, against the
                 same runs one after another in this process, and the time the default
                 ``calibrate.runs`` would take at that rate.

``--quick`` uses smaller sizes (minutes); ``--smoke`` tiny ones (seconds; the test suite
runs it). Results go to results/benchmarks/<date>_<time>.json unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import time
from datetime import datetime
from pathlib import Path

import numpy as np


def all_strategies() -> list[str]:
    """Every registered strategy but the do-nothing baseline (the "all strategies" plan)."""
    from commsim.strategies import registry

    return [name for name in registry.available() if name != "baseline"]


SIZES = {"full": dict(people=[10_000, 100_000, 1_000_000], days=365, mesa=[10_000, 100_000], mesa_days=5,
                      diffusion_n=100_000, graph_n=1_000_000, networkx_n=1_000_000),
         "quick": dict(people=[10_000, 100_000], days=120, mesa=[10_000], mesa_days=5,
                       diffusion_n=100_000, graph_n=1_000_000, networkx_n=100_000),
         "smoke": dict(people=[2_000], days=10, mesa=[1_000], mesa_days=2,
                       diffusion_n=2_000, graph_n=20_000, networkx_n=2_000)}
SIZES["full"]["calibration_runs"], SIZES["quick"]["calibration_runs"], SIZES["smoke"]["calibration_runs"] = 240, 80, 6
# scale: one machine's largest community against 1M (baseline plan); cluster: a sweep's throughput
SIZES["full"].update(scale=[1_000_000, 10_000_000], scale_days=365, sweep_runs=200, sweep_people=10_000)
SIZES["quick"].update(scale=[100_000, 1_000_000], scale_days=120, sweep_runs=40, sweep_people=10_000)
SIZES["smoke"].update(scale=[5_000, 10_000], scale_days=10, sweep_runs=4, sweep_people=500)
COLLEGEMSG = Path(__file__).resolve().parents[2] / "data" / "collegemsg" / "CollegeMsg.txt.gz"


def _median(values):
    return float(statistics.median(values))


def _model_child(n, days, plan, queue):
    import resource

    from commsim.sim.model import CommunityModel

    cfg = {"days": days, "seed": 0, "network": {"kind": "barabasi_albert", "n": n},
           "plan": {"name": "all" if plan else "baseline", "strategies": plan}}
    t0 = time.perf_counter()
    model = CommunityModel(cfg)
    t1 = time.perf_counter()
    for _ in range(days):
        model.step()
    t2 = time.perf_counter()
    stages = model.stage_times()
    queue.put({"build_s": t1 - t0, "step_s": t2 - t1,
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "state_bytes_per_person": (model.population.nbytes + model.graph.nbytes) / n,
               "stages": dict(zip(stages["stage"], stages["seconds"].round(3)))})


def _in_fresh_process(target, *args):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    while True:  # wait for the result, but notice a child that died without one
        try:
            result = queue.get(timeout=1.0)
            break
        except Exception:
            if not proc.is_alive():
                raise RuntimeError(f"benchmark child exited with code {proc.exitcode} and no result")
    proc.join()
    return result


def bench_model(sizes, repeats):
    rows = []
    for plan_name, plan in (("baseline", []), ("all_strategies", all_strategies())):
        for n in sizes["people"]:
            runs = [_in_fresh_process(_model_child, n, sizes["days"], plan) for _ in range(repeats)]
            step = _median([r["step_s"] for r in runs])
            rows.append({"plan": plan_name, "people": n, "days": sizes["days"],
                         "build_s": _median([r["build_s"] for r in runs]), "step_s": step,
                         "wall_s": _median([r["build_s"] + r["step_s"] for r in runs]),
                         "person_days_per_s": n * sizes["days"] / step,
                         "peak_mib": max(r["peak_mib"] for r in runs),
                         "state_bytes_per_person": runs[0]["state_bytes_per_person"],
                         "stages": runs[len(runs) // 2]["stages"]})
        base = [r for r in rows if r["plan"] == plan_name]
        for r in base:
            r["cost_per_person_day_vs_smallest"] = base[0]["person_days_per_s"] / r["person_days_per_s"]
    return rows


def bench_scale(sizes):
    """The largest communities on this machine (baseline plan, one fresh process each): wall time, peak
    memory against the memory guard's estimate (sim/memory.py), and cost per person-day against the
    smallest size measured here."""
    from commsim.sim.memory import estimate_bytes

    rows = []
    for n in sizes["scale"]:
        r = _in_fresh_process(_model_child, n, sizes["scale_days"], [])
        estimate = estimate_bytes(n, 10, sizes["scale_days"], 20, strategies=False) / 2**20
        wall = r["build_s"] + r["step_s"]
        rows.append({"people": n, "days": sizes["scale_days"], "build_s": r["build_s"], "step_s": r["step_s"],
                     "wall_s": wall, "peak_mib": r["peak_mib"], "guard_estimate_mib": estimate,
                     "estimate_vs_peak": estimate / r["peak_mib"],
                     "us_per_person_day": 1e6 * wall / (n * sizes["scale_days"])})
    for r in rows:
        r["cost_per_person_day_vs_smallest"] = r["us_per_person_day"] / rows[0]["us_per_person_day"]
    return rows


def bench_cluster(sizes, workers: int = 2, address: str | None = None, with_ray: bool = True):
    """A sweep's throughput (runs per minute, every run written with its figures as a sweep writes it):
    ``sweep_runs`` runs of ``sweep_people`` people through the job runner on ``workers`` local processes,
    then on Ray: the cluster at ``address`` (or ``RAY_ADDRESS``), else a private local instance with
    ``workers`` CPUs (started and stopped by the runner's Ray backend); both include starting their
    workers. ``with_ray=False``: the local half only."""
    import importlib.util
    import os
    import tempfile

    from commsim.experiments.runner.jobs import Job, Runner
    from commsim.experiments.settings import RunnerSettings
    from commsim.sim.config import validate
    from commsim.sim.defaults import default_config

    def jobs(root):
        return [Job(validate(default_config({"seed": s, "network": {"n": sizes["sweep_people"]}})), root / f"seed{s}")
                for s in range(sizes["sweep_runs"])]

    def timed(root, settings) -> float:
        start = time.perf_counter()
        with Runner(workers, settings) as runner:
            runner.run(jobs(root), progress="never", quiet=True)
        return time.perf_counter() - start

    row = {"runs": sizes["sweep_runs"], "people": sizes["sweep_people"], "days": default_config({})["days"],
           "workers": workers}
    with tempfile.TemporaryDirectory(prefix="commsim-bench-") as tmp:
        local_s = timed(Path(tmp) / "local", RunnerSettings(kind="local"))
        if not with_ray or importlib.util.find_spec("ray") is None:
            return {**row, "local_s": local_s, "local_runs_per_min": 60 * row["runs"] / local_s,
                    "ray": "not installed" if with_ray else "not run (--without-ray)"}
        ray_s = timed(Path(tmp) / "ray", RunnerSettings(kind="ray", address=address, workers=workers))
    where = address or os.environ.get("RAY_ADDRESS") or "a private local instance"
    return {**row, "ray": where, "local_s": local_s, "ray_s": ray_s,
            "local_runs_per_min": 60 * row["runs"] / local_s, "ray_runs_per_min": 60 * row["runs"] / ray_s,
            "ray_vs_local": local_s / ray_s}


def bench_mesa(sizes, repeats):
    from commsim.experiments.benchmarks.mesa_reference import ReferenceModel
    from commsim.sim import generators
    from commsim.sim.model import CommunityModel

    rows = []
    for n in sizes["mesa"]:
        graph = generators.barabasi_albert(n, 5, np.random.default_rng(0))
        days = sizes["mesa_days"]
        ours, theirs = [], []
        for _ in range(repeats):
            model = CommunityModel({"days": days, "seed": 0, "network": {"n": n}}, graph=graph)
            t = time.perf_counter()
            for _ in range(days):
                model.step()
            ours.append(time.perf_counter() - t)
            ref = ReferenceModel(graph.to_networkx(), seed=0)
            t = time.perf_counter()
            for _ in range(days):
                ref.step()
            theirs.append(time.perf_counter() - t)
        rows.append({"people": n, "days": days, "commsim_s": _median(ours), "mesa_reference_s": _median(theirs),
                     "commsim_person_days_per_s": n * days / _median(ours),
                     "mesa_person_days_per_s": n * days / _median(theirs),
                     "speedup": _median(theirs) / _median(ours)})
    return rows


def bench_diffusion(sizes, repeats):
    from commsim.sim import generators
    from commsim.sim.diffusion import independent_cascade

    n = sizes["diffusion_n"]
    graph = generators.barabasi_albert(n, 5, np.random.default_rng(0))
    seeds = np.random.default_rng(1).choice(n, size=max(1, n // 100), replace=False)
    out = {"nodes": n, "seeds": int(seeds.size), "p": 0.05}

    def timed(fn):
        times, reached = [], []
        for r in range(repeats):
            t = time.perf_counter()
            reached.append(int(fn(r)))
            times.append(time.perf_counter() - t)
        return _median(times), float(np.mean(reached))

    out["commsim_s"], out["commsim_reached"] = timed(
        lambda r: independent_cascade(graph, seeds, 0.05, np.random.default_rng(r)).sum())
    nxg = graph.to_networkx()
    try:
        from cynetdiff.utils import networkx_to_ic_model

        model, _ = networkx_to_ic_model(nxg, activation_prob=0.05, rng=0)

        def run_cynetdiff(r):
            model.reset_model()
            model.set_seeds(seeds.tolist())
            model.advance_until_completion()
            return model.get_num_activated_nodes()
        out["cynetdiff_s"], out["cynetdiff_reached"] = timed(run_cynetdiff)
        out["commsim_vs_cynetdiff"] = out["commsim_s"] / out["cynetdiff_s"]
    except ImportError:
        out["cynetdiff"] = "not installed (pip install -e .[bench])"
    try:
        import ndlib.models.ModelConfig as mc
        import ndlib.models.epidemics as ep

        def run_ndlib(r):
            model = ep.IndependentCascadesModel(nxg, seed=r)
            config = mc.Configuration()
            config.add_model_initial_configuration("Infected", seeds.tolist())
            for u, v in nxg.edges():
                config.add_edge_configuration("threshold", (u, v), 0.05)
            model.set_initial_status(config)
            status = None
            while True:  # iterate until no node is newly infected
                it = model.iteration()
                if it["status_delta"][1] == 0 and status is not None:
                    break
                status = it
            return model.iteration()["node_count"][2] + model.iteration()["node_count"][1]
        t_nd, reached_nd = timed(run_ndlib) if n <= 200_000 else (float("nan"), float("nan"))
        out["ndlib_s"], out["ndlib_reached"] = t_nd, reached_nd
        out["ndlib_vs_commsim"] = t_nd / out["commsim_s"]
    except ImportError:
        out["ndlib"] = "not installed (pip install -e .[bench])"
    return out


def bench_graph(sizes, repeats):
    import networkx as nx

    from commsim.sim import generators
    from commsim.sim.graph import CSRGraph

    n = sizes["graph_n"]
    ours = []
    for r in range(repeats):
        t = time.perf_counter()
        generators.barabasi_albert(n, 5, np.random.default_rng(r))
        ours.append(time.perf_counter() - t)
    nn = sizes["networkx_n"]
    t = time.perf_counter()
    g = nx.barabasi_albert_graph(nn, 5, seed=0)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    CSRGraph.from_networkx(g)
    t_conv = time.perf_counter() - t
    ours_same = ours if nn == n else []
    if not ours_same:
        for r in range(repeats):
            t = time.perf_counter()
            generators.barabasi_albert(nn, 5, np.random.default_rng(r))
            ours_same.append(time.perf_counter() - t)
    return {"nodes": n, "commsim_s": _median(ours), "networkx_nodes": nn, "networkx_generate_s": t_gen,
            "networkx_to_csr_s": t_conv, "networkx_vs_commsim": (t_gen + t_conv) / _median(ours_same)}


def bench_bandwidth(sizes, model_rows):
    buf = np.ones(50_000_000, np.float64)  # 400 MB: far beyond the caches
    dst = np.empty_like(buf)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(dst, buf)
        times.append(time.perf_counter() - t)
    bandwidth = 2 * buf.nbytes / min(times)  # bytes read + written per second
    from commsim.sim.model import CommunityModel

    n = max(sizes["people"])
    model = CommunityModel({"days": 1, "network": {"n": n}})
    passes = 5  # join, activity, state, census read the population; actions read the graph once
    bytes_day = model.graph.nbytes + passes * model.population.nbytes
    floor = bytes_day / bandwidth
    measured = next((r["step_s"] / r["days"] for r in model_rows
                     if r["plan"] == "baseline" and r["people"] == n), float("nan"))
    return {"people": n, "bandwidth_gb_s": bandwidth / 1e9, "bytes_per_day_mb": bytes_day / 1e6,
            "floor_ms_per_day": floor * 1e3, "measured_ms_per_day": measured * 1e3,
            "distance_from_floor": measured / floor}


def bench_calibration(sizes, repeats, workers: int = 2):
    import os
    import tempfile

    from commsim.experiments.calibrate import budget
    from commsim.experiments.analyses.calibration.rolling import origins
    from commsim.experiments.analyses.calibration import priors as P
    from commsim.experiments.analyses.calibration.search import Fit
    from commsim.experiments.analyses.calibration.targets import measure
    from commsim.experiments.analyses.calibration.twin import build
    from commsim.experiments.runner.jobs import Runner
    from commsim.experiments.settings import CALIBRATION_CANDIDATES, CalibrateSettings
    from commsim.sim.log_io import read_log

    log, _ = read_log(COLLEGEMSG)
    train, n = 100, sizes["calibration_runs"]
    defaults = CalibrateSettings()
    priors = P.priors_for(list(CALIBRATION_CANDIDATES), {}, [])
    pooled_s, serial_s = [], []
    for r in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            twin = build(log, train, Path(tmp))
            observed = measure(log, log.first_day, train)
            warm = 2 * workers  # the pool starts (spawn, import, compile) on its first batch of 2+ runs
            z = P.lhs(priors, 1 + warm + n, np.random.default_rng(r))
            timed = z[1 + warm:]
            serial_n = max(2, n // 4)
            with Runner(1) as runner:
                fit = Fit(twin, observed, train, vars(defaults.weights).copy(), runner, Path(tmp))
                fit.evaluate(priors, z[:1], [0], "warm1", "")  # compile once, as a worker does
                t = time.perf_counter()
                fit.evaluate(priors, timed[:serial_n], [0], "serial", "")
                serial_s.append((time.perf_counter() - t) / serial_n)
            with Runner(workers) as runner:
                fit = Fit(twin, observed, train, vars(defaults.weights).copy(), runner, Path(tmp))
                fit.evaluate(priors, z[1:1 + warm], [0], "warm2", "")
                t = time.perf_counter()
                fit.evaluate(priors, timed, [0], "pooled", "")
                pooled_s.append((time.perf_counter() - t) / n)
    pooled, serial = _median(pooled_s), _median(serial_s)
    plan = budget(defaults.runs, defaults.seeds, defaults.forecast_sets, defaults.forecast_seeds, len(priors),
                  origins=len(origins(train)))
    return {"twin_people": twin.people, "train_days": train, "runs": n, "workers": workers,
            "cores": os.cpu_count(), "runs_per_s": 1 / pooled, "serial_runs_per_s": 1 / serial,
            "pool_vs_serial": serial / pooled, "default_runs": defaults.runs,
            "default_calibration_min": defaults.runs * pooled / 60, "budget": plan}


SECTIONS = ["model", "mesa", "diffusion", "graph", "bandwidth", "calibration", "scale", "cluster"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="commsim benchmarks")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true")
    mode.add_argument("--smoke", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--only", nargs="*", choices=SECTIONS)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--ray-address", default=None,
                    help="the Ray cluster of the cluster section (host:port); default: a private local instance")
    ap.add_argument("--without-ray", action="store_true", help="the cluster section's local half only")
    args = ap.parse_args(argv)
    size_name = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = SIZES[size_name]
    repeats = args.repeats or (1 if args.smoke else 3)
    wanted = set(args.only or SECTIONS)
    result = {"mode": size_name, "repeats": repeats, "when": datetime.now().isoformat(timespec="seconds")}
    start = time.perf_counter()
    if "model" in wanted:
        result["model"] = bench_model(sizes, repeats)
        print_table("whole model", [{k: v for k, v in r.items() if k != "stages"} for r in result["model"]])
        print_table("where the stepping time goes (seconds per stage, largest size)", stage_rows(result["model"]))
    if "mesa" in wanted:
        result["mesa"] = bench_mesa(sizes, repeats)
        print_table("commsim vs idiomatic Mesa (same graph, same seed)", result["mesa"])
    if "diffusion" in wanted:
        result["diffusion"] = bench_diffusion(sizes, repeats)
        print_table("independent cascade", [result["diffusion"]])
    if "graph" in wanted:
        result["graph"] = bench_graph(sizes, repeats)
        print_table("scale-free graph into CSR", [result["graph"]])
    if "bandwidth" in wanted:
        result["bandwidth"] = bench_bandwidth(sizes, result.get("model", []))
        print_table("memory-bandwidth floor", [result["bandwidth"]])
    if "calibration" in wanted:
        result["calibration"] = bench_calibration(sizes, repeats)
        print_table("calibration runs (CollegeMsg twin, training window)",
                    [{k: v for k, v in result["calibration"].items() if k != "budget"}])
    if "scale" in wanted:
        result["scale"] = bench_scale(sizes)
        print_table("largest communities on this machine (baseline plan)", result["scale"])
    if "cluster" in wanted:
        result["cluster"] = bench_cluster(sizes, address=args.ray_address, with_ray=not args.without_ray)
        print_table("sweep throughput: local processes vs Ray", [result["cluster"]])
    result["seconds"] = time.perf_counter() - start
    path = args.json or Path("results/benchmarks") / f"{datetime.now():%Y-%m-%d_%H-%M-%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten: {path}")
    return 0


def stage_rows(model_rows: list[dict]) -> list[dict]:
    """Per plan at the largest size: each stage of the day's seconds and share of the stepping time."""
    out = []
    for plan in dict.fromkeys(r["plan"] for r in model_rows):
        row = max((r for r in model_rows if r["plan"] == plan), key=lambda r: r["people"])
        total = sum(row["stages"].values()) or 1.0
        out += [{"plan": plan, "people": row["people"], "stage": stage, "seconds": s, "share": s / total}
                for stage, s in row["stages"].items() if s / total >= 0.01]
    return out


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n== {title}")
    if not rows:
        return
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(_cell(row.get(k)) for k in keys))


def _cell(x) -> str:
    if isinstance(x, float):
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return str(x)


