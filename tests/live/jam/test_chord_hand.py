"""Chord following: naming held notes, the sampler's held-chord override, and the jam's
chord zone (a channel or below a split point) steering the notes the engine chooses."""

from __future__ import annotations

import numpy as np
import pytest
from jam_fakes import BEAT, jam_engine, notes
from musicai.live.jam.controller import JamSetup
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.theory_sampler import TheorySampler
from musicai.live.theory.held import held_chord
from musicai.live.theory.notes import mask_of


@pytest.mark.parametrize(("held", "name"), [
    ((57, 60, 64), "Am"), ((48, 52, 55, 58), "C7"), ((52, 55, 60), "C/E"), ((43, 47, 50, 53), "G7"),
    ((55, 60, 62), "Gsus4"), ((60, 63, 66, 69), "C°7"), ((40, 47), "E5"), ((45,), "A"),
    ((50, 53, 57, 60), "Dm7"),
])
def test_held_notes_are_named_and_keep_their_tones(held: tuple[int, ...], name: str) -> None:
    chord = held_chord(held)
    assert chord.name == name
    assert chord.mask == mask_of(held)
    assert held_chord(()) is None


def test_flats_follow_the_key() -> None:
    assert held_chord((58, 62, 65), flats=True).name == "Bb"
    assert held_chord((58, 62, 65)).name == "A#"


def chord_tone_share(sampler: TheorySampler, tones: set[int], n: int = 400) -> float:
    hits = 0
    for _ in range(n):
        choice = sampler.choose()
        if choice.pitch is not None:
            hits += choice.pitch % 12 in tones
    return hits / n


def test_a_held_chord_stands_in_for_the_progression_until_released() -> None:
    settings = SamplerSettings(key="C major", progression="I")
    sampler = TheorySampler(settings, seed=5)
    d_minor = held_chord((50, 53, 57))
    before = chord_tone_share(sampler, {2, 5, 9})
    sampler.hold_chord(d_minor)
    assert sampler.harmony_for(0) == sampler.harmony_for(99_999) == d_minor.mask
    assert sampler.chord_name_for(1920 * 3) == "Dm"
    during = chord_tone_share(sampler, {2, 5, 9})
    assert during > before + 0.1  # (the margin of the chord-zone test below)
    sampler.update(key="G major")  # a key change keeps the held chord
    assert sampler.harmony_for(0) == d_minor.mask
    sampler.hold_chord(None)
    assert sampler.chord_name_for(0) == "G"  # the progression (of the new key) is back


def test_holding_a_chord_is_cheap_after_the_first_time() -> None:
    import time

    sampler = TheorySampler(seed=1)
    chord = held_chord((57, 60, 64))
    sampler.hold_chord(chord)
    sampler.hold_chord(None)
    started = time.perf_counter()
    for _ in range(100):
        sampler.hold_chord(chord)
        sampler.hold_chord(None)
    assert (time.perf_counter() - started) / 200 < 0.001


def chord_tones_played(out, tones: set[int], start: float, end: float) -> list[bool]:
    return [p % 12 in tones for t, ch, p, _ in out.notes() if start < t < end and ch == 0]


@pytest.mark.parametrize("setup", [JamSetup(split=48), JamSetup(chord_channel=9)],
                         ids=["split", "channel"])
def test_the_chord_zone_sets_the_chord_while_held(setup: JamSetup) -> None:
    """D minor held for 12 bars under an A minor progression without it (i-VI-III-VII);
    the same seeds without the chord are the control."""
    channel = 9 if setup.chord_channel == 9 else 0
    d_minor = notes((4, 48, 38), (4, 48, 41), (4, 48, 45), channel=channel)
    held: list[bool] = []
    free: list[bool] = []
    for seed in range(4):
        engine, out, _, predictor = jam_engine(d_minor, setup, key="A minor", bars=16,
                                               seed=seed)
        control_engine, control, _, _ = jam_engine([], setup, key="A minor", bars=16,
                                                   seed=seed)
        chords: list[tuple[int, str]] = []
        engine.change_listeners.append(
            lambda tick, s, v, chords=chords: chords.append((tick, v.name if v else ""))
            if s == "held_chord" else None)
        engine.run()
        control_engine.run()
        assert [name for _, name in chords] == ["Dm", ""]  # pressed, released
        assert 4 * 480 <= chords[0][0] <= 8 * 480 and 52 * 480 <= chords[1][0] <= 56 * 480
        masks = {e.harmony for e in predictor.committed[12:30]}
        assert masks == {held_chord((38, 41, 45)).mask}  # the model hears the held chord
        held += chord_tones_played(out, {2, 5, 9}, 8 * BEAT, 52 * BEAT)
        free += chord_tones_played(control, {2, 5, 9}, 8 * BEAT, 52 * BEAT)
        assert engine.jam.absorbed == 0  # chord notes are not melody
        assert engine.snapshot.jam["held_chord"] == ""
    # D F A used more while D minor is held (the control's form cadences sit on Am and E,
    # whose tones share A with D minor, so the margin is smaller than before forms)
    assert np.mean(held) > np.mean(free) + 0.07
