"""Real-time scheduling is asked for on the engine's own thread, and only there."""

from __future__ import annotations

import os
import threading

import pytest
from musicai.live.engine.clock import WallClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.realtime import request_realtime
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.theory_sampler import TheorySampler

linux_only = pytest.mark.skipif(not hasattr(os, "sched_getscheduler"), reason="Linux only")


@linux_only
def test_the_request_changes_only_the_calling_thread() -> None:
    seen: dict[str, object] = {}

    def worker() -> None:
        seen["granted"] = request_realtime()
        seen["policy"] = os.sched_getscheduler(0)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the test's own thread is untouched
    expected = os.SCHED_FIFO if seen["granted"] else os.SCHED_OTHER
    assert seen["policy"] == expected


@linux_only
def test_a_wall_clock_engine_reports_what_it_got() -> None:
    clock = WallClock()
    engine = Engine(TheoryOnlyPredictor(), EngineSampler(TheorySampler(seed=1)),
                    RecordingOutput(clock=clock), clock=clock,
                    settings=EngineSettings(bpm=400, bars=1, preroll=0.01))
    policies: list[int] = []
    engine.listeners.append(lambda note: policies.append(os.sched_getscheduler(0)))
    thread = threading.Thread(target=engine.run)
    thread.start()
    thread.join(timeout=10)
    assert policies
    want = os.SCHED_FIFO if engine.realtime else os.SCHED_OTHER
    assert set(policies) == {want}
    assert engine.snapshot.realtime is engine.realtime
    if os.geteuid() == 0:
        assert engine.realtime  # root may always ask (CI runs as root)
