"""Running the workbench's jobs: each is a ``commsim`` command in its own process group.

:func:`start` launches :mod:`experiments.workbench.task` for a job (the command's output going to
``<job folder>/workbench.log``); :func:`refresh` brings a job's status up to date from what is on
disk, so it holds across a restart of the server:

* ``workbench-exit.json`` in the job's folder: ``finished`` (status 0) or ``failed`` (the log's
  last lines say why);
* no such file and the job's process is alive: ``running``;
* no such file and no process: ``stopped`` -- killed, or the server's machine went down.
  :func:`start` on it runs the same command again in the same folder; comparisons, sweeps and
  optimisations reuse every run that had finished (their runs' done-markers), a calibration
  starts over.

:func:`progress` reads the latest ``[commsim] runs 12/45`` line of the log (sim/progress.py).
:func:`stop` ends a job's whole process group (its worker processes too).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from commsim.experiments.workbench.projects import Job, Store
from commsim.experiments.workbench.task import EXIT

LOG = "workbench.log"
PROGRESS = re.compile(r"\[commsim\] (?P<unit>[^|\d]*?)\s*(?P<done>\d+)/(?P<total>\d+)(?P<rest>.*)$")
DIED = "its process ended before the job did (stopped, or the server's machine went down)"
_children: dict[int, subprocess.Popen] = {}  # jobs this server started: reaped when they end


STARTING = 30.0  # seconds a claimed job may have no process yet (being started) before it counts as dead


def start(store: Store, job: Job) -> Job:
    """Run ``job``'s command (again, if it ran before) in its folder -- once, however many clicks: the
    job is read afresh and claimed in one update of the store before anything starts."""
    job = refresh(store, store.job(job.id))
    if job.status == "running" or not store.claim(job.id):
        return store.job(job.id)
    job.folder.mkdir(parents=True, exist_ok=True)
    (job.folder / EXIT).unlink(missing_ok=True)
    command = [sys.executable, "-m", "commsim.experiments.workbench.task", str(job.folder), job.kind, *job.words]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    with open(job.folder / LOG, "a", encoding="utf-8") as log:
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} commsim {job.kind} {' '.join(job.words)}\n")
        log.flush()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=job.folder.parent, env=env, start_new_session=True)
    _children[proc.pid] = proc
    if store.job(job.id).status != "running":  # stopped while it was being started (a new upload)
        os.killpg(proc.pid, signal.SIGTERM)
        return store.job(job.id)
    return store.set_job(job.id, status="running", pid=proc.pid, started=time.time(), ended=None, returncode=None,
                         message="")


def _alive(pid: int | None, folder: Path) -> bool:
    if not pid:
        return False
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if Path("/proc/self").exists():
        try:  # the pid may have been reused by another process since: its arguments must be this job's
            return str(folder) in cmdline.read_bytes().decode("utf-8", "replace").split("\0")
        except OSError:
            return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def refresh(store: Store, job: Job) -> Job:
    """``job`` with its status read from its folder and process (see the module docstring)."""
    if job.status not in ("running", "queued"):
        return job
    if job.status == "running" and not job.pid and time.time() - (job.started or 0) < STARTING:
        return job  # claimed, its process being started (an EXIT file there is the last run's)
    done = job.folder / EXIT
    if done.is_file():
        result = json.loads(done.read_text())
        code = int(result["returncode"])
        _children.pop(job.pid, None)
        return store.set_job(job.id, status="finished" if code == 0 else "failed", returncode=code,
                             ended=result["ended"], message="" if code == 0 else last_lines(job))
    if job.status == "running" and not _alive(job.pid, job.folder):
        if done.is_file():  # it finished between the two looks
            return refresh(store, job)
        _children.pop(job.pid, None)
        return store.set_job(job.id, status="stopped", ended=time.time(), message=DIED)
    return job


def refresh_all(store: Store, project) -> list[Job]:
    return [refresh(store, j) for j in store.jobs(project)]


def stop(store: Store, job: Job, patience: float = 10.0) -> Job:
    """End a running job and every process it started: SIGTERM to its process group, SIGKILL to
    whatever of it is left after ``patience`` seconds; stopped only once none of it is left (a job
    that finished meanwhile stays finished)."""
    job = refresh(store, job)
    if job.status == "running" and not job.pid:  # claimed, no process yet: it is not to start
        return store.set_job(job.id, status="stopped", ended=time.time(), message="stopped on request")
    if job.status != "running":
        return job
    for sig, wait in ((signal.SIGTERM, patience), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(job.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(job.pid):
            time.sleep(0.1)
        if not _group_alive(job.pid):
            break
    _children.pop(job.pid, None)
    if (job.folder / EXIT).is_file():
        return refresh(store, job)
    return store.set_job(job.id, status="stopped", ended=time.time(), message="stopped on request")


def _group_alive(pgid: int) -> bool:
    child = _children.get(pgid)
    if child is not None:
        child.poll()  # reap the leader, or it lingers as a zombie in its group
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def log_text(job: Job, limit: int = 20_000) -> str:
    path = job.folder / LOG
    if not path.is_file():
        return ""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - limit))
        return f.read().decode("utf-8", "replace")


def last_lines(job: Job, n: int = 12) -> str:
    lines = [line for line in log_text(job).splitlines() if line.strip() and not line.startswith("---")]
    return "\n".join(lines[-n:])


def progress(job: Job) -> tuple[float | None, str]:
    """The share done of the job's latest stage (None before its first progress line) and that
    line's words (``runs 12/45 | 10 s, ~30 s left``)."""
    for line in reversed(log_text(job).splitlines()):
        found = PROGRESS.search(line)
        if found:
            total = int(found["total"])
            share = int(found["done"]) / total if total else None
            words = f"{found['unit']} {found['done']}/{found['total']}{found['rest']}".strip()
            return share, words
        if line.startswith("--- "):
            break
    return None, ""
