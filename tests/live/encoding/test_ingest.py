"""The ingestion rules of ``read_midi``, one hand-built file per rule."""

from __future__ import annotations

import io
from pathlib import Path

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from midi_factory import (
    SCALE,
    conductor,
    midi_bytes,
    notes_track,
    scale_notes,
    timed_track,
    write,
)
from musicai.live.encoding import DRUMS, DURATIONS, NoteEvent, pitch_class_mask
from musicai.live.encoding.ingest import Piece, read_midi, read_midi_bytes

C_MAJOR = pitch_class_mask([0, 4, 7])
F_MAJOR = pitch_class_mask([5, 9, 0])


def read(tmp_path: Path, tracks: list[mido.MidiTrack], *, min_notes: int = 8,
         **kwargs: int) -> Piece:
    return read_midi(write(tmp_path / "t.mid", tracks, **kwargs), min_notes=min_notes)


def shape(events: list[NoteEvent]) -> list[tuple[int | None, int]]:
    return [(e.pitch, e.duration) for e in events]


def scale_shape(length: int = 480) -> list[tuple[int | None, int]]:
    return [(p, length) for _, _, p in SCALE]


# Structure ------------------------------------------------------------------------------------

def test_type1_melody_track_reads_as_its_notes(tmp_path: Path) -> None:
    piece = read(tmp_path, [conductor(), notes_track(SCALE, name="tune")])
    assert piece.format == 1 and piece.ticks_per_beat == 480
    [part] = piece.parts
    assert (part.name, part.track, part.channel, part.instrument) == ("tune", 1, 0, 0)
    assert shape(part.events) == scale_shape()
    assert part.notes == 8 and part.ticks == 8 * 480


def test_type0_file_splits_channels_into_parts(tmp_path: Path) -> None:
    merged = mido.merge_tracks([notes_track(SCALE, channel=0),
                                notes_track(scale_notes(8, low=48), channel=3)])
    piece = read(tmp_path, [merged], kind=0)
    assert piece.format == 0
    assert [(p.track, p.channel) for p in piece.parts] == [(0, 0), (0, 3)]
    assert shape(piece.parts[1].events) == [(p, 480) for _, _, p in scale_notes(8, low=48)]


def test_multitrack_multichannel_parts_in_track_then_channel_order(tmp_path: Path) -> None:
    two_channels = mido.merge_tracks([notes_track(SCALE, channel=5),
                                      notes_track(SCALE, channel=2)])
    piece = read(tmp_path, [conductor(), two_channels, notes_track(SCALE, channel=0)])
    assert [(p.track, p.channel) for p in piece.parts] == [(1, 2), (1, 5), (2, 0)]


def test_type2_tracks_are_separate_sequences(tmp_path: Path) -> None:
    tracks = [notes_track(SCALE), notes_track([(0, 3840, 48)], channel=1)]
    piece = read(tmp_path, tracks, kind=2)
    assert piece.format == 2
    [part] = piece.parts
    assert {e.harmony for e in part.events} == {0}  # the other track is another sequence
    same_file_as_type1 = read(tmp_path, tracks, kind=1)
    assert same_file_as_type1.parts[0].events[0].harmony == pitch_class_mask([48])


def test_file_objects_and_bytes_read_like_paths(tmp_path: Path) -> None:
    data = midi_bytes([conductor(), notes_track(SCALE)])
    from_bytes = read_midi_bytes(data, "mem.mid")
    from_stream = read_midi(io.BytesIO(data))
    assert from_bytes.parts == from_stream.parts
    assert from_bytes.path == "mem.mid"


# Time -----------------------------------------------------------------------------------------

def test_tempo_and_meter_changes_do_not_change_durations(tmp_path: Path) -> None:
    changes = [(960, "set_tempo", {"tempo": mido.bpm2tempo(60)}),
               (1920, "time_signature", {"numerator": 7, "denominator": 8}),
               (2880, "set_tempo", {"tempo": mido.bpm2tempo(200)})]
    piece = read(tmp_path, [conductor(changes=changes), notes_track(SCALE)])
    assert shape(piece.parts[0].events) == scale_shape()
    assert piece.tempos == [(0, 120.0), (960, 60.0), (2880, 200.0)]
    assert piece.time_signatures == [(0, 4, 4), (1920, 7, 8)]


