"""What the screen needs from the engine side: the sampler's description for display, takes
that start mid-run, and ``perform`` running chores (a script) on its wait loop."""

from __future__ import annotations

import threading

import mido
from musicai.live.engine.clock import ManualClock, WallClock
from musicai.live.engine.loop import Engine, EngineSettings
from musicai.live.engine.snapshot import PlayedNote
from musicai.live.inference.predictor import TheoryOnlyPredictor
from musicai.live.midi.recording import RecordingOutput
from musicai.live.midi.take_file import TakeInfo, build
from musicai.live.perform import perform
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler


def test_describe_places_the_next_note_in_its_progression_and_phrase() -> None:
    sampler = EngineSampler(TheorySampler(SamplerSettings(progression="I-IV-V-I",
                                                          phrase_length=4, form="free"),
                                             seed=2))
    first = sampler.describe()
    assert (first["chord_index"], first["phrase_slot"], first["phrase_slots"]) == (0, 0, 4)
    assert first["strictness"] == 0.8
    slots = []
    while sampler.sampler.state.next_onset < 1920:  # the first bar
        sampler.choose(None, None, sampler.sampler.state.next_onset)
        slots.append(sampler.describe()["phrase_slot"])
    assert sampler.describe()["chord_index"] == 1 and sampler.describe()["chord"] == "F"
    assert set(slots) <= {0, 1, 2, 3} and len(set(slots)) > 1


def test_a_take_started_mid_run_begins_at_its_origin() -> None:
    info = TakeInfo(120, "C major", 1, "theory-only", origin=1920)
    notes = [(PlayedNote(t, 60 + i, 480, 90), 0) for i, t in enumerate((1440, 1920, 2400))]
    file = build(info, notes, [(2400, "key", "G major"), (960, "bpm", 100)])
    onsets, tick = [], 0
    for message in file.tracks[1]:
        tick += message.time
        if message.type == "note_on":
            onsets.append((tick, message.note))
    assert onsets == [(0, 61), (480, 62)]  # the note before the origin is left out
    markers, tick = [], 0
    for message in file.tracks[0]:
        tick += message.time
        if message.type == "marker":
            markers.append((tick, message.text))
    assert markers == [(0, "bpm=100"), (480, "key=G major")]
    assert isinstance(file, mido.MidiFile)


def _engine(bars: int | None) -> tuple[Engine, RecordingOutput]:
    out = RecordingOutput()
    engine = Engine(TheoryOnlyPredictor(), EngineSampler(TheorySampler(seed=1)), out,
                    clock=WallClock(), settings=EngineSettings(bpm=400, bars=bars,
                                                               preroll=0.01))
    return engine, out


def test_chores_run_on_the_headless_loop() -> None:
    engine, _ = _engine(bars=2)
    turns = threading.Event()
    perform(engine, None, None, chores=[turns.set])
    assert turns.is_set()


def test_the_manual_clock_engine_is_unchanged_by_the_description() -> None:
    clock = ManualClock()
    engine = Engine(TheoryOnlyPredictor(), EngineSampler(TheorySampler(seed=4)),
                    RecordingOutput(clock=clock), clock=clock,
                    settings=EngineSettings(bars=1, preroll=0.0))
    engine.run()
    assert {"chord_index", "phrase_slot", "phrase_slots"} <= set(engine.snapshot.sampler)
