"""SIGINT, SIGTERM and SIGHUP -> a clean stop (every sounding note released).

Python runs signal handlers on the main thread only, between bytecodes; the main thread of a
run waits on a queue with a timeout, so a handler runs within milliseconds even while the
engine thread sleeps or spins. The handler only asks the engine to stop (a non-blocking queue
put and an event set, both safe here): the engine wakes, sends its note-offs and panics. A
second signal means "now": the caller's ``force`` silences the port from the main thread.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
    if hasattr(signal, name)
)


class StopSignals:
    """What arrived: ``received`` holds the signal numbers, first first."""

    def __init__(self, stop: Callable[[], None], force: Callable[[], None]) -> None:
        self.stop = stop
        self.force = force
        self.received: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if len(self.received) == 1:
            self.stop()
        else:
            self.force()

    @property
    def name(self) -> str:
        return signal.Signals(self.received[0]).name if self.received else ""


@contextlib.contextmanager
def stop_on_signals(stop: Callable[[], None],
                    force: Callable[[], None]) -> Iterator[StopSignals]:
    """Route the stop signals to ``stop`` (then ``force``) while the block runs."""
    handler = StopSignals(stop, force)
    previous = {}
    for signum in STOP_SIGNALS:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (ValueError, OSError):  # not the main thread, or not settable here
            continue
    try:
        yield handler
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """Let a waiting engine thread take the GIL sooner (DESIGN: 4.5 ms -> 0.26 ms p99 late)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(old)