@pytest.mark.parametrize("resolution", [96, 384, 960, 100])
def test_other_resolutions_rescale_to_480(tmp_path: Path, resolution: int) -> None:
    def at(ticks: int) -> int:
        return ticks * resolution // 480
    notes = [(at(on), at(length), p) for on, length, p in
             [(0, 480, 60), (480, 240, 62), (720, 240, 64), (960, 720, 65), (1680, 240, 67),
              (1920, 160, 69), (2080, 160, 71), (2240, 160, 72), (2400, 960, 74)]]
    tempo = [(at(960), "set_tempo", {"tempo": 600000})]
    piece = read(tmp_path, [conductor(changes=tempo), notes_track(notes)],
                 ticks_per_beat=resolution)
    assert piece.ticks_per_beat == resolution
    assert shape(piece.parts[0].events) == [(60, 480), (62, 240), (64, 240), (65, 720),
                                            (67, 240), (69, 160), (71, 160), (72, 160),
                                            (74, 960)]
    assert piece.tempos[-1] == (960, 100.0)


def test_onsets_and_offsets_snap_to_the_grid(tmp_path: Path) -> None:
    sloppy = [(on + (7 if i % 2 else -6), 480 - 9, p) for i, (on, _, p) in enumerate(SCALE)]
    piece = read(tmp_path, [notes_track([(9, 470, 59), *sloppy[1:]])])
    assert shape(piece.parts[0].events) == [(59, 480), *scale_shape()[1:]]


def test_leading_silence_is_dropped(tmp_path: Path) -> None:
    late = [(on + 4 * 1920 + 240, length, p) for on, length, p in SCALE]
    events = read(tmp_path, [conductor(), notes_track(late)]).parts[0].events
    assert events[0].pitch == 60
    assert shape(events) == scale_shape()


def test_triplets_and_dotted_values(tmp_path: Path) -> None:
    rhythm = [160, 160, 160, 720, 240, 360, 120, 80, 80, 80, 1440, 640, 640, 640, 2880, 3840]
    notes, position = [], 0
    for i, length in enumerate(rhythm):
        notes.append((position, length, 60 + i))
        position += length
    events = read(tmp_path, [notes_track(notes)]).parts[0].events
    assert [e.duration for e in events] == rhythm


def test_long_notes_become_a_note_and_rests_and_long_gaps_several_rests(tmp_path: Path) -> None:
    notes = [(0, 5760, 60), *[(5760 + i * 480, 480, 62 + i) for i in range(7)]]
    notes.append((5760 + 7 * 480 + 9600, 480, 80))  # after a gap of five whole notes
    events = read(tmp_path, [notes_track(notes)]).parts[0].events
    assert shape(events[:2]) == [(60, 3840), (None, 1920)]
    gap = [e.duration for e in events[9:-1]]
    assert all(e.pitch is None for e in events[9:-1]) and sum(gap) == 9600
    assert gap == [3840, 3840, 1920]
    assert sum(e.duration for e in events) == notes[-1][0] + 480


# Note-on / note-off pairing ---------------------------------------------------------------------

def test_velocity_zero_note_on_is_a_note_off(tmp_path: Path) -> None:
    plain = read(tmp_path, [notes_track(SCALE)]).parts[0].events
    zero = read(tmp_path, [notes_track(SCALE, zero_velocity_off=True)]).parts[0].events
    assert zero == plain


def test_note_off_without_note_on_is_ignored(tmp_path: Path) -> None:
    stray = [(100, mido.Message("note_off", note=30)), (1000, mido.Message("note_off", note=90))]
    piece = read(tmp_path, [notes_track(SCALE, extra=stray)])
    assert shape(piece.parts[0].events) == scale_shape()
    assert piece.dropped.orphan_note_offs == 2


def test_retrigger_closes_the_sounding_note(tmp_path: Path) -> None:
    timed = [(0, 1, mido.Message("note_on", note=60, velocity=90)),
             (480, 1, mido.Message("note_on", note=60, velocity=90)),  # no note_off between
             (960, 0, mido.Message("note_off", note=60))]
    timed += [(960 + on, 1, mido.Message("note_on", note=p, velocity=90)) for on, _, p in SCALE]
    timed += [(960 + on + n, 0, mido.Message("note_off", note=p)) for on, n, p in SCALE]
    piece = read(tmp_path, [timed_track(timed)])
    assert shape(piece.parts[0].events[:3]) == [(60, 480), (60, 480), (60, 480)]
    assert piece.dropped.retriggers == 1


def test_notes_never_closed_end_with_their_track(tmp_path: Path) -> None:
    timed = [(on, 1, mido.Message("note_on", note=p, velocity=90)) for on, _, p in SCALE]
    timed += [(on + n, 0, mido.Message("note_off", note=p)) for on, n, p in SCALE[:-1]]
    track = timed_track(timed)
    track.append(mido.MetaMessage("end_of_track", time=960))  # last note on at 3360
    piece = read(tmp_path, [track])
    assert shape(piece.parts[0].events)[-1] == (72, 960)
    assert piece.dropped.unclosed_notes == 1


# Polyphony ------------------------------------------------------------------------------------

