"""The player's notes as grid events: snapping, legato, top voice, rests, lost ports."""

from __future__ import annotations

import itertools

import pytest
from musicai.live.encoding.grid import DURATIONS
from musicai.live.jam.quantise import MAX_REST, Quantiser


def test_onsets_snap_to_sixteenths_and_durations_come_from_the_grid() -> None:
    q = Quantiser()
    q.note_on(69, 7)
    q.note_off(69, 455)  # a quarter, played a little short
    q.note_on(72, 485)
    q.note_off(72, 700)  # an eighth and a bit: 240 fits
    assert q.take() == [(0, 69, 480), (480, 72, 240)]


def test_a_silence_becomes_rests_that_keep_the_next_onset() -> None:
    q = Quantiser()
    q.note_on(60, 0)
    q.note_off(60, 240)
    q.note_on(62, 960)
    events = q.take()
    assert events[0] == (0, 60, 240)
    assert [e[1] for e in events[1:]] == [None]
    assert events[1] == (240, None, 720)
    assert q.sounding == 62


def test_long_silences_are_cut_to_one_bar_of_rest() -> None:
    q = Quantiser()
    q.note_on(60, 0)
    q.note_off(60, 480)
    q.note_on(64, 480 * 20)
    q.note_off(64, 480 * 21)
    events = q.take()
    rests = [e for e in events if e[1] is None]
    assert sum(e[2] for e in rests) == MAX_REST
    assert rests[-1][0] + rests[-1][2] == 480 * 20  # the rests end where the note starts
    assert events[-1] == (480 * 20, 64, 480)


def test_legato_ends_the_previous_note_at_the_next_onset() -> None:
    q = Quantiser()
    q.note_on(60, 0)
    q.note_on(62, 480)  # 60 still held
    q.note_off(60, 600)  # released late: ignored, 62 took over
    q.note_off(62, 960)
    assert q.take() == [(0, 60, 480), (480, 62, 480)]


def test_two_notes_on_one_grid_tick_keep_the_top_voice() -> None:
    q = Quantiser()
    q.note_on(64, 10)
    q.note_on(67, 25)
    q.note_on(60, 30)
    q.note_off(67, 480)
    assert q.take() == [(0, 67, 480)]


def test_every_duration_is_on_the_grid_and_events_never_overlap() -> None:
    q = Quantiser()
    tick = 0.0
    for i, (length, gap) in enumerate([(100, 30), (333, 0), (1000, 250), (50, 70), (2900, 5)]):
        q.note_on(60 + i, tick)
        q.note_off(60 + i, tick + length)
        tick += length + gap
    events = q.take()
    assert all(d in DURATIONS for _, _, d in events)
    for (a, _, d), (b, _, _) in itertools.pairwise(events):
        assert a + d <= b


def test_a_lost_port_closes_the_sounding_note() -> None:
    q = Quantiser()
    q.note_on(60, 0)
    q.cancel()
    assert q.take() == [(0, 60, 120)]
    assert q.sounding is None


def test_the_grid_must_be_a_multiple_of_the_quantum() -> None:
    with pytest.raises(ValueError, match="multiple"):
        Quantiser(grid=50)
