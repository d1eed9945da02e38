"""The workbench's projects and their jobs, kept in SQLite so that a restart loses nothing.

One folder, the workbench's *root* (default ``results/workbench/`` under the folder the server
was started from), holds ``workbench.sqlite`` and one folder per project
(``projects/<id>/``): the uploaded export, and one folder per job (``observe-3/``,
``calibrate-4/``, ...) that the job's command writes into. Nothing outside a project's folder is
read or written on a project's behalf: :meth:`Store.path_in` refuses any path that resolves
outside it (``..``, absolute paths, symbolic links), and an uploaded file keeps only a cleaned
base name with an allowed suffix.

A project belongs to the browser that made it (its Solara session cookie, kept until 2038): two
strategists on one server never see each other's projects. A project's id (12 hex digits) is
also its share code: whoever has it may open the project from another browser.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from commsim.sim.errors import UserError

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".gz")
MAX_UPLOAD_MB = 200  # an export larger than this is refused before it is read (COMMSIM_WORKBENCH_MAX_MB)
SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, created REAL NOT NULL,
    export TEXT, settings TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL, words TEXT NOT NULL, folder TEXT NOT NULL, status TEXT NOT NULL,
    pid INTEGER, started REAL, ended REAL, returncode INTEGER, message TEXT NOT NULL DEFAULT '',
    export_generation INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS jobs_by_project ON jobs(project);
"""


class WorkbenchError(UserError, ValueError):
    """Something a strategist asked of the workbench that it refuses; the message says why."""


@dataclass
class Project:
    id: str
    owner: str
    name: str
    created: float
    export: str | None  # the uploaded file's name inside the project folder
    settings: dict  # columns, timezone, day_start, ... chosen for the export
    folder: Path


@dataclass
class Job:
    id: int
    project: str
    kind: str  # observe, calibrate, compare, optimize
    words: list  # the command line after `commsim <kind>`
    folder: Path  # where the command writes (inside the project folder)
    status: str  # running, finished, failed, stopped
    pid: int | None
    started: float | None
    ended: float | None
    returncode: int | None
    message: str
    export_generation: int  # which upload of the project's export it ran on