def test_chords_keep_the_top_note_and_the_rest_is_harmony(tmp_path: Path) -> None:
    chords = [(i * 480, 480, p + d) for i, (_, _, p) in enumerate(SCALE) for d in (0, -5, -9)]
    events = read(tmp_path, [notes_track(chords)]).parts[0].events
    assert shape(events) == scale_shape()
    assert events[0].harmony == pitch_class_mask([60 - 5, 60 - 9])  # G and D#
    assert read(tmp_path, [notes_track(chords)]).dropped.skyline_notes == 16


def test_note_under_a_sounding_higher_note_is_dropped_and_kept_notes_are_cut(
        tmp_path: Path) -> None:
    notes = [(0, 1920, 72),  # held high C
             (480, 960, 64),  # starts under it: dropped, but harmony for what follows
             (960, 1920, 76),  # higher: kept, cuts the C at 960
             *[(2880 + i * 480, 480, 60 + i) for i in range(7)]]
    piece = read(tmp_path, [notes_track(notes)])
    events = piece.parts[0].events
    assert shape(events[:3]) == [(72, 960), (76, 1920), (60, 480)]
    assert piece.dropped.skyline_notes == 1
    assert events[1].harmony == pitch_class_mask([64])  # E was dropped; the held C is melody


def test_lower_note_after_the_higher_ends_is_kept(tmp_path: Path) -> None:
    notes = [(0, 480, 72), (480, 480, 60), *scale_notes(7, start=960)]
    assert shape(read(tmp_path, [notes_track(notes)]).parts[0].events)[:2] == [(72, 480),
                                                                                (60, 480)]


def test_harmony_comes_from_other_parts(tmp_path: Path) -> None:
    chords = [(0, 1920, p) for p in (48, 52, 55)] + [(1920, 1920, p) for p in (53, 57, 60)]
    piece = read(tmp_path, [notes_track(SCALE), notes_track(chords, channel=1)])
    [melody] = piece.parts  # the chord part has only two melody notes
    assert [e.harmony for e in melody.events] == [C_MAJOR] * 4 + [F_MAJOR] * 4
    assert piece.dropped.short_parts == 1


def test_harmony_under_rests_and_melodies_harmonise_each_other(tmp_path: Path) -> None:
    upper = [(0, 120, 72), *[(960 + i * 480, 480, 72 + i) for i in range(7)]]
    lower = [(i * 480, 480, 48 + i) for i in range(8)]
    piece = read(tmp_path, [notes_track(upper), notes_track(lower, channel=1)])
    top, bottom = piece.parts
    assert shape(top.events[:3]) == [(72, 120), (None, 720), (None, 120)]
    assert top.events[1].harmony == pitch_class_mask([48])  # sounding at tick 120
    assert top.events[2].harmony == pitch_class_mask([49])  # sounding at tick 840
    assert bottom.events[0].harmony == pitch_class_mask([72])


def test_drums_are_never_melody_nor_harmony(tmp_path: Path) -> None:
    drums = [(i * 240, 120, 36 + i % 4) for i in range(32)]
    piece = read(tmp_path, [notes_track(SCALE), notes_track(drums, channel=9)])
    [part] = piece.parts
    assert part.channel == 0 and {e.harmony for e in part.events} == {0}
    assert piece.dropped.drum_parts == 1
    only_drums = read(tmp_path, [notes_track(drums, channel=9)])
    assert only_drums.parts == []


def test_drum_channel_instrument_is_drums(tmp_path: Path) -> None:
    from musicai.live.encoding.ingest import _instrument  # the rule itself, drums never reach it
    assert _instrument([], None, 9, 0, 1.0) == DRUMS  # type: ignore[arg-type]


# Instruments ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("program", "family"), [(None, 0), (0, 0), (41, 5), (73, 9),
                                                 (127, 15)])
def test_instrument_is_the_program_family(tmp_path: Path, program: int | None,
                                          family: int) -> None:
    part = read(tmp_path, [notes_track(SCALE, program=program)]).parts[0]
    assert part.instrument == family
    assert {e.instrument for e in part.events} == {family}


def test_instrument_uses_the_last_program_before_the_first_note(tmp_path: Path) -> None:
    late = [(0, mido.Message("program_change", program=16)),
            (0, mido.Message("program_change", program=33)),
            (960, mido.Message("program_change", program=0))]  # after the first note
    assert read(tmp_path, [notes_track(SCALE, extra=late)]).parts[0].instrument == 4


def test_program_change_in_another_track_counts_for_its_channel(tmp_path: Path) -> None:
    setup = timed_track([(0, 0, mido.Message("program_change", channel=2, program=56))])
    piece = read(tmp_path, [setup, notes_track(SCALE, channel=2), notes_track(SCALE)])
    assert [(p.channel, p.instrument) for p in piece.parts] == [(2, 7), (0, 0)]


