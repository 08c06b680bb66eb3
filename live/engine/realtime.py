"""Best-effort real-time scheduling for the engine thread.

On a loaded machine the OS scheduler, not our code, decides whether a note leaves on time:
measured here at load 8 on 2 cores, onset p99 was 50 ms as an ordinary thread and 0.10 ms
with the engine thread at SCHED_FIFO (bench/bench_engine_timing.py). Audio software asks for
real-time priority for this reason; we ask at a priority below a JACK server's (JACK's own
threads usually run at 70 or more) and simply carry on as an ordinary thread when the OS
says no (not root, no rtprio limit, not Linux).
"""

from __future__ import annotations

import os

#: Below JACK's real-time threads, above everything ordinary.
PRIORITY = 20


def request_realtime(priority: int = PRIORITY) -> bool:
    """Put the calling thread under SCHED_FIFO; True when the OS agreed."""
    setter = getattr(os, "sched_setscheduler", None)
    if setter is None or not hasattr(os, "SCHED_FIFO"):
        return False
    try:
        setter(0, os.SCHED_FIFO, os.sched_param(priority))  # 0: this thread, on Linux
    except (OSError, ValueError):
        return False
    return True