def clean_name(name: str) -> str:
    """An uploaded file's name as it is kept: the base name only, letters (any script), digits and
    ``._-`` kept, everything else ``_``, at most 120 characters (its suffix kept); its suffix must be
    one of :data:`SUFFIXES` (``.xlsx`` not gzipped: a workbook is compressed already)."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    kept = "".join(ch if (ch.isalnum() or ch in "._-") else "_" for ch in base).lstrip(".")
    lower = kept.lower()
    if not kept or not lower.endswith(SUFFIXES) or lower in SUFFIXES or lower.endswith((".xlsx.gz", ".parquet.gz")):
        raise WorkbenchError(f"{name!r}: not an export the workbench reads; allowed: "
                             f"{', '.join(SUFFIXES)} (CSV, TSV, Excel .xlsx, Parquet, or CSV/TSV gzipped)")
    suffix = "." + ".".join(kept.split(".")[-2:]) if lower.endswith(".gz") else "." + kept.rsplit(".", 1)[-1]
    return kept if len(kept) <= 120 else kept[:120 - len(suffix)] + suffix


class Store:
    """Projects and jobs under ``root`` (created when missing)."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        (self.root / "projects").mkdir(parents=True, exist_ok=True)
        self.db = self.root / "workbench.sqlite"
        with closing(self._connect()) as con, con:
            con.executescript(SCHEMA)
            columns = {row["name"] for row in con.execute("PRAGMA table_info(jobs)")}
            if "export_generation" not in columns:  # a database from before jobs recorded their export
                con.execute("ALTER TABLE jobs ADD COLUMN export_generation INTEGER NOT NULL DEFAULT 0")

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.db, timeout=30)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        return con

    # -------------------------------------------------------------- projects
    def create(self, owner: str, name: str) -> Project:
        name = re.sub(r"\s+", " ", str(name)).strip()[:80]
        if not name:
            raise WorkbenchError("a project needs a name")
        pid = secrets.token_hex(6)
        (self.root / "projects" / pid).mkdir()
        with closing(self._connect()) as con, con:
            con.execute("INSERT INTO projects (id, owner, name, created) VALUES (?, ?, ?, ?)",
                        (pid, owner, name, time.time()))
        return self.project(pid)

    def projects(self, owner: str) -> list[Project]:
        with closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM projects WHERE owner = ? ORDER BY created", (owner,)).fetchall()
        return [self._project(r) for r in rows]

    def project(self, pid: str) -> Project:
        if not re.fullmatch(r"[0-9a-f]{12}", str(pid).strip().lower()):
            raise WorkbenchError(f"{pid!r} is not a project code (12 letters and digits, 0-9 and a-f)")
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM projects WHERE id = ?", (str(pid).strip().lower(),)).fetchone()
        if row is None:
            raise WorkbenchError(f"no project {pid!r} on this workbench")
        return self._project(row)

    def _project(self, row) -> Project:
        return Project(row["id"], row["owner"], row["name"], row["created"], row["export"],
                       json.loads(row["settings"]), self.root / "projects" / row["id"])

    def update(self, project: Project, **settings) -> Project:
        merged = {**project.settings, **settings}
        with closing(self._connect()) as con, con:
            con.execute("UPDATE projects SET settings = ? WHERE id = ?", (json.dumps(merged), project.id))
        return self.project(project.id)

    def path_in(self, project: Project, relative) -> Path:
        """``relative`` inside the project's folder, resolved; refused if it leads anywhere else."""
        folder = project.folder.resolve()
        path = (folder / str(relative)).resolve()
        if path != folder and folder not in path.parents:
            raise WorkbenchError(f"{relative!r} is outside the project's folder")
        return path

    def save_export(self, project: Project, name: str, size: int, read, limit_mb: float = MAX_UPLOAD_MB) -> Project:
        """Keep an uploaded export of ``size`` bytes, whose bytes ``read()`` returns, as the project's
        export (replacing any earlier one: the settings chosen for it are cleared)."""
        kept = clean_name(name)
        if size > limit_mb * 1024 * 1024:
            raise WorkbenchError(f"{name}: {size / 1024 / 1024:,.1f} MB is more than the workbench takes "
                                 f"({limit_mb:g} MB); split the export by date, or run `commsim calibrate` on it")
        if size == 0:
            raise WorkbenchError(f"{name}: the file is empty")
        data = read()
        if len(data) > limit_mb * 1024 * 1024:
            raise WorkbenchError(f"{name}: more than {limit_mb:g} MB")
        folder = self.path_in(project, "export")
        folder.mkdir(exist_ok=True)
        target = folder / kept
        partial = folder / f".{kept}.partial"
        partial.write_bytes(data)
        partial.replace(target)  # the earlier export stays until the new one is complete
        generation = int(self.project(project.id).settings.get("export_generation", 0)) + 1
        with closing(self._connect()) as con, con:
            con.execute("UPDATE projects SET export = ?, settings = ? WHERE id = ?",
                        (f"export/{kept}", json.dumps({"export_generation": generation}), project.id))
        for old in folder.iterdir():
            if old != target:
                old.unlink()
        return self.project(project.id)

    # ------------------------------------------------------------------- jobs
    def add_job(self, project: Project, kind: str, words: list[str]) -> Job:
        with closing(self._connect()) as con, con:
            cur = con.execute("INSERT INTO jobs (project, kind, words, folder, status, export_generation) "
                              "VALUES (?, ?, ?, '', 'queued', ?)", (project.id, kind, json.dumps(words, ensure_ascii=False),
                                                                   int(project.settings.get("export_generation", 0))))
            jid = cur.lastrowid
            con.execute("UPDATE jobs SET folder = ? WHERE id = ?", (f"{kind}-{jid}", jid))
        return self.job(jid)

    def job(self, jid: int) -> Job:
        with closing(self._connect()) as con:
            row = con.execute("SELECT * FROM jobs WHERE id = ?", (int(jid),)).fetchone()
        if row is None:
            raise WorkbenchError(f"no job {jid}")
        return self._job(row)

    def jobs(self, project: Project, kind: str | None = None) -> list[Job]:
        query, args = "SELECT * FROM jobs WHERE project = ?", [project.id]
        if kind:
            query, args = query + " AND kind = ?", args + [kind]
        with closing(self._connect()) as con:
            rows = con.execute(query + " ORDER BY id", args).fetchall()
        return [self._job(r) for r in rows]

    def _job(self, row) -> Job:
        return Job(row["id"], row["project"], row["kind"], json.loads(row["words"]),
                   self.root / "projects" / row["project"] / row["folder"], row["status"], row["pid"], row["started"],
                   row["ended"], row["returncode"], row["message"], row["export_generation"])

    def claim(self, jid: int) -> bool:
        """Mark job ``jid`` as being started, unless it is running (or being started) already: one
        atomic update, so two clicks -- or two pages -- start it once."""
        with closing(self._connect()) as con, con:
            cur = con.execute("UPDATE jobs SET status = 'running', pid = NULL, started = ?, ended = NULL, "
                              "returncode = NULL, message = '' WHERE id = ? AND status != 'running'",
                              (time.time(), int(jid)))
        return cur.rowcount == 1

    def set_job(self, jid: int, **fields) -> Job:
        allowed = {"status", "pid", "started", "ended", "returncode", "message"}
        if not fields or set(fields) - allowed:
            raise ValueError(f"job fields: {sorted(allowed)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        with closing(self._connect()) as con, con:
            con.execute(f"UPDATE jobs SET {sets} WHERE id = ?", (*fields.values(), int(jid)))
        return self.job(jid)
