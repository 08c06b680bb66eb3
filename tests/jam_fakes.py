"""Test doubles for the jam on a manual clock: scripted input that wakes the engine on time.

``ScriptClock`` is a ``ManualClock`` whose waits stop at the next scripted MIDI message: the
message goes into the ``Inbox`` exactly as the input callback would put it there (stamped
with its scripted time), which wakes the engine, so a whole jam runs instantly and
deterministically, isobar-style.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from musicai.live.engine.clock import ManualClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.jam.controller import JamController, JamSetup
from musicai.live.midi.inbox import Inbox
from musicai.live.midi.recording import RecordingOutput
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler

BEAT = 0.5  # seconds at 120 bpm

Script = list[tuple[float, Sequence[int]]]


class ScriptClock(ManualClock):
    def __init__(self, inbox: Inbox, script: Iterable[tuple[float, Sequence[int]]]) -> None:
        super().__init__()
        self.inbox = inbox
        self.script: Script = sorted(script, key=lambda item: item[0])

    def wait_until(self, deadline: float, wake: threading.Event | None = None) -> bool:
        self.waits += 1
        if wake is not None and wake.is_set():
            return False
        while self.script and self.script[0][0] <= deadline:
            when, message = self.script.pop(0)
            self.time = max(self.time, when)
            self.inbox.feed(list(message), when)
            if wake is not None and wake.is_set():
                return False
        self.time = max(self.time, deadline)
        return True


class SpyPredictor(TheoryOnlyPredictor):
    """Flat logits; remembers every committed event (the engine's and the player's)."""

    def __init__(self) -> None:
        super().__init__()
        self.committed: list = []

    def commit(self, event, onset=None) -> None:
        self.committed.append(event)


def notes(*items: tuple[float, float, int], channel: int = 0, velocity: int = 90) -> Script:
    """(start beat, length in beats, pitch) -> timed note-on/note-off messages."""
    out: Script = []
    for start, length, pitch in items:
        out.append((start * BEAT, (0x90 | channel, pitch, velocity)))
        out.append(((start + length) * BEAT - 0.01, (0x80 | channel, pitch, 0)))
    return out


def jam_engine(script: Script, setup: JamSetup | None = None, *, key: str = "C major",
               bars: int = 8, seed: int = 3, controllers: Iterable[int] = (),
               clock_input: bool = False, **settings: object):
    """(engine, output, clock, predictor) with a jam fed from ``script``."""
    setup = setup or JamSetup()
    inbox = Inbox(controllers or (setup.cc.controllers if setup.cc else ()),
                  clock=clock_input or setup.sync)
    clock = ScriptClock(inbox, script)
    out = RecordingOutput(clock=clock)
    predictor = SpyPredictor()
    sampler = EngineSampler(TheorySampler(SamplerSettings(key=key), seed=seed))
    engine = Engine(predictor, sampler, out, clock=clock,
                    settings=EngineSettings(bpm=120.0, bars=bars, preroll=0.0, **settings))
    engine.jam = JamController(engine, inbox, setup)
    return engine, out, clock, predictor


def note_ons(out: RecordingOutput, channel: int | None = None) -> list[tuple[float, int]]:
    return [(round(t, 6), pitch) for t, ch, pitch, _ in out.notes()
            if channel is None or ch == channel]
