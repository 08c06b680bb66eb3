"""A real engine on a manual clock that plays exactly as many notes as a test allows.

The predictor blocks in ``predict`` (called right after a note is published, before the next
note is chosen) until the test grants another note, so a command sent "now" lands at a known
note: no sleeps, no races. The first note's logits are a grant too: ``step(1)`` plays note 1.
Output is a ``RecordingOutput`` whose whole event list tests read.
"""

from __future__ import annotations

import asyncio
import threading
import time

from musicai.live.engine.clock import ManualClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler


class SteppedPredictor(TheoryOnlyPredictor):
    def __init__(self) -> None:
        super().__init__()
        self.permits = threading.Semaphore(0)
        self.waits = 0  # how many times the engine has come to wait here
        self.closed = False

    def predict(self, harmony: int, instrument: int = 0, onset: int | None = None):
        if not self.closed:
            self.waits += 1
            self.permits.acquire()
        return super().predict(harmony, instrument)


class SteppedEngine:
    """``await stepped.step(n)`` plays n more notes (rests count) and returns the snapshot."""

    def __init__(self, seed: int = 1, **settings: object) -> None:
        self.clock = ManualClock()
        self.output = RecordingOutput(clock=self.clock)
        self.predictor = SteppedPredictor()
        self.sampler = EngineSampler(TheorySampler(SamplerSettings(**settings), seed=seed))
        self.engine = Engine(self.predictor, self.sampler, self.output, clock=self.clock,
                             settings=EngineSettings(preroll=0.0))
        self.changes: list[tuple[int, str, object]] = []
        self.engine.change_listeners.append(lambda *c: self.changes.append(c))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self._granted = 0  # permits given: the engine waits for the next one after that many
        deadline = time.monotonic() + 5
        while self.predictor.waits < 1:  # parked before its first note
            assert time.monotonic() < deadline, "the engine did not start"
            time.sleep(0.001)

    def _run(self) -> None:
        try:
            self.engine.run()
        except BaseException:  # kept in engine.error
            return

    async def step(self, notes: int = 1, timeout: float = 5.0):
        """Grant ``notes`` notes; return once the engine has played them and is parked again
        (in ``predict`` for the note after), so nothing moves until the next step."""
        for _ in range(notes):
            self._granted += 1
            self.predictor.permits.release()
        async with asyncio.timeout(timeout):
            while self.predictor.waits <= self._granted:
                await asyncio.sleep(0.001)
        return self.engine.snapshot

    @property
    def played(self) -> list:
        return list(self.engine.snapshot.recent)

    def stop(self) -> None:
        self.engine.stop()
        self.predictor.closed = True
        self.predictor.permits.release()
        self.thread.join(5)
        assert not self.thread.is_alive()
