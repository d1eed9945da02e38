"""Terminal progress for long runs: days done, members, DAU, elapsed time.

``auto`` stays quiet for runs that finish within ``quiet_seconds`` (tests,
classroom steps) and prints a line every few seconds after that. Wall-clock
time only decides *whether to print*; it never touches results.
"""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total_days: int, mode: str = "auto", stream=None, quiet_seconds: float = 2.0,
                 every_seconds: float = 5.0):
        self.total = total_days
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = 0.0 if mode == "always" else quiet_seconds
        self.every = every_seconds
        self.start = time.perf_counter()
        self.last_print = self.start
        self.printed = False

    def update(self, day: int, members: int, dau: int) -> None:
        if self.mode == "never":
            return
        now = time.perf_counter()
        due = (now - self.start >= self.quiet) and (not self.printed or now - self.last_print >= self.every)
        if self.mode == "always":
            due = day == 1 or day == self.total or day % max(1, self.total // 10) == 0
        if due:
            self._print(day, members, dau, now)

    def close(self, day: int, members: int, dau: int) -> None:
        if self.printed:
            self._print(day, members, dau, time.perf_counter(), final=True)

    def _print(self, day, members, dau, now, final=False):
        elapsed = now - self.start
        rate = day / elapsed if elapsed > 0 else float("inf")
        eta = (self.total - day) / rate if rate > 0 else 0.0
        tail = f"done in {elapsed:.1f} s" if final else f"{elapsed:.1f} s, ~{eta:.0f} s left"
        print(f"[commsim] day {day:>5}/{self.total} | members {members:>10,} | DAU {dau:>9,} | {tail}",
              file=self.stream, flush=True)
        self.printed = True
        self.last_print = now
