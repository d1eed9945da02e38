"""The strategist's workbench (Solara): an export in, a decision out, in Chinese or English.

Serve it with ``python -m experiments.workbench`` (``make workbench``). A page walks through one
project: upload the export, confirm how it was read, see the community's own numbers, build its
twin (calibration) and read its health, compare plans under a budget, let the optimiser split the
budget, and download the reports, tables and the plan's schedule. Every step runs a ``commsim``
command as a job (:mod:`experiments.workbench.tasks`) with a progress bar; projects and jobs live
in SQLite (:mod:`experiments.workbench.projects`), so a restart of the server loses nothing.
"""

from __future__ import annotations

import functools
import html
import os
import threading
from pathlib import Path

import pandas as pd
import solara

from commsim.experiments.reports.kit import LANGUAGE_NAMES as LANGUAGES, Formatter, page_language
from commsim.experiments.workbench import steps, tasks
from commsim.experiments.workbench.projects import MAX_UPLOAD_MB, Store, WorkbenchError
from commsim.experiments.workbench.upload import Upload

ROOT_ENV = "COMMSIM_WORKBENCH_ROOT"
LIMIT_ENV = "COMMSIM_WORKBENCH_MAX_MB"
LANGUAGE_ENV = "COMMSIM_WORKBENCH_LANGUAGE"  # the page's language until a project's own is known (--language)
CSS = """
.commsim-section { margin: 10px 0 18px; padding: 10px 16px; border-left: 4px solid #1976d2; }
.commsim-section h3 { margin: 4px 0 10px; }
.commsim-read pre { white-space: pre-wrap; font-size: 13px; }
"""


def _md(text: str, classes=None):
    """Markdown rendered here, not in the browser: Solara's Markdown asks the internet for KaTeX."""
    import markdown

    solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text, extensions=["tables"]), classes=classes or [])


def store() -> Store:
    """The workbench's store: opened (schema checked, folders made) once per root, not on every render."""
    return _store(str(os.environ.get(ROOT_ENV) or Path("results") / "workbench"))


@functools.lru_cache(maxsize=None)
def _store(root: str) -> Store:
    return Store(root)


def limit_mb() -> float:
    return float(os.environ.get(LIMIT_ENV) or MAX_UPLOAD_MB)


def latest(jobs, kind):
    found = [j for j in jobs if j.kind == kind]
    return found[-1] if found else None


def twin_of(jobs):
    done = [j for j in jobs if j.kind == "calibrate" and j.status == "finished"]
    return done[-1].folder if done else None


@solara.component
def JobStatus(job, t, on_change, what: str):
    """A job's state: a progress bar while it runs (with Stop), its error when it failed, and a way
    to run it again when it stopped or failed."""
    db = store()
    if job.status == "running":
        share, words = tasks.progress(job)
        solara.ProgressLinear(value=True if share is None else share * 100, color="primary")
        solara.Text(t("{what} running: {progress}", what=what, progress=words or t("starting")),
                    classes=["commsim-progress"])
        solara.Button(t("Stop"), on_click=lambda: (tasks.stop(db, job), on_change()), outlined=True)
    elif job.status == "failed":
        solara.Error(t("{what} failed:", what=what) + "\n" + job.message, classes=["commsim-failed"])
        solara.Button(t("Run again"), on_click=lambda: (tasks.start(db, job), on_change()), outlined=True)
    elif job.status == "stopped":
        why = t(job.message) if job.message else "?"
        text = t("{what} stopped before it finished ({why}). Resume runs it again and reuses every finished run.",
                 what=what, why=why)
        solara.Warning(text, classes=["commsim-stopped"])
        solara.Button(t("Resume"), on_click=lambda: (tasks.start(db, job), on_change()), color="primary")


def _launch(project, kind, words, on_change, problem):
    try:
        db = store()
        tasks.start(db, db.add_job(project, kind, words))
        problem.set("")
    except (WorkbenchError, ValueError) as err:
        problem.set(str(err))
    on_change()


def _start_button(label, project, kind, words, job, on_change, problem):
    """The button that starts a step's job (greyed out while one runs), and why it was refused."""
    solara.Button(label, color="primary", disabled=bool(job and job.status == "running"),
                  on_click=lambda: _launch(project, kind, words, on_change, problem))
    if problem.value:
        solara.Error(problem.value)


def _download(path: Path, label: str):
    if path.is_file():
        solara.FileDownload(lambda: path.read_bytes(), filename=path.name, label=label)


