"""``python -m experiments.observe``: an export's own numbers, dated, with no model involved."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT

COLLEGEMSG = ROOT / "data" / "collegemsg" / "CollegeMsg.txt.gz"


@pytest.fixture(scope="module")
def collegemsg(tmp_path_factory):
    from commsim.experiments import api

    return api.observe(str(COLLEGEMSG), out_dir=tmp_path_factory.mktemp("observe"))


def test_observed_csv_has_one_dated_row_a_day_and_its_counts_add_up(collegemsg):
    from commsim.sim.log_io import read_log
    from commsim.sim.observed import daily

    table = collegemsg.observed
    assert list(table.columns) == ["date", "dau", "wau", "mau", "new", "returning", "cumulative_people"]
    dates = pd.to_datetime(table.date)
    assert dates.iloc[0] == pd.Timestamp("2004-04-15") and (dates.diff().dropna() == pd.Timedelta(days=1)).all()
    log, read = read_log(COLLEGEMSG)
    assert len(table) == log.n_days and np.array_equal(table.dau, daily(log).dau)
    assert (table.new + table.returning == table.dau).all() and (table.wau >= table.dau).all()
    assert table.cumulative_people.iloc[-1] == read.active_people == 1350
    assert (table.cumulative_people.diff().dropna() >= 0).all()


def test_cohort_retention_counts_each_cohort_by_hand(collegemsg):
    from commsim.sim.log_io import read_log

    cohorts = collegemsg.retention
    assert list(cohorts.columns[:3]) == ["cohort_start", "people", "week_1"] and "week_12" in cohorts
    log, _ = read_log(COLLEGEMSG)
    days = log.days.assign(offset=log.days.day - log.first_day)
    first = days.groupby("person").offset.min()
    cohort1 = first[(first >= 7) & (first < 14)]  # the log's second week
    row = cohorts.iloc[1]
    assert row.cohort_start == "2004-04-22" and row.people == len(cohort1)
    active = days[days.person.isin(cohort1.index)]
    weeks = (active.offset - first.reindex(active.person).to_numpy()) // 7
    for k in (1, 4, 12):
        assert row[f"week_{k}"] == pytest.approx(active[weeks.to_numpy() == k].person.nunique() / len(cohort1), abs=1e-4)
    last = cohorts.iloc[-1]
    assert np.isnan(last.week_1), "a cohort whose week 1 is not over is blank, not zero"


def test_the_report_is_dated_and_gives_the_stylized_facts(collegemsg):
    text = (collegemsg.folder / "report.md").read_text()
    for phrase in ("2004-04-15 to 2004-10-25 (194 days)", "week-4 retention", "28% of", "53% of", "DAU/MAU", "0.12",
                   "293.7 around 2004-05-26", "| 6% |",
                   "figures/activity.png", "figures/retention.png", "commsim calibrate calibrate.log="):
        assert phrase in text, phrase
    assert (collegemsg.folder / "report.html").is_file() and collegemsg.warnings == []


def test_a_chinese_export_under_a_chinese_path_with_a_nickname_column(tmp_path):
    folder = tmp_path / "社群"
    folder.mkdir()
    export = folder / "群聊导出.csv"
    export.write_text("用户ID,昵称,发送时间,回复对象ID\nu1,小明,2024-03-01 10:00,u2\nu2,小红,2024-03-01 11:00,u1\n"
                      "u3,阿强,2024-03-02 09:00,\nu1,小明,2024-03-09 09:00,u3\n", encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "commsim", "observe", f"log={export}", "timezone=Asia/Shanghai",
                           "day_start=midnight", f"hydra.run.dir={out}"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no time zone" in done.stderr and "Asia/Shanghai" in done.stderr
    assert "'昵称'" in done.stderr and "alias" in done.stderr
    table = pd.read_csv(out / "observed.csv")
    assert table.date.iloc[0] == "2024-03-01" and len(table) == 9
    assert table.cumulative_people.iloc[-1] == 3, "the nickname column does not double the people"
    assert "**Check**" in (out / "report.md").read_text()


@pytest.mark.parametrize("args, expected", [
    ([], "log: no export given"),
    (["log=/nonexistent/export.csv"], "no such file"),
    (["log=x.csv", "timezone=Mars/Base"], "unknown time zone"),
    (["logg=x.csv"], "logg"),
])
def test_bad_command_lines_are_clear_errors(tmp_path, args, expected):
    (tmp_path / "x.csv").write_text("user,time\nann,2024-03-01\n")  # there: the other mistakes are what is said
    done = subprocess.run([sys.executable, "-m", "commsim", "observe", *args, f"hydra.run.dir={tmp_path / 'o'}"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and expected in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_the_report_in_chinese_is_complete_with_chinese_dates_and_figures(tmp_path):
    from commsim.experiments import api
    from commsim.experiments.reports import messages
    from commsim.experiments.runner.figures import cjk_font

    messages.USED.pop("zh", None)
    seen = api.observe(str(COLLEGEMSG), overrides=["report.language=zh"], out_dir=tmp_path)
    assert messages.missing("zh") == set(), "every sentence of the observation has its Chinese translation"
    text = (seen.folder / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# 社群自身数据") and "2004年4月15日 至 2004年10月25日（共 194 天）" in text
    assert "第 4 周留存" in text and "Cohort retention" not in text
    assert '<html lang="zh-CN">' in (seen.folder / "report.html").read_text(encoding="utf-8")
    if cjk_font() is None:
        assert "make fonts" in text, "without a Chinese font the report says why its figures are in English"


def test_the_readers_warnings_are_translated_too(tmp_path):
    from commsim.experiments import api

    export = tmp_path / "群聊导出.csv"
    export.write_text("用户ID,昵称,发送时间\nu1,小明,2024-03-01 10:00\nu2,小红,2024-03-01 11:00\nu1,小明,2024-03-02 09:00\n",
                      encoding="utf-8")
    seen = api.observe(str(export), overrides=["report.language=zh"], out_dir=tmp_path / "out")
    text = (seen.folder / "report.md").read_text(encoding="utf-8")
    assert "**请核对**：" in text and "时间没有标明时区" in text and "昵称之类的别名" in text
    assert any("no time zone" in w for w in seen.warnings), "the terminal and the API keep English"
