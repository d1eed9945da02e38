"""The workbench's store, command lines and jobs, without a browser (tests/test_workbench_browser.py
drives the page itself).

Fast: a project's files stay in its folder whatever a name or a path says; uploads are refused by
suffix and size before they are read; each step's command line passes commsim's own checks; every
sentence of the page has its Chinese. Slow: a job's life across a server restart -- finished,
failed with its reason, killed and resumed.
"""

from __future__ import annotations

import ast
import os
import signal
import time
from pathlib import Path

import pytest

from commsim.experiments.workbench import steps, tasks
from commsim.experiments.workbench.projects import Store, WorkbenchError, clean_name

ROOT = Path(__file__).resolve().parents[1]
WORKBENCH = ROOT / "experiments" / "workbench"


def test_projects_belong_to_their_browser_and_open_by_code(tmp_path):
    store = Store(tmp_path)
    mine = store.create("browser-a", "  校园   社群 ")
    store.create("browser-b", "other")
    assert mine.name == "校园 社群" and [p.id for p in store.projects("browser-a")] == [mine.id]
    assert [p.name for p in store.projects("browser-b")] == ["other"]
    assert Store(tmp_path).project(mine.id.upper()).folder == mine.folder  # a second server sees it
    for code, why in (("../etc", "not a project code"), ("0123456789ab", "no project")):
        with pytest.raises(WorkbenchError, match=why):
            store.project(code)
    with pytest.raises(WorkbenchError, match="needs a name"):
        store.create("browser-a", "   ")


@pytest.mark.parametrize("name, kept", [("群聊导出.csv", "群聊导出.csv"), ("../../etc/passwd.csv", "passwd.csv"),
                                        ("C:\\Users\\me\\my export.xlsx", "my_export.xlsx"),
                                        (".hidden.tsv", "hidden.tsv"), ("log.csv.gz", "log.csv.gz")])
def test_an_uploaded_name_keeps_only_a_clean_base_name(name, kept):
    assert clean_name(name) == kept


@pytest.mark.parametrize("name", ["tool.exe", "notes", ".csv", "archive.zip", ""])
def test_an_upload_that_is_no_export_is_refused_by_its_name(name):
    with pytest.raises(WorkbenchError, match="not an export the workbench reads"):
        clean_name(name)


def test_nothing_outside_the_project_folder_is_read_or_written(tmp_path):
    store = Store(tmp_path / "wb")
    project = store.create("a", "p")
    (tmp_path / "secret.csv").write_text("x")
    (project.folder / "link").symlink_to(tmp_path)
    for path in ("../../../secret.csv", "/etc/passwd", "link/secret.csv"):
        with pytest.raises(WorkbenchError, match="outside the project's folder"):
            store.path_in(project, path)
    assert store.path_in(project, "export/a.csv") == project.folder.resolve() / "export" / "a.csv"


def test_an_upload_is_checked_by_size_before_it_is_read(tmp_path):
    store = Store(tmp_path)
    project = store.create("a", "p")

    def never():
        raise AssertionError("read a file that was too large")

    with pytest.raises(WorkbenchError, match=r"3\.0 MB is more than the workbench takes \(2 MB\)"):
        store.save_export(project, "big.csv", 3 * 1024 * 1024, never, limit_mb=2)
    with pytest.raises(WorkbenchError, match="empty"):
        store.save_export(project, "empty.csv", 0, never)
    saved = store.save_export(project, "../first.csv", 4, lambda: b"a,b\n")
    saved = store.update(saved, timezone="UTC")
    again = store.save_export(saved, "second.csv", 4, lambda: b"a,b\n")
    assert again.export == "export/second.csv"
    assert again.settings == {"export_generation": 2}  # the new file's reading starts afresh, its jobs too
    assert [p.name for p in (project.folder / "export").iterdir()] == ["second.csv"]


