"""Every report in Chinese and English (``report.language=zh|en``) from one message catalogue.

Each report writer is fed small made-up inputs here (no simulation runs: each test takes well under
two seconds). A Chinese report must look up no sentence that experiments/reports/locale/zh.po
lacks and must read Chinese; the English one must stay as it was: the msgid is the English text.
A static check also reads every literal ``t("...")`` in the report modules, so a sentence on a
branch these inputs do not reach still needs its translation.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "experiments" / "reports"
CJK = re.compile(r"[\u4e00-\u9fff]")
TRANSLATED = ("comparison.py", "tables.py", "twin.py", "calibration.py", "sensitivity.py", "optimize.py", "kit.py",
              "observed.py")


@pytest.fixture
def zh():
    """Start the zh look-ups afresh; yield; then the msgids a Chinese report looked up and zh.po lacks."""
    from commsim.experiments.reports import messages

    messages.USED.pop("zh", None)
    yield lambda: messages.missing("zh")
    messages.USED.pop("zh", None)


def _english(text: str) -> None:
    assert not CJK.search(text), "an English report holds Chinese"


# ------------------------------------------------------------------ comparison (and tables.py, twin.py)
def _comparison_inputs():
    from commsim.sim.config import validate

    scenarios, seeds, days = ["baseline", "content", "points"], [0, 1, 2], 40
    kpis = ["mean_dau_last30", "final_members", "churn_rate_30d", "total_cost"]
    rng = np.random.default_rng(1)
    rows, daily = [], []
    for i, s in enumerate(scenarios):
        for seed in seeds:
            rows.append({"scenario": s, "seed": seed, "mean_dau_last30": 50 + 8 * i + rng.normal(0, 1),
                         "final_members": 300 + 20 * i + rng.normal(0, 3), "churn_rate_30d": 0.1 - 0.01 * i,
                         "total_cost": 400.0 * i, "liability": 50.0 * (s == "points"),
                         "budget_exhausted_day": 30.0 if s == "points" else np.nan, "idle": ""})
            for day in range(days):
                daily.append({"scenario": s, "seed": seed, "day": day, "dau": 50 + 8 * i + rng.normal(0, 2),
                              "members": 300 + day, "churned": 2, "reached": 3 * i + seed, "shares": 2})
    retention = pd.DataFrame([{"scenario": s, "seed": 0, "days_since_join": d, "retention": 0.5 - 0.01 * d}
                              for s in scenarios for d in range(10)])
    data = NS(summaries=pd.DataFrame(rows), timeseries=pd.DataFrame(daily), retention=retention)
    plans = {"baseline": {"name": "baseline", "strategies": []},
             "content": {"name": "content", "strategies": ["content"]},
             "points": {"name": "points", "strategies": ["incentive"], "budget": 800.0}}
    network = {"kind": "barabasi_albert", "n": 800, "m": 4}
    configs = {s: validate({"days": days, "network": network, "plan": plan, **({"strategies": {"incentive": {"end_day": 20}}}
                                                           if s == "points" else {})})
               for s, plan in plans.items()}
    spec = NS(name="launch", scenarios=scenarios, kpis=kpis, baseline="baseline", replicates=len(seeds), first_seed=0)
    config = NS(network=NS(kind="barabasi_albert", n=800), calibration=None, days=days)
    adaptive = {"reached": True, "target": 5.0, "replicates": 3, "widest": 4.2, "rounds": [{"replicates": 2},
                                                                                          {"replicates": 3}]}
    return config, spec, data, configs, adaptive


def _compare(folder, language, currency="CNY"):
    from commsim.experiments.reports.comparison import write_report

    config, spec, data, configs, adaptive = _comparison_inputs()
    return write_report(config, spec, data, folder, configs, adaptive=adaptive, currency=currency,
                        language=language).read_text(encoding="utf-8")


def test_a_chinese_comparison_is_complete(tmp_path, zh):
    text = _compare(tmp_path, "zh", currency="currency units")
    assert zh() == set(), "every sentence of the comparison has its Chinese translation"
    assert text.startswith("# launch：每个方案带来什么变化")
    for heading in ("## 性价比", "## 这意味着什么", "## 各情景", "## 策略停止之后", "## 各情景的关键数字",
                    "## 图表", "## 这些数字基于什么"):
        assert heading in text, heading
    assert "本报告尚无中文版本" not in text and "货币单位" in text and "个百分点" in text
    assert "**its budget ran out**" not in text and "**预算用完了**" in text
    assert "情景：`baseline`、`content`、`points`；" in text, "lists and clauses in Chinese punctuation"
    assert "`runs/<scenario>/seed<k>_<hash>/`" in text, "file names stay as they are, in code formatting"
    assert '<html lang="zh-CN">' in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_english_comparison_is_the_msgid_text(tmp_path):
    text = _compare(tmp_path, "en")
    _english(text)
    assert text.startswith("# launch: what each plan changes\n")
    assert "Scenarios: `baseline`, `content`, `points`; baseline" in text
    assert "| scenario | plan | strategies and key settings | budget | budget ran out |" in text
    assert "| KPI | `baseline` | `content` | `points` |" in text
    assert "| Daily active members (mean of last 30 days) (members) |" in text
    assert " pp [" in text and " CNY" in text and "**its budget ran out** on day 30" in text
    assert "Replicates were added until every scenario's interval of Daily active members (mean of last 30 days) " \
           "(members) against the baseline was at most +/-5 (`compare.target_halfwidth`): **reached**" in text
    assert "| `points` | incentive: day 20 |" in text and "## After a strategy stops" in text


# ------------------------------------------------------------------ calibration
NOTES = [("campaign: {strategy} on days {start}-{end}", {"strategy": "winback", "start": 20, "end": 34})]


ROLLING = {"method": "rolling_origins", "conformal_q": -0.1,
           "rolling": {"origins": [53, 46, 39, 32], "measured_to_day": 14, "scores": 98, "twin_rmse": 3.5,
                       "baselines": {"last7": 2.75, "ets": 4.0},
                       "blocks": [{"from_day": 1, "to_day": 7, "twin_rmse": 2.5},
                                  {"from_day": 8, "to_day": 14, "twin_rmse": 4.25}]}}


def _calibrate(folder, language, band: dict | None = None):
    from commsim.experiments.reports.calibration import Figures, write

    errors = {"rmse": 3.2, "mape": 0.12, "coverage80": 0.5, "band_width": 9.0}
    bt = {"forecast_days": 14, "model": errors, "twin": {**errors, "degenerate": True},
          "baselines": {"last7": {**errors, "rmse": 3.0}, "ets": {**errors, "rmse": 4.0}},
          "band": {"stacked_with": "last7", "inner_days": 14, "inner_baselines": {"last7": {"rmse": 2.0}},
                   "inner_twin_rmse": 2.5, "twin_weight": 0.6, "conformal_q": -0.1, **(band or {})}}
    screening = pd.DataFrame({"parameter": ["behaviour.activity.base", "behaviour.churn.hazard_dormant"],
                              "eta2": [0.6, 0.1], "fitted": [True, False]})
    params = {"behaviour.activity.base": {"value": -2.4, "interval90": [-2.6, -2.2], "prior": [-4.0, -1.0],
                                          "at_bound": True}}
    post = {"accepted": 40, "proposed": 200, "tolerance": 0.321, "effective_sample_size": 12.0,
            "box_edges": ["behaviour.activity.base"],
            "generations": [{"widened": ["strategies.winback.uplift"]}, {"widened": []}]}
    figs = Figures({"dau": "figures/dau.png", "pairs": "figures/posterior_pairs.png"})
    figs.pairs_of = (6, 15)  # the pair plot shows 6 of 15 fitted parameters
    windows = {"train_days": 60, "forecast_days": 14, "cut_off": "2024-03-01", "newcomer_share": 0.19}
    return write(folder / "c1", ["read export.csv: 10 actions"], windows, NS(notes=NOTES), screening, params,
                 post, bt, figs, 1234, language).read_text(encoding="utf-8")


def test_a_chinese_calibration_report_is_complete(tmp_path, zh):
    text = _calibrate(tmp_path, "zh")
    assert zh() == set(), "every sentence of the calibration report has its Chinese translation"
    assert text.startswith("# 校准：c1")
    for heading in ("## 数据", "## 哪些参数重要（筛选）", "## 后验", "## 回测", "## 图表", "## 如何使用"):
        assert heading in text, heading
    assert "沿用最近一周的平均值" in text, "the naive forecasts are named in Chinese"
    assert "    read export.csv: 10 actions" in text, "what the reader read is quoted as the terminal shows it"
    assert "活动：winback，第 20–34 天" in text, "how the twin was built is said in Chinese"
    assert "calibrate.priors" in text and "`calibrated.yaml`" in text


def test_a_band_calibrated_on_rolling_origins_is_explained_in_either_language(tmp_path, zh):
    text = _calibrate(tmp_path, "en", ROLLING)
    assert "Forecasting the training days from 4 earlier origins (up to 14 days ahead of each), the last week's " \
           "mean carried forward did better than the twin (RMSE 2.75 against 3.50), so the forecast shown is " \
           "stacked: 60% twin, 40% that baseline. Its band is the twin's posterior spread moved in by 0.10 in " \
           "log(1 + DAU) so that it would have held 80% of those days (conformal, out of sample" in text
    assert "missed them by 2.50 people a day in the first week ahead and by 4.25 in days 8–14 ahead (RMSE)" in text
    one_week = {**ROLLING, "rolling": {**ROLLING["rolling"], "blocks": ROLLING["rolling"]["blocks"][:1]}}
    assert "The twin missed them by 2.50 people a day (RMSE)." in _calibrate(tmp_path, "en", one_week)
    chinese = _calibrate(tmp_path, "zh", ROLLING)
    assert zh() == set() and "向内收窄 0.10" in chinese and "4 个更早的起点" in chinese


def test_the_english_calibration_report_is_the_msgid_text(tmp_path):
    text = _calibrate(tmp_path, "en")
    _english(text)
    assert text.startswith("# Calibration: c1\n") and "## Which parameters matter (screening)" in text
    assert "campaign: winback on days 20-34" in text
    assert "*The posterior of 6 of the 15 fitted parameters, each and each pair:" in text
    assert "| forecast | RMSE | MAPE | 80% band covers | band width |" in text
    assert "40 parameter sets accepted of 200 proposed (distance ≤ 0.321; effective sample size 12); 1,234 " \
           "simulations in all." in text
    assert "**The posterior is cut by the box the search marked out** for `behaviour.activity.base`" in text
    assert "could not tell their effect from seed noise: `strategies.winback.uplift`." in text
    assert "Its band is the twin's posterior spread: it held at least 80% of those days" in text
    assert "**The forecast does not beat every baseline**: the last week's mean carried forward forecast" in text


# ------------------------------------------------------------------ sensitivity
def _sensitivity(folder, language, method="morris"):
    from commsim.experiments.reports.sensitivity import write

    keys = ["behaviour.activity.base", "strategies.content.posts_per_week", "behaviour.churn.hazard_dormant"]
    common = {"parameter": keys, "low": [-4.0, 1.0, 0.01], "high": [-1.0, 14.0, 0.2],
              "scale": ["linear", "linear", "log"]}
    if method == "morris":
        table = pd.DataFrame({**common, "mu_star": [5.0, 0.0, 0.3], "mu_star_conf": [0.5, 0.0, 0.4],
                              "sigma": [4.0, 0.0, 0.1], "mu_star_noise": [0.2, 0.0, 0.2],
                              "flag": ["", "no effect (identical runs at every point)", "within seed noise"]})
    else:
        table = pd.DataFrame({**common, "S1": [0.6, 0.0, -0.2], "S1_conf": [0.1, 0.01, 0.1], "ST": [0.7, 0.0, 0.1],
                              "ST_conf": [0.1, 0.01, 0.3], "flag": ["", "", "negative; unstable (interval wider "
                                                                         "than the index)"]})
    s = NS(kpi="mean_dau_last30", effect_of="content" if method == "sobol" else None, method=method, replicates=2,
           trajectories=4, levels=4, samples=8)
    config = NS(calibration=None, plan=NS(name="baseline"), days=30, network=NS(kind="barabasi_albert"))
    y = np.array([[1.0, 1.02], [-1.0, -1.02], [3.0, 2.98]])
    return write(folder, s, config, table, 0.2 if method == "sobol" else None, 24, y,
                 language).read_text(encoding="utf-8")


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_a_chinese_sensitivity_report_is_complete(tmp_path, zh, method):
    text = _sensitivity(tmp_path, "zh", method)
    assert zh() == set(), "every sentence of the sensitivity report has its Chinese translation"
    assert text.startswith("# 敏感性分析：什么驱动了") and "| 参数 |" in text
    assert ("mu_star" if method == "morris" else "ST_conf") in text, "the columns of indices.csv keep their names"


def test_the_english_sensitivity_report_is_the_msgid_text(tmp_path):
    text = _sensitivity(tmp_path, "en")
    _english(text)
    assert text.startswith("# Sensitivity: what drives Daily active members (mean of last 30 days)\n")
    assert "| parameter | mu_star | mu_star_conf | sigma | mu_star_noise | low | high | scale | flag |" in text
    assert "Within seed noise (mu* no larger than seed noise alone makes it): " \
           "behaviour.churn.hazard_dormant." in text
    assert "from -1.01 to 2.99 - its sign depends on the assumptions." in text
    # means on both sides of zero that seed noise could put there are no change of sign
    from commsim.experiments.reports.sensitivity import both_signs

    assert not both_signs(np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, 2.5]])) and not both_signs(np.ones((3, 1)))


# ------------------------------------------------------------------ optimisation
def _optimize(folder, language):
    from commsim.experiments.reports.optimize import write

    trials = pd.DataFrame({"cost": [0.0, 300.0, 900.0, 500.0], "difference": [0.0, 2.0, 5.0, 1.0],
                           "idle": [None, None, None, "kol"]})
    front = pd.DataFrame({"cost": [0.0, 300.0, 900.0], "difference": [0.0, 2.0, 5.0],
                          "difference_low": [-1.0, 0.5, 2.0], "difference_high": [1.0, 3.5, 8.0],
                          "plan": ["no strategy (the baseline)", "content (posts_per_week=3)",
                                   "content (posts_per_week=7)"]})
    recommended = front.iloc[2].to_dict()
    confirmed = {"replicates": 4, "cost": 910.0, "difference": 4.0, "difference_low": -0.5, "difference_high": 8.5}
    decision = pd.DataFrame({"scenario": ["baseline", "recommended"], "p_better": [0.0, 0.9],
                             "gain": [0.0, 4.0], "gain_lo80": [0.0, 1.0], "gain_hi80": [0.0, 7.0],
                             "flip_parameter": ["", "strategies.content.quality"], "flip_value": [np.nan, 0.3]})
    decision.attrs.update(draws=3, kind="prior")
    o = NS(budget=1500.0, kpi="mean_dau_last30", sampler="tpe", strategies=["content", "kol"],
           draws=0, objective="mean")
    config = NS(calibration=None, days=30, network=NS(kind="barabasi_albert"))
    return write(folder, o, config, trials, front, recommended, confirmed, 2, command="plan.strategies=[content]",
                 currency="currency units", language=language, decision=decision).read_text(encoding="utf-8")


def test_a_chinese_optimisation_report_is_complete(tmp_path, zh):
    text = _optimize(tmp_path, "zh")
    assert zh() == set(), "every sentence of the optimisation report has its Chinese translation"
    assert text.startswith("# 1,500 货币单位 的预算怎么花") and "## 帕累托前沿" in text  # the budget names its currency
    assert "| 成本 | 差异 | 在挑选它所用的种子上的 95% 区间（偏乐观） | 每多一单位效果的成本 | 方案 |" in text
    assert "不采用任何策略（基线）" in text and "content (posts_per_week=7)" in text
    assert "`commsim run plan.strategies=[content]`" in text, "commands stay as they are"


def test_the_english_optimisation_report_is_the_msgid_text(tmp_path):
    text = _optimize(tmp_path, "en")
    _english(text)
    assert text.startswith("# What to do with 1,500 currency units\n") and "## The front" in text
    assert "| cost | difference | 95% interval on the seeds it was picked on (optimistic) | cost per extra unit | plan |" in text
    assert "(95% paired interval; the interval now includes zero: treat the gain as unproven)." in text
    assert "-- **not clear** (fewer than 20 draws) -- with an expected change of +4 [+1, +7] (80% interval over " \
           "the draws); it would flip where `strategies.content.quality` crosses 0.3." in text
    assert "| 0 currency units |" in text


# ------------------------------------------------------------------ the catalogue itself
def _literal_msgids(path: Path, function: str = "t", position: int = 0) -> set[str]:
    """The msgids a module passes to ``function`` (t()) as literals (also ``t(h) for h in ("...", ...)``
    headers); ``position``: which argument is the msgid."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        call = node.elt if isinstance(node, (ast.GeneratorExp, ast.ListComp)) else node
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        if name != function:
            continue
        if call is node and len(call.args) > position and isinstance(call.args[position], ast.Constant) \
                and isinstance(call.args[position].value, str):
            out.add(call.args[position].value)
        elif call is not node and isinstance(node.generators[0].iter, ast.Tuple):
            out |= {e.value for e in node.generators[0].iter.elts if isinstance(e, ast.Constant)}
    return out


def test_every_sentence_of_the_translated_reports_is_in_zh_po():
    from commsim.experiments.analyses.calibration.baselines import NAMES
    from commsim.experiments.reports.kit import UNTRANSLATED
    from commsim.experiments.reports.messages import catalogue
    from commsim.sim.metrics import KPIS

    wanted = set().union(*(_literal_msgids(REPORTS / name) for name in TRANSLATED))
    assert len(wanted) > 250, "the static reading of t(...) calls found too little"
    wanted |= {x for k in KPIS.values() for x in (k.label, k.unit, k.per_unit) if x}  # shown through t()
    wanted |= set(NAMES.values()) | {UNTRANSLATED, "currency units", "no strategy (the baseline)"}
    notes = set().union(*(_literal_msgids(ROOT / "experiments" / name, "note", 1)  # the twin's notes (report)
                          for name in ("analyses/calibration/twin.py", "calibrate.py")))
    assert len(notes) >= 7, "the static reading of note(notes, ...) calls found too little"
    wanted |= notes
    lacking = sorted(wanted - set(catalogue("zh")))
    assert lacking == [], f"zh.po lacks {len(lacking)} msgids, e.g. {lacking[:5]}"