@solara.component
def ReportView(path: Path, label: str):
    """The report (``report.html``: figures inside it) on the page, sent to the browser only when opened."""
    shown = solara.use_reactive(False)
    if not path.is_file():
        return
    solara.Switch(label=label, value=shown, classes=["commsim-report-switch"])
    if shown.value:
        solara.v.Html(tag="iframe", class_="commsim-report",
                      attributes={"srcdoc": path.read_text(encoding="utf-8"), "title": label,
                                  "style": "width: 100%; height: 900px; border: 1px solid #ccc"})


def _table(path: Path, rows: int = 20):
    """A CSV the job wrote, its numbers rounded for reading (shares as percentages); the download
    keeps every digit."""
    if path.is_file():
        frame = pd.read_csv(path).head(rows)
        for column in frame.columns:
            if pd.api.types.is_float_dtype(frame[column]):
                share = column.startswith("p_") or (column.startswith("week_") and frame[column].max() <= 1)
                frame[column] = frame[column].map(lambda x: "" if pd.isna(x) else (f"{x:.0%}" if share else f"{x:,.1f}"))
        frame = frame.fillna("")
        solara.DataFrame(frame, items_per_page=rows)


@solara.component
def ExportStep(project, t, on_change):
    problem = solara.use_reactive("")
    db = store()

    def take(file: dict):
        try:
            db.save_export(project, file["name"], int(file["size"]), file["file_obj"].read, limit_mb())
            for job in tasks.refresh_all(db, project):  # the steps start afresh: work on the old export stops
                if job.status == "running":
                    tasks.stop(db, job)
            problem.set("")
        except WorkbenchError as err:
            problem.set(str(err))
        on_change()

    with solara.Column(classes=["commsim-section", "commsim-export"]):
        solara.HTML(tag="h3", unsafe_innerHTML=t("1. Your export"))
        _md(t("A CSV, TSV or Excel (.xlsx) file with one row per message or action: who, when and, "
              "if known, to whom. Chinese or English column names. At most {limit} MB.",
              limit=f"{limit_mb():g}"))
        Upload(t("Choose or drop your export here"), take)
        if problem.value:
            solara.Error(problem.value, classes=["commsim-problem"])
        if project.export:
            ReadingStep(project, t, on_change)


@solara.component
def ReadingStep(project, t, on_change):
    db = store()
    reading = steps.Reading.of(project.settings)
    export = db.path_in(project, project.export)
    key = (str(export), reading.timezone, reading.day_start, tuple(sorted(reading.columns.items())))
    result = solara.use_memo(lambda: _read(export, reading), dependencies=[key, export.stat().st_mtime])

    def choose(**change):
        db.update(project, **{**project.settings, **change})  # steps.Reading.of keeps only what it knows
        on_change()

    solara.Text(t("Your export: {name}", name=export.name))
    if isinstance(result, str):
        solara.Error(t("This file cannot be read as an activity log:") + "\n" + result.replace(str(export), export.name),
                     classes=["commsim-problem"])
        return
    read = result
    names = [str(c) for c in read.all_columns]
    with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
        for role, label in (("user", t("who (user ID)")), ("time", t("when (time)")), ("target", t("to whom"))):
            if role == "target" and role not in read.columns:
                continue  # no column was taken as the recipient: nothing to change

            def set_role(value, role=role):
                columns = {r: str(read.columns[r]) for r in ("user", "time", "target") if r in read.columns}
                columns[role] = value
                choose(columns=columns, order=names)

            solara.Select(label, values=names, value=str(read.columns.get(role, "")), on_value=set_role)
        solara.Select(t("time zone of times without one"), values=list(steps.TIMEZONES), value=reading.timezone,
                      on_value=lambda v: choose(timezone=v))
        solara.Select(t("a day starts"), values=["midnight", "first"], value=reading.day_start,
                      on_value=lambda v: choose(day_start=v))
    for msgid, values in read.notes:  # what was read on an assumption, in the page's language
        solara.Warning(t(msgid, **values), classes=["commsim-read-warning"])
    with solara.Column(classes=["commsim-read"]):
        _md(t("What was read (check it):"))
        _md(t("{actions} actions by {people} people ({everyone} counting those only ever written to), {days} days "
              "from {first}.", actions=f"{read.rows:,}", people=f"{read.active_people:,}",
              everyone=f"{read.people:,}", days=f"{read.days:,}", first=read.first_time))
        # the reader's own words (its warnings are above, in the page's language), naming the file, not the
        # server's folder it lives in
        solara.Preformatted("\n".join(read.lines()).replace(str(read.path), export.name))


def _read(export: Path, reading):
    try:
        return reading.read(export)[1]
    except Exception as err:  # noqa: BLE001 - any reading problem is shown to the strategist
        return str(err)


