"""One command at a time per results folder: ``with hold(folder, what)``.

Two comparisons of one name (or two sweeps, or two calibrations into one folder) started at once
would both compute every run and race on the same files. The first to start takes an exclusive
``fcntl`` lock on ``<folder>/.commsim.lock`` and writes who it is into it; the second stops at once
with a message naming the holder (process, command, since when). The lock goes with its process
however that ends, so a killed command never leaves a stale lock behind.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from commsim.sim.errors import UserError

LOCK = ".commsim.lock"


class BusyError(UserError, RuntimeError):
    """Another commsim command is working in the same results folder."""


@contextmanager
def hold(folder, what: str):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except json.JSONDecodeError:
            holder = {}
        handle.close()
        raise BusyError(f"{folder} is in use by another {what}: process {holder.get('pid', '?')} "
                        f"({holder.get('command', '?')}, since {holder.get('since', '?')}); wait for it to finish, "
                        f"or give this one another name") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "command": " ".join(sys.argv)[:300],
                                 "since": dt.datetime.now().isoformat(timespec="seconds")}))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
