"""Simulation-based calibration: do the calibration's posteriors mean what they say?

    python -m experiments.sbc                          # 20 communities, the calibration's default settings
    python -m experiments.sbc --truths 30 --runs 600 --out results/sbc

Talts, Betancourt, Simpson, Vehtari & Gelman (2018, arXiv:1804.06788): draw a parameter set from
the prior, simulate a community with it, calibrate on its activity log, and find where the truth
falls in the posterior (its weighted rank, a number in [0, 1]). If the posteriors are honest --
neither too narrow nor too wide, nor shifted -- those ranks are uniform over many truths: a
posterior 80% interval then holds the truth 80% of the time. A U-shaped histogram means
over-confident posteriors (truths fall in the tails), a hump under-confident ones, a slope bias.

The communities are young scale-free ones still filling up (as in tests/test_calibrate.py): the
truths vary the parameters ``--parameters`` fits, drawn uniformly from the calibration's own priors
(experiments/analyses/calibration/priors.py, log-uniform for wide ranges). Each calibration runs
in this process with ``calibrate.runs=--runs``. Writes ``ranks.csv`` (truth, parameter, value,
rank, ess, inside80, and prior_rank, inside80_prior: where the truth falls in its prior, the rank
a posterior that learned nothing would give), ``failures.csv`` (communities that could not be
calibrated, with the error; never dropped silently), ``ranks.png`` (one rank histogram per
parameter, with the band a uniform histogram stays in 95% of the time) and ``report.md``: per
parameter, a chi-square test of uniform ranks, the 80% interval's coverage and, beside it, what
the prior itself scores on the same truths.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

PARAMETERS = ["behaviour.activity.base", "behaviour.churn.hazard_dormant", "behaviour.joining.p_organic"]
BINS = 5


START = pd.Timestamp("2024-01-01")  # day 1 of every simulated community
CAMPAIGN_DAYS = (25, 45)  # a planted campaign's first and last day (inside the 60 training days)


def planted(campaign: str | None) -> dict:
    """The model-config values that run a ``campaign`` (winback, incentive or events) on CAMPAIGN_DAYS."""
    if not campaign:
        return {}
    from commsim.experiments.analyses.calibration.twin import CAMPAIGN_STRATEGIES

    first_key, last_key = CAMPAIGN_STRATEGIES[campaign]
    settings = {first_key: CAMPAIGN_DAYS[0]}
    if last_key:
        settings[last_key] = CAMPAIGN_DAYS[1] + 1
    else:
        settings["every_days"] = 100_000  # one event
    return {"plan": {"name": "campaign", "strategies": [campaign]}, "strategies": {campaign: settings}}


def campaign_file(path: Path, campaign: str) -> Path:
    """The operator's campaign log of the planted campaign (calibrate.campaigns)."""
    first, last = (START + pd.Timedelta(days=d - 1) for d in CAMPAIGN_DAYS)
    last = first if campaign == "events" else last
    path.write_text(f"start,end,strategy\n{first:%Y-%m-%d},{last:%Y-%m-%d},{campaign}\n")
    return path


def community_log(path: Path, truth: dict, seed: int, campaign: str | None = None) -> Path:
    """The activity log of a community simulated with ``truth`` (and a planted ``campaign``), written
    as a user's CSV export."""
    from commsim.sim import simulate
    from commsim.sim.calibrated import set_dotted

    cfg = {"seed": seed, "days": 90, "network": {"kind": "barabasi_albert", "n": 800, "m": 4},
           "population": {"initial_members": 0, "audience_at_start": 0.2, "arrival_days": 40}, **planted(campaign)}
    for key, value in {**truth, "behaviour.activity.social": 0.0}.items():
        set_dotted(cfg, key, value)
    actions = simulate(cfg, progress="never", activity_log=True).activity_log.to_actions()
    actions["time"] = (START + pd.to_timedelta(actions.day - 1, unit="D")).dt.strftime("%Y-%m-%d")
    actions["user"] = "m" + actions.user.astype(str)
    actions["target"] = np.where(actions.target >= 0, "m" + actions.target.astype(str), "")
    actions[["user", "target", "time"]].to_csv(path, index=False)
    return path


def rank(samples: np.ndarray, weights: np.ndarray, truth: float) -> float:
    """The truth's weighted rank in a posterior sample, in [0, 1] (ties count half)."""
    w = weights / weights.sum()
    return float(w[samples < truth].sum() + 0.5 * w[samples == truth].sum())