@solara.component
def ObserveStep(project, jobs, t, language, on_change):
    problem = solara.use_reactive("")
    job = latest(jobs, "observe")
    db = store()
    export = db.path_in(project, project.export)
    with solara.Column(classes=["commsim-section", "commsim-observe"]):
        solara.HTML(tag="h3", unsafe_innerHTML=t("2. Your community's numbers"))
        words = steps.observe(export, steps.Reading.of(project.settings), language)
        _start_button(t("Show my community's numbers"), project, "observe", words, job, on_change, problem)
        if job:
            JobStatus(job, t, on_change, t("Reading the export"))
            if job.status == "finished":
                for figure in sorted((job.folder / "figures").glob("*.png"))[:3]:
                    solara.Image(str(figure), width="640px")
                _md(t("Weekly cohorts: the share of each week's newcomers still active 1, 2, ... weeks later"),
                    classes=["commsim-observed"])
                _table(job.folder / "retention.csv", 12)
                with solara.Row():
                    _download(job.folder / "observed.csv", t("Download daily numbers (CSV)"))
                    _download(job.folder / "report.html", t("Download the report (HTML)"))


@solara.component
def TwinStep(project, jobs, t, language, on_change):
    problem = solara.use_reactive("")
    budget = solara.use_reactive("quick")
    job = latest(jobs, "calibrate")
    db = store()
    export = db.path_in(project, project.export)
    with solara.Column(classes=["commsim-section", "commsim-twin"]):
        solara.HTML(tag="h3", unsafe_innerHTML=t("3. A twin of your community"))
        _md(t("The model is fitted to your export: how many stay, come back and join. A quick twin "
              "takes minutes and is rough; a standard one takes longer (docs/calibration.md)."))
        solara.ToggleButtonsSingle(value=budget, values=list(steps.BUDGETS))
        words = steps.calibrate(export, steps.Reading.of(project.settings), budget.value, language)
        _start_button(t("Build the twin"), project, "calibrate", words, job, on_change, problem)
        if job:
            JobStatus(job, t, on_change, t("The twin"))
            if job.status == "finished":
                from commsim.experiments.reports.twin import health_lines

                _md("\n".join(health_lines(job.folder, Formatter(language))), classes=["commsim-health"])
                for figure in sorted((job.folder / "figures").glob("*forecast*.png"))[:1]:
                    solara.Image(str(figure), width="640px")
                ReportView(job.folder / "report.html", t("Read the whole report here"))
                _download(job.folder / "report.html", t("Download the twin's report (HTML)"))


@solara.component
def DecideStep(project, jobs, t, language, on_change):
    problem = solara.use_reactive("")
    chosen = solara.use_reactive(["content", "incentive"])
    budget = solara.use_reactive(20_000.0)
    currency = solara.use_reactive("CNY")
    days = solara.use_reactive(90)
    replicates = solara.use_reactive(3)
    draws = solara.use_reactive(8)
    trials = solara.use_reactive(24)
    twin = twin_of(jobs)
    compared, optimised = latest(jobs, "compare"), latest(jobs, "optimize")
    with solara.Column(classes=["commsim-section", "commsim-decide"]):
        solara.HTML(tag="h3", unsafe_innerHTML=t("4. Compare plans and split the budget"))
        _md(t("On your twin.") if twin else
            t("No twin yet: plans run on the default community (10,000 people), not yours."))
        solara.SelectMultiple(t("plans"), values=chosen, all_values=list(steps.PLANS))
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            solara.InputFloat(t("budget per plan"), value=budget)
            solara.Select(t("currency"), values=list(steps.CURRENCIES), value=currency)
            solara.InputInt(t("days ahead"), value=days)
            solara.InputInt(t("seeds per plan"), value=replicates)
            solara.InputInt(t("parameter draws"), value=draws)
            solara.InputInt(t("plans the optimiser tries"), value=trials)

        def run_compare():
            n = len(store().jobs(project, "compare")) + 1
            _launch(project, "compare", steps.compare(chosen.value, budget.value, twin, days.value, replicates.value,
                                                      draws.value, language, currency.value, f"workbench-{n}"),
                    on_change, problem)

        def run_optimize():
            _launch(project, "optimize", steps.optimize(chosen.value, budget.value, twin, days.value, trials.value,
                                                        replicates.value, language, currency.value), on_change, problem)

        busy = any(j.status == "running" for j in (compared, optimised) if j)
        with solara.Row():
            solara.Button(t("Compare the plans"), color="primary", on_click=run_compare, disabled=busy)
            solara.Button(t("Find the best split"), color="secondary", on_click=run_optimize, disabled=busy)
        if problem.value:
            solara.Error(problem.value)
        if compared:
            JobStatus(compared, t, on_change, t("The comparison"))
            if compared.status == "finished":
                _md(t("**The decision**: chance each plan beats doing nothing, chance it is best, and "
                      "its expected gain with an 80% interval (`decision.csv`)."), classes=["commsim-decision"])
                _table(compared.folder / "decision.csv")
                ReportView(compared.folder / "report.html", t("Read the whole report here"))
                with solara.Row():
                    _download(compared.folder / "report.html", t("Download the comparison report (HTML)"))
                    _download(compared.folder / "decision.csv", t("Download the decision (CSV)"))
        if optimised:
            JobStatus(optimised, t, on_change, t("The optimiser"))
            if optimised.status == "finished":
                _md(t("**The plan's schedule**: week by week, what each strategy does and costs."),
                    classes=["commsim-schedule"])
                _table(optimised.folder / "schedule.csv")
                ReportView(optimised.folder / "report.html", t("Read the whole report here"))
                with solara.Row():
                    _download(optimised.folder / "schedule.csv", t("Download the schedule (CSV)"))
                    _download(optimised.folder / "report.html", t("Download the optimisation report (HTML)"))