def test_every_step_builds_a_command_line_commsim_accepts(tmp_path):
    from commsim.experiments.cli import autoquote, compose_checked
    from commsim.experiments.settings import register_configs

    register_configs()
    export, twin = tmp_path / "群聊 导出.csv", None
    reading = steps.Reading(timezone="Asia/Shanghai", day_start="midnight", columns={"user": "发送者ID"},
                            order=["发送时间", "发送者ID", "接收者ID"])
    lines = {"observe": steps.observe(export, reading, "zh"),
             "calibrate": steps.calibrate(export, reading, "quick", "zh"),
             "compare": steps.compare(["content", "kol_seeding"], 5000, twin, 30, 2, 2, "zh", "CNY", "wb-1"),
             "optimize": steps.optimize(["content", "kol_seeding"], 5000, twin, 30, 4, 3, "en", "USD")}
    for config, words in lines.items():
        cfg = compose_checked(config, [autoquote(w) for w in words])
        if config == "compare":
            assert dict(cfg.compare.scenarios) == {"baseline": ["plan=baseline"],
                                                   "content": ["plan=content", "plan.budget=5000"],
                                                   "kol_seeding": ["plan=kol_seeding", "plan.budget=5000"]}
        if config == "optimize":
            assert list(cfg.optimize.strategies) == ["content", "kol"] and cfg.report.currency == "USD"
            assert (cfg.optimize.replicates, cfg.optimize.confirm_replicates) == (3, 6)
        if config == "calibrate":
            assert str(cfg.calibrate.columns.user) == "1" and cfg.calibrate.runs == steps.BUDGETS["quick"]
    with pytest.raises(ValueError, match="pick one or more"):
        steps.compare([], 1, None, 30, 2, 2, "en", "CNY", "x")
    with pytest.raises(ValueError, match="currency"):
        steps.optimize(["content"], 1, None, 30, 4, 2, "en", "GBP")


def test_what_the_page_sends_never_puts_a_files_words_on_the_command_line():
    # a header can hold anything, e.g. an interpolation that would read the server's environment
    evil = "${oc.env:HOME}"
    chosen = {"timezone": "Mars/Olympus", "day_start": "noon", "columns": {"user": evil, "time": "t", "kind": "k"},
              "order": ["t", evil]}
    reading = steps.Reading.of(chosen)
    assert (reading.timezone, reading.day_start) == ("Asia/Shanghai", "midnight")  # unknown ones refused
    assert reading.columns == {"user": evil, "time": "t"}  # known roles of columns in the file only
    words = reading.words("calibrate.")
    assert "calibrate.columns.user=1" in words and "calibrate.columns.time=0" in words
    assert not any(evil in w for w in words)
    assert steps.Reading.of({"columns": {"user": "gone"}, "order": ["a", "b"]}).columns == {}


def test_a_failed_upload_keeps_the_export_there_was(tmp_path):
    store = Store(tmp_path)
    project = store.save_export(store.create("a", "p"), "first.csv", 4, lambda: b"a,b\n")

    def broken():
        raise OSError("the browser went away")

    with pytest.raises(OSError):
        store.save_export(project, "second.csv", 4, broken)
    again = store.project(project.id)
    assert again.export == "export/first.csv" and (project.folder / "export" / "first.csv").is_file()


def test_a_long_name_keeps_its_suffix_and_a_gzipped_workbook_is_refused():
    assert clean_name("x" * 300 + ".csv.gz").endswith(".csv.gz") and len(clean_name("x" * 300 + ".csv.gz")) == 120
    with pytest.raises(WorkbenchError):
        clean_name("book.xlsx.gz")


def test_progress_is_read_from_the_latest_progress_line(tmp_path):
    store = Store(tmp_path)
    job = store.add_job(store.create("a", "p"), "compare", [])
    job.folder.mkdir(parents=True)
    assert tasks.progress(job) == (None, "")
    (job.folder / tasks.LOG).write_text(
        "--- earlier attempt\n[commsim] runs 6/6 | done in 5 s\n--- 2026-12-05 commsim compare\n"
        "[commsim] calibrate: search 32/76 (best 1.026) | 104 runs | 10 s\nother output\n")
    share, words = tasks.progress(job)
    assert share == pytest.approx(32 / 76) and words.startswith("calibrate: search 32/76")


def test_every_sentence_of_the_page_has_its_chinese():
    from commsim.experiments.reports.messages import catalogue

    said = set()
    for path in WORKBENCH.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                said.add(node.args[0].value)
    said |= {"stopped on request", tasks.DIED}
    assert len(said) > 50
    assert sorted(said - set(catalogue("zh"))) == []


# ------------------------------------------------------------------------------------ slow
def _wait(store, job, until=("finished", "failed", "stopped"), timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = tasks.refresh(store, store.job(job.id))
        if job.status in until:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job.id} still {job.status}:\n{tasks.log_text(job)}")


