"""Clocks: where the engine gets "now" and how it waits.

The engine never reads the time itself; it is handed a clock. ``WallClock`` waits by sleeping
until shortly before the deadline and spinning on ``time.perf_counter()`` for the rest, which is
what makes sub-millisecond onsets possible on a general-purpose OS. ``ManualClock`` makes
time a plain number that waiting advances, so engine tests run instantly and deterministically.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        """Return at ``deadline``, or early (False) when ``wake`` is set."""


class WallClock:
    """Sleep-then-spin waiting on ``time.perf_counter()``.

    ``spin`` is how long before the deadline the thread stops sleeping and starts polling;
    sleeping closer risks oversleeping by a scheduler quantum, spinning longer costs CPU.
    """

    def __init__(self, spin: float = 0.0012) -> None:
        self.spin = spin

    def now(self) -> float:
        return time.perf_counter()

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        perf = time.perf_counter
        remaining = deadline - perf()
        if remaining > self.spin:
            if wake is not None:
                if wake.wait(remaining - self.spin):
                    return False
            else:
                time.sleep(remaining - self.spin)
        while perf() < deadline:
            if wake is not None and wake.is_set():
                return False
        return True


class ManualClock:
    """Time that moves only when the engine waits (or a test calls ``advance``)."""

    def __init__(self, start: float = 0.0) -> None:
        self.time = start
        self.waits = 0

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        self.waits += 1
        if wake is not None and wake.is_set():
            return False
        self.time = max(self.time, deadline)
        return True