@solara.component
def ProjectPicker(owner, current, t, on_change):
    name = solara.use_reactive("")
    code = solara.use_reactive("")
    problem = solara.use_reactive("")
    db = store()
    mine = db.projects(owner)

    def create():
        try:
            current.set(db.create(owner, name.value or t("my community")).id)
            name.set("")
            problem.set("")
        except WorkbenchError as err:
            problem.set(str(err))

    def open_code():
        try:
            current.set(db.project(code.value).id)
            problem.set("")
        except WorkbenchError as err:
            problem.set(str(err))

    with solara.Column(classes=["commsim-projects"]):
        if mine:
            labels = {p.id: f"{p.name} ({p.id})" for p in mine}
            solara.Select(t("your projects"), values=list(labels.values()),
                          value=labels.get(current.value), on_value=lambda v: current.set(v.rsplit("(", 1)[1][:-1]))
        with solara.Row():
            solara.InputText(t("new project's name"), value=name)
            solara.Button(t("New project"), on_click=create, color="primary")
        with solara.Row():
            solara.InputText(t("open a project by its code"), value=code)
            solara.Button(t("Open"), on_click=open_code, outlined=True)
        if problem.value:
            solara.Error(problem.value)


@solara.component
def Page():
    language = solara.use_reactive(page_language(LANGUAGE_ENV))
    current = solara.use_reactive(None)
    tick = solara.use_reactive(0)
    owner = solara.use_memo(solara.get_session_id, dependencies=[])
    refresh = lambda: tick.set(tick.value + 1)  # noqa: E731

    def t(msgid: str, **values) -> str:
        return Formatter(language.value).t(msgid, **values)

    db = store()
    project = db.project(current.value) if current.value else None

    def opened():  # a project opens in the language it was last used in
        saved = project.settings.get("language") if project else None
        if saved in LANGUAGES and saved != language.value:
            language.set(saved)

    solara.use_effect(opened, dependencies=[current.value])

    def choose(code: str) -> None:
        language.set(code)
        if project is not None:
            db.update(project, language=code)
    jobs = tasks.refresh_all(db, project) if project else []
    current_export = int(project.settings.get("export_generation", 0)) if project else 0
    jobs = [j for j in jobs if j.export_generation == current_export]  # a new upload starts the steps afresh
    running = any(j.status == "running" for j in jobs)

    def poll(cancel: threading.Event):
        while running and not cancel.wait(1.0):
            tick.set(tick.value + 1)

    solara.use_thread(poll, dependencies=[running, tick.value], intrusive_cancel=False)

    solara.Title(t("commsim workbench"))
    solara.Style(CSS)
    with solara.Column(style={"padding": "8px 24px", "max-width": "1100px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.HTML(tag="h2", unsafe_innerHTML=t("commsim workbench: your export in, a decision out"))
            names = {label: code for code, label in LANGUAGES.items()}
            solara.ToggleButtonsSingle(value=LANGUAGES[language.value], values=list(names),
                                       on_value=lambda v: choose(names[v]), classes=["commsim-language"])
        ProjectPicker(owner, current, t, refresh)
        if project is None:
            solara.Info(t("Start a project: give it a name, then upload your community's export."))
            return
        _md(t("Project **{name}**: its code {code} opens it from another browser.", name=html.escape(project.name),
              code=f"`{project.id}`"))
        ExportStep(project, t, refresh)
        if project.export:
            ObserveStep(project, jobs, t, language.value, refresh)
            TwinStep(project, jobs, t, language.value, refresh)
            DecideStep(project, jobs, t, language.value, refresh)