@pytest.mark.slow
def test_a_job_finishes_fails_with_its_reason_or_is_stopped_and_resumed(tmp_path):
    from tests.test_workbench_browser import chinese_collegemsg

    store = Store(tmp_path / "wb")
    project = store.create("a", "p")
    export = chinese_collegemsg(tmp_path / "导出.csv", weeks=3)
    reading = steps.Reading()
    done = _wait(store, tasks.start(store, store.add_job(project, "observe", steps.observe(export, reading, "en"))))
    assert done.status == "finished" and (done.folder / "observed.csv").is_file() and done.returncode == 0

    bad = _wait(store, tasks.start(store, store.add_job(project, "observe", ["log=/nowhere/at/all.csv"])))
    assert bad.status == "failed" and bad.returncode != 0 and "no such file" in bad.message

    words = steps.compare(["content"], 1000, None, 60, 4, 2, "en", "CNY", "killed") + ["network.n=5000"]
    job = tasks.start(store, store.add_job(project, "compare", words))
    runs = job.folder / "runs"
    while len(list(runs.rglob("DONE"))) < 2:  # wait for some runs to finish
        time.sleep(0.2)
        assert tasks.refresh(store, store.job(job.id)).status == "running", tasks.log_text(job)
    os.killpg(job.pid, signal.SIGKILL)  # as a machine going down would
    tasks._children.clear()  # as after a restart of the server: the job is known from the database only
    stopped = _wait(store, store.job(job.id))
    assert stopped.status == "stopped" and stopped.message == tasks.DIED
    finished_before = len(list(runs.rglob("DONE")))
    resumed = _wait(store, tasks.start(store, stopped), timeout=300)
    assert resumed.status == "finished", tasks.log_text(resumed)
    this_time = tasks.log_text(resumed).split("\n--- ")[-1]
    assert f"{words_runs(this_time)[0]} runs: {finished_before} already finished" in this_time
    assert (resumed.folder / "decision.csv").is_file()


def words_runs(log: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r"(\d+) runs: \d+ already finished", log)]


@pytest.mark.parametrize("folder", ["wb (copy)", "OneDrive - Acme, Inc.", "com~apple~CloudDocs", "team=ops",
                                    "O'Brien", "社群 导出[1]"])
def test_the_steps_paths_read_back_whatever_the_folder_is_called(tmp_path, folder):
    """Paths go to Hydra quoted: brackets, commas (a sweep, unquoted), '=', '~' and quotes in a folder's
    name broke every step."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from commsim.experiments.cli import autoquote

    export = tmp_path / folder / "export.csv"
    twin = tmp_path / folder / "twin"
    words = [*steps.observe(export, steps.Reading(), "zh"), *steps.calibrate(export, steps.Reading(), "quick", "en"),
             *steps.compare(["content"], 100.0, twin, 30, 2, 4, "zh", "CNY", "c")]
    parsed = {o.key_or_group: o.value() for o in OverridesParser.create().parse_overrides([autoquote(w) for w in words])}
    assert parsed["log"] == str(export) and parsed["calibrate.log"] == str(export)
    assert parsed["calibration"] == str(twin)


def test_a_job_clicked_twice_starts_once(tmp_path):
    """Two clicks on a button (each holding the job as the page last drew it) start one process; the
    store's claim is atomic, and a claimed job with no process yet is being started, not dead."""
    store = Store(tmp_path / "wb")
    project = store.create("a", "p")
    job = store.add_job(project, "observe", ["log=/nowhere/at/all.csv"])
    first = tasks.start(store, job)
    second = tasks.start(store, job)  # the same stale object: status still "queued" in it
    assert first.pid and second.pid == first.pid
    assert not store.claim(job.id), "running: no second claim"
    finished = _wait(store, first, timeout=60)
    assert finished.status == "failed" and tasks.log_text(finished).count("--- ") == 1, "one process ran"
    assert store.claim(job.id) and tasks.refresh(store, store.job(job.id)).status == "running", \
        "claimed, no process yet: being started"
    stopped = tasks.stop(store, store.job(job.id))  # a new upload stops it before its process starts
    assert stopped.status == "stopped" and stopped.message == "stopped on request"


def test_the_page_opens_in_the_language_the_workbench_was_started_with(monkeypatch):
    from commsim.experiments.workbench import __main__ as entry
    from commsim.experiments.reports.kit import page_language
    from commsim.experiments.workbench.app import LANGUAGE_ENV

    def default_language():
        return page_language(LANGUAGE_ENV)

    monkeypatch.delenv(LANGUAGE_ENV, raising=False)
    assert default_language() == "en"
    monkeypatch.setenv(LANGUAGE_ENV, "zh")
    assert default_language() == "zh"
    monkeypatch.setenv(LANGUAGE_ENV, "fr")
    assert default_language() == "en", "an unknown language falls back to English"
    with pytest.raises(SystemExit):
        entry.main(["--language", "fr"])