def prior_rank(prior, value: float) -> float:
    """Where ``value`` falls in ``prior`` (uniform in its search scale z), in [0, 1]: the truth's rank
    in a posterior that learned nothing. Over the truths drawn these are uniform in expectation, and
    the share inside [0.1, 0.9] is what a posterior equal to its prior scores on *this* draw of
    truths -- the reference for the posterior's coverage (20 truths give 80% +- 9 points)."""
    return float((prior.to_z(value) - prior.z_low) / (prior.z_high - prior.z_low))


def fitted_priors(parameters: list[str], responses: list[str] = ()) -> list:
    """The calibration's priors of the parameters an SBC draws and fits (no narrowed ranges, no events)."""
    from commsim.experiments.analyses.calibration.priors import priors_for

    return priors_for(list(parameters), {}, [], list(responses))


def truths(parameters: list[str], n: int, seed: int, responses: list[str] = ()) -> list[dict]:
    """``n`` parameter sets drawn uniformly from the calibration's priors (uniform in z: log for wide
    ranges), with the campaign ``responses``."""
    from commsim.experiments.analyses.calibration.priors import values

    priors = fitted_priors(parameters, responses)
    rng = np.random.default_rng(seed)
    lo = np.array([p.z_low for p in priors])
    hi = np.array([p.z_high for p in priors])
    return [values(priors, lo + rng.random(len(priors)) * (hi - lo)) for _ in range(n)]


def calibrate_one(log: Path, out_dir: Path, parameters: list[str], runs: int, seed: int,
                  campaigns: Path | None = None) -> pd.DataFrame:
    from commsim.experiments.calibrate import calibrate
    from commsim.experiments.cli import compose_checked

    overrides = [f"calibrate.log={log}", "calibrate.train_days=60", "calibrate.forecast_days=25",
                 "calibrate.parameters=[" + ",".join(parameters) + "]", f"calibrate.runs={runs}",
                 f"calibrate.seed={seed}", "behaviour.activity.social=0", "progress=never"]
    if campaigns is not None:
        overrides.append(f"calibrate.campaigns={campaigns}")
    calibrate(compose_checked("calibrate", overrides), out_dir, overrides)
    return pd.read_parquet(out_dir / "posterior.parquet")


