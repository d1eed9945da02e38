"""Progress of long work -- the days of one run, or the runs of many -- in one format.

``[commsim] day   120/365 | members 12,345 | DAU 1,234 | 3.1 s, ~6 s left``
``[commsim] runs   12/45  | 10 s, ~30 s left``

On a terminal the line is updated in place; into a log file (or a pipe) it is
written line by line, every few seconds. ``auto`` stays quiet for work that
finishes within ``quiet_seconds`` (tests, classroom steps); ``always`` prints
about every tenth of the way; ``never`` prints nothing. Wall-clock time only
decides *whether to print*; it never touches results.
"""

from __future__ import annotations

import sys
import time

MODES = ("auto", "always", "never")


class Progress:
    def __init__(self, total: int, mode: str = "auto", unit: str = "day", stream=None,
                 quiet_seconds: float = 2.0, every_seconds: float = 5.0):
        if mode not in MODES:
            raise ValueError(f"progress mode {mode!r}; allowed: {', '.join(MODES)}")
        self.total = total
        self.mode = mode
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.in_place = bool(getattr(self.stream, "isatty", lambda: False)())
        self.quiet = 0.0 if mode == "always" else quiet_seconds
        self.every = 0.25 if self.in_place else every_seconds
        self.start = time.perf_counter()
        self.last_print = self.start
        self.printed = False
        self.done = 0

    def update(self, done: int, detail: str = "") -> None:
        self.done = done
        if self.mode == "never":
            return
        now = time.perf_counter()
        if self.mode == "always" and not self.in_place:
            due = done == 1 or done == self.total or done % max(1, self.total // 10) == 0
        else:
            due = (now - self.start >= self.quiet) and (not self.printed or now - self.last_print >= self.every)
        if due:
            self._print(done, detail, now)

    def close(self, detail: str = "") -> None:
        if self.printed:
            self._print(self.done, detail, time.perf_counter(), final=True)

    def _print(self, done: int, detail: str, now: float, final: bool = False) -> None:
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else float("inf")
        eta = (self.total - done) / rate if rate > 0 else 0.0
        tail = f"done in {elapsed:.1f} s" if final else f"{elapsed:.1f} s, ~{eta:.0f} s left"
        width = len(str(self.total))
        parts = [f"[commsim] {self.unit} {done:>{width}}/{self.total}"] + ([detail] if detail else []) + [tail]
        line = " | ".join(parts)
        if self.in_place:
            end = "\n" if final else ""
            print(f"\r{line}\x1b[K", end=end, file=self.stream, flush=True)
        else:
            print(line, file=self.stream, flush=True)
        self.printed = True
        self.last_print = now
