"""The comparison report: a Markdown page a strategist can read without the code.

``report.md`` holds the setup, a KPI table per scenario (mean and 95% CI over
replicates), the paired difference of every scenario against the baseline
(95% CI, and whether it is distinguishable from zero), a "what this means"
line per scenario, and figures: DAU and members over time with 95% bands,
retention curves, churn, cascade sizes, and cost against outcome.
``kpis.csv`` and ``differences.csv`` hold the same numbers for spreadsheets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from commsim.experiments.reports.kit import Formatter, Report  # noqa: E402
from commsim.sim.params import PRICE_CURRENCY  # noqa: E402
from commsim.experiments.reports.twin import health_lines  # noqa: E402
from commsim.experiments.runner.figures import axes, figure_language  # noqa: E402
from commsim.experiments.runner.outputs import atomic_write  # noqa: E402
from commsim.experiments.analyses.stats import mean_ci, paired_difference, t_quantile  # noqa: E402
from commsim.sim import calibrated  # noqa: E402
from commsim.sim.metrics import KPI, KPIS  # noqa: E402



def _info(kpi: str) -> KPI:
    return KPIS[kpi]


def _label(kpi: str, fmt: Formatter | None = None) -> str:
    """A KPI's label with its unit, in the report's language."""
    t = (fmt or Formatter()).t
    k = _info(kpi)
    return t("{label} ({unit})", label=t(k.label), unit=t(k.unit)) if k.unit else t(k.label)


def _name(fmt: Formatter, kpi: str) -> str:
    """A KPI's label inside a sentence: lower case in English, as translated otherwise."""
    text = fmt.t(_info(kpi).label)
    return text.lower() if fmt.language == "en" else text


def _per_unit(fmt: Formatter, kpi: str) -> str:
    """What "it cost X per ..." counts: the KPI's per_unit, a percentage point of a share, else a unit of
    change in it."""
    per = _info(kpi).per_unit
    if per:
        return fmt.t(per)
    if _info(kpi).kind == "share":
        return fmt.t("percentage point of {name}", name=_name(fmt, kpi))
    return fmt.t("unit of change in {name}", name=_name(fmt, kpi))


def per_unit_scale(kpi: str) -> float:
    """Cost per unit of the KPI -> cost per :func:`_per_unit`: a share's whole unit is 100 percentage points
    (a cost "per unit of churn rate" read as per point is 100 times too large)."""
    return 0.01 if not _info(kpi).per_unit and _info(kpi).kind == "share" else 1.0


def _row(cells) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(cells) + " |"