# Melody rules ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("sounding", "expected"), [
    (240, [(60, 480)]),  # gap 240 is half the IOI, not more: the note takes it
    (200, [(60, 180), (None, 240), (None, 60)]),  # 200 is no duration: 180 + rests
    (120, [(60, 120), (None, 360)]),  # staccato: gap 360 > 240
    (380, [(60, 480)]),  # gap 100 is under a 16th
    (100, [(60, 120), (None, 360)]),  # 100 ticks cannot be written: the split moves
])
def test_staccato_gap_rule(tmp_path: Path, sounding: int, expected: list) -> None:
    notes = [(0, sounding, 60), *scale_notes(7, start=480, low=62)]
    assert shape(read(tmp_path, [notes_track(notes)]).parts[0].events)[:len(expected)] \
        == expected


def test_staccato_note_shorter_than_a_32nd_is_a_grace_note(tmp_path: Path) -> None:
    notes = [(0, 40, 60), *scale_notes(8, start=480, low=62)]
    piece = read(tmp_path, [notes_track(notes)])
    assert piece.parts[0].events[0].pitch == 62
    assert piece.dropped.grace_notes == 1


def test_short_gap_in_a_long_ioi_goes_to_the_note(tmp_path: Path) -> None:
    notes = [(0, 1800, 60), *scale_notes(7, start=1920, low=62)]  # gap 120 of 1920
    assert shape(read(tmp_path, [notes_track(notes)]).parts[0].events)[0] == (60, 1920)


def test_grace_notes_and_rolled_chords_merge_away(tmp_path: Path) -> None:
    notes = [(440, 30, 61),  # a grace note: 40 ticks after snapping
             *[(480 + i * 480 + d, 480 - d, p + d // 10) for i, (_, _, p) in enumerate(SCALE)
               for d in (0, 20, 40)]]  # rolled three-note chords, top note last
    piece = read(tmp_path, [notes_track(notes)])
    events = piece.parts[0].events
    assert [e.pitch for e in events if e.pitch] == [p + 4 for _, _, p in SCALE]
    assert events[0].duration == 480
    assert shape(events[-2:]) == [(76, 360), (None, 80)]  # the last top note sounds 440
    assert events[1].harmony == pitch_class_mask([62, 62 + 2])  # rolled notes are harmony
    assert piece.dropped.grace_notes == 1 + 16


def test_hundred_tick_spans_do_not_drift(tmp_path: Path) -> None:
    onsets = [0, 100, 580, 680, 780, 1260, 1360, 1840]
    notes = [(on, 60, 60 + i) for i, on in enumerate(onsets)]
    events = read(tmp_path, [notes_track(notes)]).parts[0].events
    assert all(e.duration in DURATIONS for e in events)
    starts = _starts(events)
    note_starts = [s for s, e in zip(starts, events, strict=True) if e.pitch is not None]
    assert all(abs(s - on) <= 20 for s, on in zip(note_starts, onsets, strict=True))
    assert sum(e.duration for e in events) in (1900, 1920)


def test_min_notes_decides_what_is_a_melody(tmp_path: Path) -> None:
    seven = [notes_track(SCALE[:7])]
    assert read(tmp_path, seven).parts == []
    assert read(tmp_path, seven).dropped.short_parts == 1
    assert len(read(tmp_path, seven, min_notes=7).parts) == 1
    with pytest.raises(ValueError, match="min_notes"):
        read(tmp_path, seven, min_notes=0)


def test_file_with_no_notes_is_a_piece_without_parts(tmp_path: Path) -> None:
    piece = read(tmp_path, [conductor(), mido.MidiTrack()])
    assert piece.parts == [] and piece.tempos == [(0, 120.0)]


def _starts(events: list[NoteEvent]) -> list[int]:
    out, position = [], 0
    for event in events:
        out.append(position)
        position += event.duration
    return out


# Any polyphony on the grid: every event is on the grid and the line keeps its place ------------

notes_strategy = st.lists(
    st.tuples(st.integers(0, 200).map(lambda q: q * 20), st.integers(1, 120).map(lambda q: q * 20),
              st.integers(40, 90)),
    min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(notes=notes_strategy)
def test_any_notes_give_grid_events_that_start_at_their_onsets(notes: list) -> None:
    from midi_factory import midi_bytes as build
    piece = read_midi_bytes(build([notes_track(notes)]), min_notes=1)
    if not piece.parts:
        return
    events = piece.parts[0].events
    assert all(e.duration in DURATIONS for e in events)
    assert events[0].pitch is not None
    onsets = {on for on, _, _ in notes}
    starts = [s for s, e in zip(_starts(events), events, strict=True) if e.pitch is not None]
    assert any(all(any(abs(first + s - on) <= 20 for on in onsets) for s in starts)
               for first in onsets)
