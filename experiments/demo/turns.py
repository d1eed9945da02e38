"""Tabs take turns: one server-wide queue, first come first served, for the days the tabs step.

One Python server serves the whole class, and a simulated day's page update costs ~14 ms of it
(docs/classroom.md). With 30 tabs playing at the fastest speed, 30 threads want the interpreter at
once; Python hands it out unfairly, and the thread that serves the websockets (clicks in, page
updates out) is one of them. Measured 2026-12-05: several of 30 tabs advanced no day in 10 s while
others advanced 27 (issue 27.5).

:data:`TURNS` makes every step wait for its turn in arrival order, so with N tabs playing each gets
about 1/N of the server, and the websocket thread competes with one stepping thread, not N.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager


class Turns:
    """A first-come-first-served lock: ``with turns.turn(): ...`` runs when every earlier caller has
    had theirs (``threading.Lock`` promises no order; this hands the lock to the longest waiter)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._busy = False

    @contextmanager
    def turn(self):
        mine = threading.Event()
        with self._guard:
            if self._busy:
                self._waiting.append(mine)
            else:
                self._busy = True
                mine.set()
        mine.wait()
        try:
            yield
        finally:
            with self._guard:
                if self._waiting:
                    self._waiting.popleft().set()  # handed over: still busy, now theirs
                else:
                    self._busy = False

    @property
    def waiting(self) -> int:
        with self._guard:
            return len(self._waiting)


TURNS = Turns()