def chi_square_uniform(ranks: np.ndarray, bins: int = BINS) -> float:
    """p-value of a chi-square test that ``ranks`` are uniform on [0, 1] (``bins`` equal bins)."""
    from scipy.stats import chisquare

    counts = np.histogram(np.clip(ranks, 0, 1 - 1e-12), bins=bins, range=(0, 1))[0]
    return float(chisquare(counts).pvalue)


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.stats import binom

    params = list(dict.fromkeys(table.parameter))
    n = table.truth.nunique()
    fig, axs = plt.subplots(1, len(params), figsize=(4 * len(params), 3.2), squeeze=False)
    axs = axs[0]
    lo, hi = binom.ppf(0.025, n, 1 / BINS), binom.ppf(0.975, n, 1 / BINS)
    for ax, key in zip(axs, params):
        r = table[table.parameter == key]["rank"].to_numpy()
        ax.axhspan(lo, hi, color="0.85", label="95% band of a uniform histogram")
        ax.hist(r, bins=BINS, range=(0, 1), color="tab:blue", edgecolor="white")
        ax.set_title(key.split(".", 1)[1], fontsize=9)
        ax.set_xlabel("rank of the truth in the posterior")
    axs[0].set_ylabel(f"communities (of {n})")
    axs[0].legend(fontsize=7, loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def report(table: pd.DataFrame, failures: pd.DataFrame, args) -> str:
    lines = ["# Simulation-based calibration of the calibration", "",
             f"{table.truth.nunique()} communities simulated from parameters drawn from the calibration's priors "
             f"(`{' '.join(sys.argv[1:]) or 'defaults'}`: calibrate.runs={args.runs}, seed {args.seed}), each "
             "calibrated on its own 60-day log; the truth's weighted rank in each posterior (Talts et al. 2018). "
             "Honest posteriors give uniform ranks: p-values below 0.05 reject that, and the 80% interval's "
             "coverage says in which direction." + (
                 f" A {args.campaign} campaign was planted on days {CAMPAIGN_DAYS[0]}-{CAMPAIGN_DAYS[1]} of every "
                 "community; its response parameters were drawn from their priors too and fitted from the campaign "
                 "log the calibration was given (`calibrate.campaigns`)." if args.campaign else ""), "",
             "The column *inside the prior's 80%* is what a posterior that learned nothing (the prior itself) "
             f"scores on this draw of truths: 80% in expectation, but {table.truth.nunique()} truths vary by about "
             f"{100 * np.sqrt(0.16 / max(table.truth.nunique(), 1)):.0f} points, and a posterior's coverage is "
             "read against it.", "",
             "| parameter | chi-square p (uniform ranks, 5 bins) | inside the 80% interval | inside the prior's 80% "
             "| ranks below 0.1 / above 0.9 | median ESS |", "|---|---|---|---|---|---|"]
    for key, g in table.groupby("parameter", sort=False):
        r = g["rank"].to_numpy()
        lines.append(f"| `{key}` | {chi_square_uniform(r):.3f} | {g.inside80.mean():.0%} ({int(g.inside80.sum())} of "
                     f"{len(g)}) | {g.inside80_prior.mean():.0%} | {int((r < 0.1).sum())} / {int((r > 0.9).sum())} "
                     f"| {g.ess.median():.0f} |")
    if len(failures):
        lines += ["", f"{len(failures)} communities could not be calibrated (`failures.csv`, with the error); they "
                  "are not in the ranks, which biases the test if failures depend on the truth."]
    lines += ["", "![rank histograms](ranks.png)", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.sbc", description=__doc__.split("\n\n")[0])
    ap.add_argument("--truths", type=int, default=20, help="communities simulated and calibrated (default 20)")
    ap.add_argument("--runs", type=int, default=400, help="calibrate.runs of each calibration (default 400)")
    ap.add_argument("--parameters", nargs="+", default=PARAMETERS, help="the parameters drawn and fitted")
    ap.add_argument("--seed", type=int, default=0, help="seed of the truths")
    ap.add_argument("--campaign", choices=["winback", "incentive", "events"],
                    help="plant this campaign on days 25-45 of every community, draw its fitted responses from "
                         "their priors too, and give the calibration its campaign log (issue 24.2)")
    ap.add_argument("--out", type=Path, default=Path("results/sbc"), help="where to write (default results/sbc)")
    args = ap.parse_args(argv)
    if args.truths < 2 or args.runs < 10:
        ap.error("--truths must be at least 2 and --runs at least 10")
    args.out.mkdir(parents=True, exist_ok=True)
    from commsim.experiments.analyses.calibration.twin import CAMPAIGN_RESPONSES

    responses = [f"strategies.{args.campaign}.{p}" for p in CAMPAIGN_RESPONSES[args.campaign]] if args.campaign else []
    fitted = list(args.parameters) + responses
    prior = {p.key: p for p in fitted_priors(args.parameters, responses)}
    rows, failed = [], []
    for i, truth in enumerate(truths(args.parameters, args.truths, args.seed, responses)):
        folder = args.out / f"truth{i:03d}"
        folder.mkdir(exist_ok=True)
        print(f"[commsim] sbc {i + 1}/{args.truths}: {truth}", file=sys.stderr, flush=True)
        try:
            log = community_log(folder / "community.csv", truth, seed=1000 + i, campaign=args.campaign)
            campaigns = campaign_file(folder / "campaigns.csv", args.campaign) if args.campaign else None
            post = calibrate_one(log, folder / "calibration", args.parameters, args.runs, seed=i, campaigns=campaigns)
        except Exception as err:  # noqa: BLE001 - a community that cannot be calibrated is reported, not hidden
            failed.append({"truth": i, **truth, "error": f"{type(err).__name__}: {' '.join(str(err).split())}"})
            continue
        w = post["weight"].to_numpy(float)
        ess = float(w.sum() ** 2 / (w ** 2).sum())
        for key in fitted:
            x = post[key].to_numpy(float)
            order = np.argsort(x)
            cum = np.cumsum(w[order]) / w.sum()
            lo80, hi80 = x[order][np.searchsorted(cum, 0.1)], x[order][min(np.searchsorted(cum, 0.9), len(x) - 1)]
            u = prior_rank(prior[key], truth[key])
            rows.append({"truth": i, "parameter": key, "value": truth[key], "rank": rank(x, w, truth[key]),
                         "ess": ess, "inside80": bool(lo80 <= truth[key] <= hi80),
                         "prior_rank": u, "inside80_prior": bool(0.1 <= u <= 0.9)})
    table = pd.DataFrame(rows, columns=["truth", "parameter", "value", "rank", "ess", "inside80", "prior_rank",
                                        "inside80_prior"])
    failures = pd.DataFrame(failed)
    table.to_csv(args.out / "ranks.csv", index=False)
    failures.to_csv(args.out / "failures.csv", index=False)
    if table.empty:
        print("no community could be calibrated: see failures.csv", file=sys.stderr)
        return 1
    figure(table, args.out / "ranks.png")
    (args.out / "report.md").write_text(report(table, failures, args), encoding="utf-8")
    print(f"report: {args.out / 'report.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
