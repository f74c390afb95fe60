"""The time a training run counts for ``--max-minutes`` and ``--time-schedule``: wall time less the
time the process was stopped.

On the 2-core machine a run is paused (``kill -STOP``, then ``-CONT``) while browser tests or
benchmarks run. Counted in wall time, a pause would spend the run's minutes and move its cosine
on without training: a 110-minute run paused for 30 minutes would train 80 and end on a learning
rate it never trained at. A stopped process runs no code, so the clock notices a pause only
afterwards: a thread wakes every ``TICK`` seconds, and a wake-up later than ``GAP`` seconds after
the last one means the process was stopped for the excess. (A GPU run is never paused; the clock
counts the same there.)
"""
from __future__ import annotations

import threading
import time

TICK = 1.0  # seconds between the watcher's wake-ups
GAP = 5.0  # a wake-up this long after the last one: the process was stopped in between


class RunClock:
    """``seconds()``: wall seconds since the clock started, less those the process was stopped.
    ``watch=False`` starts no watcher thread (tests call ``tick`` with their own ``now``)."""

    def __init__(self, now=time.monotonic, watch: bool = True):
        self.now = now
        self.start = self.last = now()
        self.stopped = 0.0
        self._lock = threading.Lock()
        if watch:
            threading.Thread(target=self._watch, name="run-clock", daemon=True).start()

    def _gap(self, t: float) -> float:
        """Seconds stopped since the last wake-up, as seen at ``t``: all of a gap longer than GAP
        but the one TICK the watcher asked to wait."""
        return t - self.last - TICK if t - self.last > GAP else 0.0

    def tick(self) -> None:
        """One wake-up of the watcher."""
        with self._lock:
            t = self.now()
            self.stopped += self._gap(t)
            self.last = t

    def _watch(self) -> None:
        while True:
            time.sleep(TICK)
            self.tick()

    def seconds(self) -> float:
        """Also right after a pause, before the watcher has woken: the gap so far counts as stopped."""
        with self._lock:
            t = self.now()
            return t - self.start - self.stopped - self._gap(t)

    def share(self, minutes: float) -> float:
        """The share of a budget of ``minutes`` used so far (≥ 1: time is up)."""
        return self.seconds() / (60 * minutes)