def _savefig(fig, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def kpi_table(summaries: pd.DataFrame, scenarios: list[str], kpis: list[str]) -> pd.DataFrame:
    rows = []
    for scenario in scenarios:
        sub = summaries[summaries.scenario == scenario]
        for kpi in kpis:
            values = sub[kpi].astype(float)
            finite = values[np.isfinite(values)]
            ci = mean_ci(finite) if finite.size >= 2 else None
            mean = float(finite.mean()) if finite.size else math.nan
            rows.append({"scenario": scenario, "kpi": kpi, "mean": mean, "low": ci.low if ci else math.nan,
                         "high": ci.high if ci else math.nan, "replicates": int(finite.size)})
    return pd.DataFrame(rows)


def difference_table(summaries: pd.DataFrame, baseline: str, scenarios: list[str], kpis: list[str]) -> pd.DataFrame:
    base = summaries[summaries.scenario == baseline].set_index("seed").sort_index()
    rows = []
    for scenario in scenarios:
        if scenario == baseline:
            continue
        plan = summaries[summaries.scenario == scenario].set_index("seed").sort_index()
        for kpi in kpis:
            a, b = plan[kpi].astype(float), base[kpi].astype(float)
            ok = np.isfinite(a.to_numpy()) & np.isfinite(b.to_numpy())
            ci = paired_difference(a[ok], b[ok]) if ok.sum() >= 2 else None
            base_mean = float(b[ok].mean()) if ok.any() else math.nan
            rows.append({
                "scenario": scenario, "kpi": kpi,
                "difference": ci.mean if ci else math.nan, "low": ci.low if ci else math.nan,
                "high": ci.high if ci else math.nan,
                "relative": (ci.mean / base_mean) if ci and base_mean else math.nan,
                "distinguishable": bool(ci and ci.excludes_zero),
                "pairs": int(ok.sum()),
            })
    return pd.DataFrame(rows)


def _fmt(fmt: Formatter, x: float, kpi: str, diff: bool = False) -> str:
    """A KPI value as the report prints it: shares as percentages (differences of shares in
    percentage points), money with the currency named."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return fmt.na
    kind = _info(kpi).kind
    if kind == "share":
        return fmt.points(x) if diff else f"{x:.1%}"
    if kind == "ratio":
        return f"{x:.3f}"
    sign = "+" if diff and x > 0 else ""
    text = sign + (f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}")
    return f"{text} {fmt.money_unit}" if kind == "currency" else text


def meaning(fmt: Formatter, scenario: str, diffs: pd.DataFrame, primary: str, cost_mean: float,
            decided=None) -> str:
    """One plain sentence on the headline KPI. ``cost_mean`` is the plan's extra cost over the
    baseline (mean paired difference of spend plus points still owed at the end). ``decided``: the
    plan's row of the decision table with its verdict (``clear``), when the comparison drew
    parameters: then "clear" is that verdict, and the seed-only interval is called what it is."""
    t = fmt.t
    row = diffs[(diffs.scenario == scenario) & (diffs.kpi == primary)].iloc[0]
    name = _name(fmt, primary)
    good = _info(primary).direction
    if not math.isfinite(row.difference):
        return t("**{scenario}**: {name} could not be compared (undefined in some runs).", scenario=scenario, name=name)
    said = dict(scenario=scenario, name=name, amount=_fmt(fmt, abs(row.difference), primary, diff=True).lstrip("+"),
                rel=t(" ({relative})", relative=f"{row.relative:+.0%}") if math.isfinite(row.relative) else "",
                low=_fmt(fmt, row.low, primary, diff=True), high=_fmt(fmt, row.high, primary, diff=True))
    text = (t("**{scenario}** raised {name} by {amount}{rel} against the baseline (95% CI {low} to {high}). ", **said)
            if row.difference > 0 else
            t("**{scenario}** lowered {name} by {amount}{rel} against the baseline (95% CI {low} to {high}). ", **said))
    if decided is not None:
        text += (t("Seed noise alone, at the default response sizes, excludes zero; ") if row.distinguishable
                 else t("Seed noise alone, at the default response sizes, includes zero; "))
        share = f"{decided.p_better:.0%}"
        text += (t("over plausible response sizes it gains in {share} of the draws: **clear**.", share=share)
                 if decided.clear else
                 t("over plausible response sizes it gains in {share} of the draws: **not clear**.", share=share))
    elif row.distinguishable:
        text += t("The difference is clear: the interval excludes zero.")
    else:
        text += t("This is **not distinguishable from zero** with these replicates; more replicates may tell.")
    improved = good != 0 and row.difference * good > 0
    if cost_mean > 0 and improved and row.distinguishable:
        text += t(" It cost {cost} {currency} more than the baseline (spend plus points still owed), about "
                  "{per} {currency} per {unit}.", cost=f"{cost_mean:,.0f}", currency=fmt.money_unit,
                  per=f"{cost_mean / abs(row.difference) * per_unit_scale(primary):,.0f}",
                  unit=_per_unit(fmt, primary))
    elif cost_mean > 0:
        text += t(" It cost {cost} {currency} more than the baseline (spend plus points still owed).",
                  cost=f"{cost_mean:,.0f}", currency=fmt.money_unit)
    if good != 0 and row.distinguishable and not improved:
        text += t(" That is a change for the worse.")
    return text


PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f")


@dataclass(frozen=True)
class Colours:
    """One colour per scenario in every figure of one report; the baseline is black and drawn last."""

    scenarios: tuple[str, ...]
    baseline: str

    def __call__(self, scenario: str) -> str:
        if scenario == self.baseline:
            return "#000000"
        others = [s for s in self.scenarios if s != self.baseline]
        return PALETTE[others.index(scenario) % len(PALETTE)] if scenario in others else "#7f7f7f"

    def ordered(self) -> list[str]:
        """Drawing order: the baseline last, so it sits on top."""
        return [s for s in self.scenarios if s != self.baseline] + [s for s in self.scenarios if s == self.baseline]


def _band(ax, ts: pd.DataFrame, column: str, colour: Colours) -> None:
    """Mean over replicates of the 7-day average, with its 95% band (clipped at 0)."""
    for scenario in colour.ordered():
        sub = ts[ts.scenario == scenario].pivot(index="day", columns="seed", values=column)
        sub = sub.rolling(7, min_periods=1).mean()
        mean = sub.mean(axis=1)
        n = sub.shape[1]
        half = t_quantile(n - 1) * sub.std(axis=1, ddof=1) / math.sqrt(n) if n > 1 else 0 * mean
        base = scenario == colour.baseline
        ax.plot(mean.index, mean, label=scenario, lw=2.0 if base else 1.4, color=colour(scenario),
                zorder=3 if base else 2)
        ax.fill_between(mean.index, (mean - half).clip(lower=0), mean + half, color=colour(scenario),
                        alpha=0.12, lw=0)


def _axes(title, xlabel, ylabel):
    return axes(title, ylabel, xlabel, size=(8, 4.5))


def figures(data, scenarios: list[str], diffs: pd.DataFrame, primary: str, fig_dir: Path, baseline: str,
            fmt: Formatter) -> dict[str, str]:
    """The comparison's figures, labelled in the report's language where a font can draw it (else English)."""
    drawn, rc = figure_language(fmt.language)
    with matplotlib.rc_context(rc):
        return _figures(data, scenarios, diffs, primary, fig_dir, baseline, Formatter(drawn, fmt.currency))


def _figures(data, scenarios: list[str], diffs: pd.DataFrame, primary: str, fig_dir: Path, baseline: str,
             fmt: Formatter) -> dict[str, str]:
    t = fmt.t
    fig_dir.mkdir(parents=True, exist_ok=True)
    colour = Colours(tuple(scenarios), baseline)
    ts, out = data.timeseries, {}

    for column, title, ylabel in (("dau", t("Daily active members over time"), t("daily active members")),
                                  ("members", t("Members over time"), t("members"))):
        fig, ax = _axes(t("{title} (7-day average; mean and 95% band over replicates)", title=title), t("day"), ylabel)
        _band(ax, ts, column, colour)
        ax.legend(fontsize=8, ncol=2)
        _savefig(fig, fig_dir / f"{column}_over_time.png")
        out[column] = f"figures/{column}_over_time.png"

    fig, ax = _axes(t("Rolling retention of new members"), t("days since joining"),
                    t("share active again on or after day N"))
    ret = data.retention.groupby(["scenario", "days_since_join"])["retention"].mean().reset_index()
    for scenario in colour.ordered():
        sub = ret[ret.scenario == scenario]
        ax.plot(sub.days_since_join, sub.retention, label=scenario, color=colour(scenario))
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, ncol=2)
    _savefig(fig, fig_dir / "retention.png")
    out["retention"] = "figures/retention.png"

    fig, ax = _axes(t("Churn rate: share of members leaving per day (7-day average; 95% band)"), t("day"),
                    t("members leaving per day / members"))
    rated = ts.assign(churn_rate=ts["churned"] / ts.groupby(["scenario", "seed"])["members"].shift(1)
                      .where(lambda m: m > 0))
    _band(ax, rated.fillna({"churn_rate": 0.0}), "churn_rate", colour)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    ax.legend(fontsize=8, ncol=2)
    _savefig(fig, fig_dir / "churn.png")
    out["churn"] = "figures/churn.png"

    fig, ax = _axes(t("Word of mouth: people reached per share (mean over the run; 95% CI over replicates)"),
                    t("scenario"), t("people reached per share"))
    for i, scenario in enumerate(scenarios):  # a mean per run: readable even when most days reach nobody
        sub = ts[ts.scenario == scenario].groupby("seed")[["reached", "shares"]].sum()
        per_run = (sub.reached / sub.shares.where(lambda x: x > 0)).dropna().to_numpy()
        if len(per_run) >= 2:
            ci = mean_ci(per_run)
            ax.bar(i, ci.mean, color=colour(scenario), alpha=0.85)
            ax.errorbar(i, ci.mean, yerr=[[ci.mean - ci.low], [ci.high - ci.mean]], color="#333", capsize=4)
        elif len(per_run):
            ax.bar(i, per_run.mean(), color=colour(scenario), alpha=0.85)
    ax.set_xticks(range(len(scenarios)), scenarios, rotation=30, ha="right", fontsize=8)
    _savefig(fig, fig_dir / "cascades.png")
    out["cascades"] = "figures/cascades.png"

    cost = plan_costs(data.summaries).groupby(data.summaries["scenario"]).mean()
    d = diffs[diffs.kpi == primary]
    if len(d):
        fig, ax = _axes(t("What the money buys: change in {name}", name=_name(fmt, primary)),
                        t("cost: spent plus points still owed ({currency}, mean over replicates)",
                          currency=fmt.money_unit),
                        t("change vs baseline ({unit})", unit=t(_info(primary).unit or "units")))
        for _, row in d.iterrows():
            x = cost.get(row.scenario, 0.0)
            ax.errorbar([x], [row.difference], yerr=[[row.difference - row.low], [row.high - row.difference]],
                        fmt="o", capsize=4, label=row.scenario, color=colour(row.scenario))
        ax.axhline(0, color="grey", lw=0.8)
        ax.legend(fontsize=8, ncol=2)
        _savefig(fig, fig_dir / "cost_vs_outcome.png")
        out["cost_vs_outcome"] = "figures/cost_vs_outcome.png"
    return out


def assumptions(configs: dict, twin: dict | None = None, fmt: Formatter | None = None) -> list[str]:
    """Markdown lines: what the numbers rest on -- the behaviour parameters (defaults, or fitted to
    the community of calibration ``twin``, a loaded calibrated.yaml) and the assumed magnitudes of
    the strategies the scenarios use (their values in these runs and plausible ranges)."""
    from commsim.sim.day import DAY_PLAN
    from commsim.sim.params import declared
    from commsim.strategies import registry

    t = (fmt or Formatter()).t
    lines = ["## " + t("What these numbers rest on"), ""]
    behaviour = [info for stage in DAY_PLAN if stage.group
                 for info in declared(stage.params, f"behaviour.{stage.group}")]
    fitted_keys = set((twin or {}).get("parameters", {}))
    if twin:
        fit, data = twin.get("fit", {}), twin.get("data", {})
        fitted = twin.get("parameters", {})
        lines += [t("The behaviour parameters below were **fitted** to `{file}` (its first {days} days, up to "
                    "{cut_off}; {method}); each replicate used one posterior draw of them. The other {others} "
                    "behaviour parameters are defaults (docs/model.md lists each with its source and plausible range).",
                    file=data.get("file"), days=fit.get("train_days"),
                    cut_off=(fmt or Formatter()).date(fit["cut_off"]) if fit.get("cut_off") else "?",
                    method=fit.get("method", t("see calibrated.yaml")),
                    others=len(behaviour) - sum(1 for k in fitted if k.startswith("behaviour."))), "",
                  _row(t(h) for h in ("fitted parameter", "posterior median", "90% interval")), "|---|---|---|"]
        for key, p in fitted.items():
            lo, hi = p.get("interval90", [math.nan, math.nan])
            flag = t(" (at the edge of its prior range)") if p.get("at_bound") else ""
            lines.append(f"| `{key}` | {p.get('value'):.4g}{flag} | {lo:.4g} – {hi:.4g} |")
        answered = [k for k in fitted if k.startswith("strategies.")]
        if answered:
            lines += ["", t("How members answered the campaigns in the log ({keys}) was fitted with the behaviour "
                            "(the campaign log, `calibrate.campaigns`); every other magnitude of the strategies below "
                            "is still an assumption. On simulated communities the fitted responses' 80% intervals held "
                            "the truth only 40-45% of the time (docs/calibration.md): their spread here is too narrow.",
                            keys=t(", ").join(f"`{k}`" for k in answered))]
        else:
            lines += ["", t("The log shows how these members behaved, not how they respond to a plan they never "
                            "saw: the strategies' magnitudes below are still assumptions, so the effects are "
                            "what the calibrated community does *if* members respond as assumed.")]
    else:
        kinds = {kind: sum(1 for i in behaviour if i.source.kind == kind) for kind in ("assumed", "literature")}
        lines.append(t("The model's behaviour parameters are defaults, not fitted to your community: "
                       "{assumed} of {total} are modelling assumptions and {literature} "
                       "come from the literature (docs/model.md lists each with its source and plausible range). "
                       "The effects below are illustrative: they show what the model does with these assumptions, "
                       "not a measurement of your members. To ground them in your own community, calibrate "
                       "on its activity log (docs/calibration.md) and compare with `calibration=<dir>`.",
                       assumed=kinds["assumed"], total=len(behaviour), literature=kinds["literature"]))
    used = {}
    for scenario, cfg in configs.items():
        for name in cfg.plan.strategies:
            used.setdefault(name, (scenario, cfg.strategies[name]))
    if used:
        lines += ["", t("Assumed magnitudes of the strategies in this comparison (how members respond; the "
                        "values used, and the range they plausibly lie in):"), ""]
        for name, (_, params) in used.items():
            parts = []
            for info in declared(registry.get(name).Params, f"strategies.{name}"):
                if info.source.kind != "user" and info.numeric:
                    lo, hi = info.plausible or (math.nan, math.nan)
                    if info.key in fitted_keys:  # the posterior median (each replicate drew its own)
                        parts.append(t("`{name}` = {value} (fitted to the campaign log)", name=info.name,
                                       value=f"{float(twin['parameters'][info.key]['value']):g}"))
                        continue
                    parts.append(t("`{name}` = {value} (plausible {low}–{high})", name=info.name,
                                   value=f"{getattr(params, info.name):g}", low=f"{lo:g}", high=f"{hi:g}"))
            if parts:
                lines.append(f"- **{name}**: " + t("; ").join(parts))
    return lines + [""]


def adaptive_words(adaptive: dict, primary: str, fmt: Formatter | None = None) -> str:
    """One sentence on what ``compare.target_halfwidth`` reached."""
    fmt = fmt or Formatter()
    said = dict(label=_label(primary, fmt), target=f"{adaptive['target']:g}", replicates=adaptive["replicates"],
                widest=f"{adaptive['widest']:.3g}", cap=adaptive.get("cap"),
                steps=" -> ".join(str(r["replicates"]) for r in adaptive["rounds"]))
    if adaptive["reached"]:
        return fmt.t("Replicates were added until every scenario's interval of {label} against the baseline was "
                     "at most +/-{target} (`compare.target_halfwidth`): **reached** with "
                     "{replicates} replicates (widest +/-{widest}; rounds {steps}).", **said) + "  "
    if not math.isfinite(adaptive["widest"]):
        return fmt.t("Replicates were added towards an interval of +/-{target} on {label} "
                     "(`compare.target_halfwidth`), but for some scenario the KPI is undefined in too many runs to "
                     "give an interval: **not reached** ({replicates} replicates; rounds {steps}).", **said) + "  "
    return fmt.t("Replicates were added towards an interval of +/-{target} on {label} "
                 "(`compare.target_halfwidth`) but the cap of {cap} replicates (`compare.max_replicates`) was "
                 "reached first: **not reached**, the widest interval is +/-{widest} (rounds {steps}).", **said) + "  "


def write_report(config, spec, data, report_dir: Path, configs: dict | None = None, adaptive: dict | None = None,
                 currency: str = PRICE_CURRENCY, seed_only: pd.DataFrame | None = None,
                 language: str = "en", robust=None) -> Path:
    """The report of comparison ``spec`` (``experiments.settings.CompareSettings``) over the runs
    in ``data``; ``config`` is the comparison's base model config (network, days); ``configs``
    maps each scenario to one of its runs' model configs (for the assumptions section);
    ``adaptive``: what ``compare.target_halfwidth`` reached (:func:`experiments.compare.add_replicates`)."""
    from commsim.experiments.reports import tables as T

    doc = Report(Formatter(language).t("{name}: what each plan changes", name=spec.name), currency=currency,
                 language=language, translated=True)
    fmt, t = doc.fmt, doc.t
    scenarios = list(spec.scenarios)
    kpis = list(spec.kpis)
    primary = kpis[0]
    table = kpi_table(data.summaries, scenarios, kpis)
    idle = did_nothing(data.summaries, configs or {}, spec.baseline, fmt)
    value = T.value_table(data.summaries, data.timeseries, spec.baseline, [s for s in scenarios if s not in idle],
                          primary)
    diffs = difference_table(data.summaries, spec.baseline, scenarios, kpis)
    report_dir.mkdir(parents=True, exist_ok=True)
    decision = None
    few = robust is not None and len(robust.draws) < 2  # uncertainty.match kept too few to decide over
    undefined = (robust is not None and not few and not robust.runs.empty  # the headline has no baseline value
                 and robust.runs.loc[robust.runs.scenario == spec.baseline, primary].isna().all())
    for stale in ("decision.csv", "draws.csv", "candidates.csv"):  # an earlier run's, in this folder
        (report_dir / stale).unlink(missing_ok=True)
    if robust is not None and not few and not undefined:
        from commsim.experiments.analyses.robust import clear, decision_table

        decision = decision_table(robust.runs, robust.draws, robust.ranges, spec.baseline, primary,
                                  _info(primary).direction, scenarios, idle, robust.keys)
        verdicts = {r.scenario: clear(r, len(robust.draws)) for r in decision.itertuples(index=False)}
        decision.to_csv(report_dir / "decision.csv", index=False)
        robust.draws.to_csv(report_dir / "draws.csv", index=False)
    if robust is not None and robust.matched is not None:
        robust.matched["tried"].to_csv(report_dir / "candidates.csv", index=False)
    figs = figures(data, scenarios, diffs, primary, report_dir / "figures", spec.baseline, fmt)
    table.to_csv(report_dir / "kpis.csv", index=False)
    T.kpis_wide(table).to_csv(report_dir / "kpis_wide.csv", index=False)
    value.round(4).to_csv(report_dir / "value_for_money.csv", index=False)
    diffs.to_csv(report_dir / "differences.csv", index=False)
    data.summaries.to_csv(report_dir / "runs.csv", index=False)

    net = config.network
    twin = calibrated.load(config.calibration) if config.calibration else None
    seeds = f"{spec.first_seed}..{spec.first_seed + spec.replicates - 1}"
    if twin:
        community = t("Community: the calibrated twin of `{file}` (calibration `{calibration}`: {people} people active "
                      "in the data, the graph of their interactions before the cut-off), {days} days.",
                      file=twin["data"]["file"], calibration=config.calibration,
                      people=twin["data"].get("active_people", "?"), days=config.days)
        today = twin.get("today")
        if today:
            start = pd.Timestamp(today["start_date"]) if today["start_date"][:1].isdigit() else None
            when = (t("{first} to {last}", first=fmt.date(f"{start:%Y-%m-%d}"),
                      last=fmt.date(f"{start + pd.Timedelta(days=config.days - 1):%Y-%m-%d}")) if start is not None
                    else t("days 1-{days}", days=config.days))
            if today.get("replay"):
                community = t("Community: the calibrated twin of `{file}` (calibration `{calibration}`), each run "
                              "replaying the log's {history} days first ({people} people, {ties} ties; the log's end "
                              "shows {members} members). The plans run for the **{days} days after the log ends: "
                              "{when}**.", file=twin["data"]["file"], calibration=config.calibration,
                              history=today["replay"]["days"], people=f"{today['replay']['people']:,}",
                              ties=f"{today['replay']['ties']:,}", members=f"{today['members']:,}",
                              days=config.days, when=when)
            else:
                community = t("Community: the calibrated twin of `{file}` (calibration `{calibration}`), as its log leaves "
                              "it: {members} members (active in the last {left_after} days of the log), {people} people "
                              "and {ties} ties in all. The plans run for the **{days} days after the log ends: {when}**.",
                              file=twin["data"]["file"], calibration=config.calibration, members=f"{today['members']:,}",
                              left_after=today["left_after"], people=f"{today['people']:,}", ties=f"{today['ties']:,}",
                              days=config.days, when=when)
        uncertainty = t("Replicate seed k also used posterior draw k of the fitted parameters (the same draw in "
                        "every scenario), so the intervals carry **parameter uncertainty as well as seed noise**. ")
    else:
        n = getattr(net, "n", None)
        community = (t("Community: {kind} network of {n} people, {days} days (not calibrated: illustrative defaults).",
                       kind=net.kind.replace("_", " "), n=f"{n:,}", days=config.days) if n is not None else
                     t("Community: {kind} network of the given people, {days} days (not calibrated: illustrative "
                       "defaults).", kind=net.kind.replace("_", " "), days=config.days))
        uncertainty = t("The intervals carry seed noise only (the parameters are fixed assumptions). ")
    lines = [
        t("Scenarios: {scenarios}; baseline: `{baseline}`.", scenarios=t(", ").join(f"`{s}`" for s in scenarios),
          baseline=spec.baseline) + "  ",
        t("Each scenario ran {replicates} times (replicate seeds {seeds}), the same seeds for every "
          "scenario, so each plan is compared with the baseline on identical simulated communities "
          "(paired comparison with common random numbers).", replicates=spec.replicates, seeds=seeds) + "  ",
        *([adaptive_words(adaptive, primary, fmt)] if adaptive else []),
        community,
        "",
        *fmt.currency_lines(),
        *health_lines(config.calibration, fmt),
        t("How to read this: numbers are means over replicates; brackets are 95% confidence intervals "
          "(shown clipped to values that are possible, e.g. no negative counts). {uncertainty}"
          "A difference whose interval excludes zero is distinguishable from noise at this number of "
          "replicates; one that includes zero is not. The tables test many scenario-KPI pairs at once, "
          "so about 1 in 20 \"yes\" verdicts can arise by chance: trust a pattern across KPIs and "
          "replicate counts more than any single verdict.", uncertainty=uncertainty),
        "",
        *(decision_lines(fmt, decision, robust, spec, primary, idle, runs_nothing((configs or {}).get(spec.baseline)))
          if decision is not None else []),
        *(["## " + t("The decision"), "", *_matched_lines(fmt, robust)] if few else []),
        *(["## " + t("The decision"), "",
           t("The headline, {label}, is undefined in every drawn run of `{baseline}` (LTV/CAC, say, where nothing "
             "is spent on acquisition): there is no decision over it. Make another KPI the headline (the first of "
             "compare.kpis).", label=_label(primary, fmt), baseline=spec.baseline), ""] if undefined else []),
        *value_lines(fmt, value, primary, decision is not None),
        *idle_lines(idle, fmt),
        "## " + (t("What this means (seed noise only, at the default response sizes)") if decision is not None
                 else t("What this means")),
        "",
    ]
    # spend plus points still owed at the end, paired (the value-for-money table's extra cost)
    extra_cost = value.set_index("scenario")["extra_cost"] if len(value) else pd.Series(dtype=float)
    for scenario in scenarios:
        if scenario in idle:
            lines += ["- " + t("**{scenario}** did nothing: {reason}. Its numbers are the baseline's, give or take "
                               "noise; it is not a plan to rank.", scenario=scenario, reason=idle[scenario])]
        elif scenario != spec.baseline:
            row = decision.set_index("scenario").loc[scenario].copy() if decision is not None else None
            if row is not None:
                row["clear"] = verdicts[scenario]
            lines += [f"- {meaning(fmt, scenario, diffs, primary, float(extra_cost.get(scenario, 0.0)), row)}"]
    if "budget_exhausted_day" in data.summaries:
        for scenario in scenarios:
            days = data.summaries.loc[data.summaries.scenario == scenario, "budget_exhausted_day"].dropna()
            if len(days):
                total = int((data.summaries.scenario == scenario).sum())
                lines.append("- " + t("`{scenario}`: **its budget ran out** on day {day} (median; in {n} of "
                                      "{total} replicates): after that its strategies got less money than they asked "
                                      "for, so its effects are those of a plan cut short.", scenario=scenario,
                                      day=int(days.median()), n=len(days), total=total))
    if configs:
        lines += ["", "## " + t("The scenarios"), "", *T.settings_rows(configs, data.summaries, currency, fmt)]
        withdrawal = T.withdrawal_rows(configs, data.summaries, data.timeseries, spec.baseline, fmt)
        if withdrawal:
            lines += ["", *withdrawal]
    lines += ["", "## " + t("Key numbers per scenario"), "",
              _row([t("KPI"), *(f"`{s}`" for s in scenarios)]),
              "|---|" + "---|" * len(scenarios)]
    for kpi in kpis:
        cells = []
        for scenario in scenarios:
            r = table[(table.scenario == scenario) & (table.kpi == kpi)].iloc[0]
            low = max(r["low"], 0.0) if _info(kpi).non_negative and math.isfinite(r["low"]) else r["low"]
            cells.append(f"{_fmt(fmt, r['mean'], kpi)} [{_fmt(fmt, low, kpi)}, {_fmt(fmt, r['high'], kpi)}]")
        lines.append(f"| {_label(kpi, fmt)} | " + " | ".join(cells) + " |")
    if seed_only is not None:
        lines += ["", *uncertainty_lines(fmt, data.summaries, seed_only, spec.baseline, scenarios, primary)]
    lines += ["", "## " + t("Difference from `{baseline}` (paired, 95% CI)", baseline=spec.baseline), "",
              _row(t(h) for h in ("scenario", "KPI", "difference", "relative", "distinguishable from zero?", "pairs")),
              "|---|---|---|---|---|---|"]
    for _, r in diffs.iterrows():
        rel = f"{r.relative:+.1%}" if math.isfinite(r.relative) else fmt.na
        verdict = t("yes") if r.distinguishable else t("**no**")
        lines.append(f"| `{r.scenario}` | {_label(r.kpi, fmt)} | {_fmt(fmt, r.difference, r.kpi, True)} "
                     f"[{_fmt(fmt, r.low, r.kpi, True)}, {_fmt(fmt, r.high, r.kpi, True)}] | {rel} | {verdict} | {r.pairs} |")
    lines += ["", "## " + t("Figures"), ""]
    captions = {
        "dau": t("Daily active members over time; bands are 95% intervals over replicates."),
        "members": t("Members over time."),
        "retention": t("Share of new members active again on or after N days after joining."),
        "churn": t("Members leaving per day, 7-day average."),
        "cascades": t("People reached per shared post, per day (word of mouth)."),
        "cost_vs_outcome": t("Cost (money spent plus points still owed) against the change in the headline KPI (with "
                             "95% CI): what each plan buys."),
    }
    for key, path in figs.items():
        lines += [f"![{captions[key]}]({path})", "", f"*{captions[key]}*", ""]
    if language != "en" and figure_language(language)[0] == "en" and figs:
        lines += [t("(The figures' labels are in English: no font with this language's letters is installed; "
                    "`make fonts` installs one.)"), ""]
    if configs:
        lines += assumptions(configs, twin, fmt)
    lines += [t("Definitions of every KPI: docs/metrics.md. Per-run outputs: `runs/<scenario>/seed<k>_<hash>/`. "
                "Tables for spreadsheets: `kpis_wide.csv` (one row per scenario), `value_for_money.csv`, `kpis.csv`, "
                "`differences.csv`, `runs.csv`; each run's daily numbers: `runs/<scenario>/<run>/timeseries.csv`. "
                "The same report as one file: `report.html`."), ""]
    doc.markdown_block("\n".join(lines))
    return doc.write(report_dir)


def runs_nothing(config) -> bool:
    """Whether a scenario's plan runs no strategy (unknown: assumed so): "doing nothing"."""
    return config is None or not list(config.plan.strategies)


def decision_lines(fmt: Formatter, decision: pd.DataFrame, robust, spec, primary: str, idle: dict,
                   baseline_is_nothing: bool = True) -> list[str]:
    """The section a robust comparison's report leads with: the decision table and what would flip it
    (``baseline_is_nothing``: the baseline scenario runs no strategy, so it is labelled "doing nothing")."""
    from commsim.experiments.analyses.robust import CLEAR, MIN_DRAWS_FOR_CLEAR, clear

    scale = per_unit_scale(primary)
    t = fmt.t
    n = len(robust.draws)
    matched = getattr(robust, "matched", None)
    short = matched is not None and n < matched["asked"]  # uncertainty.match kept fewer than asked

    name = _name(fmt, primary)
    what = (t("the twin's posterior draws of its fitted parameters, the other parameters drawn from their plausible "
              "ranges") if robust.kind == "posterior" else
            t("the community's behaviour and its responses to each strategy, drawn from their plausible ranges (most "
              "assumed: docs/model.md; calibrate on your own data to narrow them)"))
    groups = sorted({r.key.split(".")[0] + ("." + r.key.split(".")[1] if r.key.startswith("strategies.") else "")
                     for r in robust.ranges})
    lines = ["## " + t("The decision"), "",
             t("Each plan ran for {draws} draws of {what}, each on the same {replicates} seeds "
               "({runs} runs; {parameters} parameters drawn, of {groups}: "
               "`draws.csv`). The gain is the change in {name} against `{baseline}` in its good direction; its 80% "
               "interval carries both the parameters' uncertainty and seed noise. A gain is **clear** only when the "
               "plan beats `{baseline}` in at least {clear} of at least {min_draws} draws; \"would flip if\" names "
               "the parameter that decides whether it gains, where one stands out.", draws=len(robust.draws),
               what=what, replicates=spec.replicates, runs=f"{len(robust.runs):,}", parameters=len(robust.ranges),
               groups=t(", ").join(groups), name=name, baseline=spec.baseline, clear=f"{CLEAR:.0%}",
               min_draws=MIN_DRAWS_FOR_CLEAR), "", *_matched_lines(fmt, robust),
             _row([t("plan"), t("chance it beats `{baseline}`", baseline=spec.baseline),
                   *(t(h) for h in ("chance it is best", "expected gain [80% interval]", "cost")),
                   t("cost per {unit}", unit=_per_unit(fmt, primary)), t("would flip if")]),
             "|---|---|---|---|---|---|---|"]
    outside = False
    for r in decision.itertuples(index=False):
        if r.scenario == spec.baseline:
            label = t("(doing nothing)") if baseline_is_nothing else t("(the baseline)")
            lines.append(f"| `{r.scenario}` {label} | | {r.p_best:.0%} | 0 | {fmt.money(r.cost)} | | |")
            continue
        flip = ""
        if r.flip_parameter and math.isfinite(r.flip_value):
            flip = t("`{parameter}` crosses {value}", parameter=r.flip_parameter, value=fmt.number(r.flip_value))
        elif r.flip_parameter:
            flip = t("no crossing of zero among `{parameter}`'s drawn values (it moves the gain most)",
                     parameter=r.flip_parameter)
        verdict = " " + t("**clear**") if clear(r, n) else ""
        skewed = r.gain > r.gain_hi80 or r.gain < r.gain_lo80
        outside = outside or skewed
        lines.append(f"| `{r.scenario}`{' ' + t('(did nothing)') if r.scenario in idle else ''} | "
                     f"{r.p_better:.0%}{verdict} | "
                     f"{r.p_best:.0%} | {_fmt(fmt, r.gain, primary, True)}{' †' if skewed else ''} "
                     f"[{_fmt(fmt, r.gain_lo80, primary, True)}, "
                     f"{_fmt(fmt, r.gain_hi80, primary, True)}] | {fmt.money(r.cost)} | "
                     f"{fmt.money(r.cost_per_unit * scale) if math.isfinite(r.cost_per_unit) else fmt.na} | {flip} |")
    ranked = decision[decision.scenario != spec.baseline].sort_values("p_best", ascending=False)
    best = decision.sort_values("p_best", ascending=False).iloc[0]
    clear_ones = [r.scenario for r in ranked.itertuples(index=False) if clear(r, n)]
    lines += ["", (t("Most often best: `{scenario}` ({share} of the draws). ", scenario=best.scenario,
                     share=f"{best.p_best:.0%}")
                   + (t("Clear gains: {plans}.", plans=t(", ").join(f"`{s}`" for s in clear_ones)) if clear_ones else
                      t("No gain is called clear with {n} draws (at least {min_draws} are needed; fewer than asked "
                        "resemble this community: see above).", n=n, min_draws=MIN_DRAWS_FOR_CLEAR)
                      if n < MIN_DRAWS_FOR_CLEAR and short else
                      t("No gain is called clear with {n} draws (at least {min_draws} are needed; "
                        "uncertainty.draws=<n>).", n=n, min_draws=MIN_DRAWS_FOR_CLEAR) if n < MIN_DRAWS_FOR_CLEAR else
                      t("No plan's gain is clear: each loses to `{baseline}` in more than "
                        "{share} of plausible response sizes.", baseline=spec.baseline, share=f"{1 - CLEAR:.0%}"))
                   + t(" `decision.csv` holds this table.")), ""]
    if outside:
        lines[-1:-1] = ["", t("† The expected gain lies outside its 80% interval: a few draws with a far larger "
                              "effect carry the mean (`decision.csv`, `draws.csv`); the interval says what most "
                              "draws give.")]
    return lines


def _matched_lines(fmt: Formatter, robust) -> list[str]:
    """What uncertainty.match kept: draws whose community resembles this one (experiments/compare.py)."""
    if robust is None or getattr(robust, "matched", None) is None:
        return []
    t, m = fmt.t, robust.matched
    tried = m["tried"]
    lines = [t("Only draws that describe a community like this one were kept: without any plan, their daily active "
               "members (mean of the last 30 days, first seed) lie within a factor of {factor} of the {reference} of "
               "this community as configured (the model at its given parameters: the twin's, with a calibration); "
               "{kept} of {tried} candidate draws did, the others describing communities that fade out or grow far "
               "beyond it (`candidates.csv`; uncertainty.match=null keeps every draw).",
               factor=fmt.number(m["factor"]), reference=fmt.number(m["reference"]),
               kept=int(tried["matched"].sum()), tried=len(tried))]
    if len(robust.draws) < m["asked"]:
        lines.append(t("Fewer draws than asked for ({kept} of {asked}) resemble this community: the plausible ranges "
                       "of its behaviour mostly describe other communities. Calibrate on your own log "
                       "(docs/calibration.md) for draws that all fit it, or widen uncertainty.match.",
                       kept=len(robust.draws), asked=m["asked"]))
    if len(robust.draws) < 2:
        lines.append(t("With fewer than 2 such draws there is no decision over them; the comparison below carries "
                       "seed noise only."))
    return lines + [""]


def plan_costs(summaries: pd.DataFrame) -> pd.Series:
    """What each run's plan cost, as every table and figure counts it: money spent plus the points
    still owed at the end (the incentive plan's liability, which it must pay one day)."""
    owed = summaries["liability"].astype(float).fillna(0.0) if "liability" in summaries else 0.0
    return summaries["total_cost"].astype(float) + owed


def did_nothing(summaries: pd.DataFrame, configs: dict, baseline: str, fmt: Formatter | None = None) -> dict[str, str]:
    """Scenarios whose every strategy did nothing in every run (no money spent, no result recorded:
    no one to pick, or no budget), with the reason in words."""
    out, fm = {}, fmt or Formatter()
    if "idle" not in summaries:
        return out
    for scenario, config in configs.items():
        names = list(config.plan.strategies)
        runs = summaries.loc[summaries.scenario == scenario, "idle"].fillna("")
        if scenario == baseline or not names or not len(runs):
            continue
        if all(set(names) <= set(str(r).split()) for r in runs):
            out[scenario] = fm.t(
                "{names} spent nothing and recorded no result on any day of any run (no one to pick -- no members, "
                "no dormant members, no KOL candidates -- or no budget)", names=fm.t(", ").join(names))
    return out


def idle_lines(idle: dict[str, str], fmt: Formatter | None = None) -> list[str]:
    if not idle:
        return []
    fm = fmt or Formatter()
    return [fm.t("Did nothing (not ranked): {plans} -- see below.", plans=fm.t(", ").join(f"`{s}`" for s in idle)), ""]


def value_lines(fmt: Formatter, value: pd.DataFrame, primary: str, seed_noise_only: bool = False) -> list[str]:
    """The first table: plans ranked by value for money on the headline KPI (``seed_noise_only``: a
    decision over parameter draws leads the report, so the heading says this ranking is not that one)."""
    if value.empty:
        return []
    t = fmt.t
    label = _label(primary, fmt)
    lowered = label.lower() if fmt.language == "en" else label
    unit = (t(_info(primary).per_unit) if _info(primary).per_unit else _per_unit(fmt, primary)
            if _info(primary).kind == "share" else t("unit of {label}", label=lowered))
    scale = per_unit_scale(primary)
    out = ["## " + (t("Value for money (seed noise only, at the default response sizes)") if seed_noise_only
                    else t("Value for money")), "",
           t("Plans ranked by extra cost per {unit} (the paired extra cost -- spend plus points still owed at the end "
             "-- over the paired gain in {label}; 95% interval by Fieller's theorem on the paired replicates), then "
             "by effect in its good direction. A plan whose gain is not distinguishable from zero has no cost per unit. \"All days\" is the "
             "difference in mean DAU over the whole run, which shows early gains and late dips that the last 30 "
             "days hide.", unit=unit, label=lowered), "",
           _row([t("rank"), t("plan"), t("{label}: difference", label=label), t("mean DAU, all days: difference"),
                 t("extra cost"), t("extra cost per {unit}", unit=unit)]), "|---|---|---|---|---|---|"]
    for i, r in enumerate(value.itertuples(), 1):
        per = (f"{r.cost_per_unit * scale:,.0f} [{r.cost_per_unit_low * scale:,.0f}, "
               f"{r.cost_per_unit_high * scale:,.0f}] {fmt.money_unit}"
               if math.isfinite(r.cost_per_unit) else "-")
        out.append(f"| {i} | `{r.scenario}` | {_fmt(fmt, r.effect, primary, True)} [{_fmt(fmt, r.effect_low, primary, True)}, "
                   f"{_fmt(fmt, r.effect_high, primary, True)}] | {r.effect_all_days:+.3g} [{r.effect_all_days_low:+.3g}, "
                   f"{r.effect_all_days_high:+.3g}] | {r.extra_cost:,.0f} {fmt.money_unit} | {per} |")
    return out + [""]


def uncertainty_lines(fmt: Formatter, both: pd.DataFrame, seed_only: pd.DataFrame, baseline: str, scenarios: list[str],
                      primary: str) -> list[str]:
    """The headline difference with two intervals: seed noise alone (every replicate at the fitted
    parameters) and seed noise plus parameter uncertainty (replicate k at posterior draw k)."""
    a = difference_table(both, baseline, scenarios, [primary]).set_index("scenario")
    b = difference_table(seed_only, baseline, scenarios, [primary]).set_index("scenario")
    t = fmt.t
    out = ["## " + t("Seed noise and parameter uncertainty"), "",
           t("{label}, difference from `{baseline}` with 95% intervals of two kinds: **seed noise only** "
             "(every replicate at the fitted parameters: what more replicates would shrink) and **seed noise + "
             "parameter uncertainty** (replicate k at posterior draw k: what only better data would shrink).",
             label=_label(primary, fmt), baseline=baseline), "",
           _row(t(h) for h in ("scenario", "seed noise only", "seed noise + parameter uncertainty")), "|---|---|---|"]
    for s in a.index:
        ra, rb = a.loc[s], b.loc[s]
        out.append(f"| `{s}` | {_fmt(fmt, rb.difference, primary, True)} [{_fmt(fmt, rb.low, primary, True)}, "
                   f"{_fmt(fmt, rb.high, primary, True)}] | {_fmt(fmt, ra.difference, primary, True)} "
                   f"[{_fmt(fmt, ra.low, primary, True)}, {_fmt(fmt, ra.high, primary, True)}] |")
    return out + [""]
