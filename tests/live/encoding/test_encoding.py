"""The grid, note events, the vocabulary, and melodies through a MIDI file and back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from musicai.live.encoding import (
    DRUMS,
    DURATIONS,
    QUANTUM,
    TICKS_PER_QUARTER,
    NoteEvent,
    Vocabulary,
    harmony_features,
    pitch_class_mask,
    transpose,
)
from musicai.live.encoding.events import rotate_mask, total_ticks
from musicai.live.encoding.grid import DURATION_NAMES, snap, split_span
from musicai.live.encoding.ingest import read_midi
from musicai.live.encoding.midi_io import canonical, read_melody, write_melody
from musicai.live.errors import EncodingError, MidiFileError, PitchRangeError, VocabularyError

# Grid -----------------------------------------------------------------------------------------

def test_durations_are_the_documented_grid() -> None:
    assert TICKS_PER_QUARTER == 480 and QUANTUM == 20
    assert list(DURATIONS) == sorted(set(DURATIONS))
    assert DURATIONS[0] == 60 and DURATIONS[-1] == 3840
    assert set(DURATION_NAMES) == set(DURATIONS)
    assert all(d % QUANTUM == 0 for d in DURATIONS)
    assert {80, 160, 320, 640} <= set(DURATIONS)  # triplets
    assert {180, 360, 720, 1440, 2880} <= set(DURATIONS)  # dotted


def test_split_span_adds_up_for_every_grid_span() -> None:
    for span in range(0, 4 * 3840 + 1, 20):
        pieces = split_span(span)
        assert all(p in DURATIONS for p in pieces), span
        assert pieces == sorted(pieces, reverse=True), span
        if span in (20, 40, 100):  # the only spans no grid durations add up to
            assert span - sum(pieces) < 60
        else:
            assert sum(pieces) == span, span


def test_split_span_keeps_grid_values_whole_and_cuts_long_ones() -> None:
    assert all(split_span(d) == [d] for d in DURATIONS)
    assert split_span(200) == [120, 80]
    assert split_span(5760) == [3840, 1920]
    assert split_span(10 * 3840) == [3840] * 10


def test_snap_rounds_to_the_quantum() -> None:
    assert [snap(t) for t in (0, 9, 10, 29, 30, 481.2)] == [0, 0, 20, 20, 40, 480]


# Note events ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"pitch": 128, "duration": 480}, {"pitch": -1, "duration": 480},
    {"pitch": 60, "duration": 100}, {"pitch": 60, "duration": 0},
    {"pitch": 60, "duration": 480, "harmony": 4096},
    {"pitch": 60, "duration": 480, "instrument": 17},
    {"pitch": None, "duration": 480, "instrument": -1},
])
def test_note_event_refuses_what_the_encoding_cannot_hold(fields: dict) -> None:
    with pytest.raises(EncodingError):
        NoteEvent(**fields)


def test_note_event_basics() -> None:
    rest = NoteEvent(None, 240)
    assert rest.is_rest and not NoteEvent(60, 240).is_rest
    assert NoteEvent(60, 240, instrument=DRUMS).instrument == 16
    assert total_ticks([rest, NoteEvent(60, 480)]) == 720
    assert pitch_class_mask([60, 64, 67, 72]) == 0b10010001


def test_transpose_moves_pitch_and_rotates_harmony() -> None:
    events = [NoteEvent(60, 480, pitch_class_mask([0, 4, 7]), 5), NoteEvent(None, 240, 0b1)]
    up = transpose(events, 2)
    assert [e.pitch for e in up] == [62, None]
    assert up[0].harmony == pitch_class_mask([2, 6, 9]) and up[1].harmony == 0b100
    assert up[0].instrument == 5 and up[0].duration == 480
    assert transpose(transpose(events, -7), 7) == events
    assert rotate_mask(0b100000000000, 1) == 0b1  # B wraps round to C


def test_transpose_out_of_range_names_the_pitch() -> None:
    with pytest.raises(PitchRangeError, match="108"):
        transpose([NoteEvent(100, 480)], 8, low=21, high=107)
    assert transpose([NoteEvent(120, 480)], 7)[0].pitch == 127
    with pytest.raises(PitchRangeError):
        transpose([NoteEvent(5, 480)], -6)


# Vocabulary -----------------------------------------------------------------------------------

def test_vocabulary_ids_both_ways() -> None:
    vocab = Vocabulary()
    assert vocab.pitch_id(None) == vocab.rest_id == 0
    assert vocab.pitch_id(21) == 1 and vocab.pitch_id(108) == 88
    assert vocab.n_pitches == 89 and vocab.bos_id == 89 and vocab.n_pitch_inputs == 90
    for pitch in [None, *range(21, 109)]:
        assert vocab.pitch_of(vocab.pitch_id(pitch)) == pitch
    for index, ticks in enumerate(DURATIONS):
        assert vocab.duration_id(ticks) == index and vocab.duration_of(index) == ticks
    assert vocab.n_instruments == 17


@pytest.mark.parametrize("call", [
    lambda v: v.pitch_id(20), lambda v: v.pitch_id(109), lambda v: v.pitch_of(89),
    lambda v: v.pitch_of(-1), lambda v: v.duration_id(100), lambda v: v.duration_of(16),
])
def test_vocabulary_refuses_ids_out_of_range(call) -> None:
    with pytest.raises(EncodingError):
        call(Vocabulary())


def test_vocabulary_encodes_and_decodes_melodies() -> None:
    vocab = Vocabulary()
    events = [NoteEvent(60, 480, 145, 3), NoteEvent(None, 240, 0, 3), NoteEvent(108, 3840, 4095)]
    encoded = vocab.encode(events)
    assert len(encoded) == 3 and encoded.pitch.dtype == np.int16
    assert vocab.decode(encoded) == events
    features = harmony_features(encoded.harmony)
    assert features.shape == (3, 12) and features[0].tolist() == [
        1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0]


def test_vocabulary_json_round_trip() -> None:
    vocab = Vocabulary(pitch_min=36, pitch_max=96)
    text = vocab.to_json()
    data = json.loads(text)
    assert data["duration_names"][0] == "1/32" and data["bos_id"] == vocab.bos_id
    assert Vocabulary.from_json(text) == vocab
    assert Vocabulary.from_json(text).duration_id(480) == 8


def test_unsupported_vocabulary_version_names_both_versions() -> None:
    data = json.loads(Vocabulary().to_json())
    data["version"] = 99
    with pytest.raises(VocabularyError) as info:
        Vocabulary.from_json(json.dumps(data))
    assert "99" in str(info.value) and "1" in str(info.value).replace("99", "")


@pytest.mark.parametrize("text", ["", "[]", "{}", '{"version": 1}', "not json"])
def test_malformed_vocabulary_descriptions(text: str) -> None:
    with pytest.raises(VocabularyError):
        Vocabulary.from_json(text)


# Melodies through MIDI files ------------------------------------------------------------------

def test_write_then_read_is_exact_for_canonical_events(tmp_path: Path) -> None:
    events = [
        NoteEvent(60, 480, pitch_class_mask([0, 4, 7]), 5),
        NoteEvent(60, 480, pitch_class_mask([0, 4, 7]), 5),  # repeated pitch
        NoteEvent(60, 240, pitch_class_mask([5, 9]), 5),
        NoteEvent(None, 720, pitch_class_mask([5, 9]), 5),  # a rest longer than the note
        NoteEvent(62, 160, 0, 5), NoteEvent(64, 160, 0, 5), NoteEvent(65, 160, 1, 5),  # triplet
        NoteEvent(67, 720, 2, 5), NoteEvent(69, 240, 4, 5),  # dotted
        NoteEvent(71, 3840, 4095, 5),  # breve
        NoteEvent(None, 3840, 0, 5), NoteEvent(None, 3840, 7, 5),
        NoteEvent(72, 60, 0, 5),
    ]
    assert canonical(events) == events
    path = write_melody(tmp_path / "m.mid", events, bpm=90, title="test tune")
    assert read_melody(path) == events
    piece = read_midi(path, min_notes=1)
    assert piece.tempos == [(0, 90.0)] and piece.time_signatures == [(0, 4, 4)]
    assert piece.parts[0].name == "melody" and piece.parts[0].instrument == 5


def test_canonical_is_the_reading_of_the_events() -> None:
    events = [NoteEvent(None, 480, 1), NoteEvent(60, 480, 2, 3), NoteEvent(None, 60, 3),
              NoteEvent(62, 480, 4, 7), NoteEvent(None, 240), NoteEvent(None, 240, 5),
              NoteEvent(64, 80, 6), NoteEvent(None, 80, 6), NoteEvent(65, 480),
              NoteEvent(None, 960)]
    assert canonical(events) == [
        NoteEvent(60, 480, 2, 3), NoteEvent(None, 60, 3, 3),  # 60-tick rest: note takes it
        NoteEvent(62, 960, 4, 3),  # a rest no longer than the note goes to the note
        NoteEvent(64, 160, 6, 3),  # 80 + an 80-tick rest: shorter than a 16th
        NoteEvent(65, 480, 0, 3),  # trailing rest dropped; leading rest dropped
    ]
    assert canonical([NoteEvent(None, 480)]) == []


def test_write_is_atomic_and_names_the_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "keep.mid"
    write_melody(target, [NoteEvent(60, 480)])
    before = target.read_bytes()
    with pytest.raises(ValueError, match="bpm"):
        write_melody(target, [NoteEvent(62, 480)], bpm=0)
    with pytest.raises(ValueError, match="time signature"):
        write_melody(target, [NoteEvent(62, 480)], time_signature=(3, 5))
    with pytest.raises(TypeError):
        write_melody(target, [(62, 480)])  # type: ignore[list-item]
    with pytest.raises(MidiFileError, match="missing"):
        write_melody(tmp_path / "missing" / "x.mid", [NoteEvent(60, 480)])
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mid"]


def test_non_latin_title_is_written(tmp_path: Path) -> None:
    path = write_melody(tmp_path / "t.mid", [NoteEvent(60, 480)], title="Für Elise – 第1")
    assert read_melody(path) == [NoteEvent(60, 480)]


def test_drum_melodies_are_written_on_channel_ten_but_do_not_read_back(tmp_path: Path) -> None:
    drums = [NoteEvent(36, 240, 0, DRUMS)] * 8
    path = write_melody(tmp_path / "d.mid", drums)
    assert read_melody(path) == []
    assert read_midi(path).dropped.drum_parts == 1


def test_empty_melody_writes_a_valid_file(tmp_path: Path) -> None:
    assert read_melody(write_melody(tmp_path / "e.mid", [])) == []


FIXTURE = [HealthCheck.function_scoped_fixture]  # one file path reused by every example
events_strategy = st.lists(
    st.builds(
        NoteEvent,
        pitch=st.one_of(st.none(), st.integers(0, 127)),
        duration=st.sampled_from(DURATIONS),
        harmony=st.integers(0, 4095),
        instrument=st.integers(0, 15),
    ),
    max_size=24,
)


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURE)
@given(events=events_strategy)
def test_any_grid_melody_round_trips_through_a_file(tmp_path: Path, events: list) -> None:
    expected = canonical(events)
    assert canonical(expected) == expected
    assert read_melody(write_melody(tmp_path / "h.mid", expected)) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=FIXTURE)
@given(pitches=st.lists(st.integers(21, 108), min_size=1, max_size=12),
       durations=st.lists(st.sampled_from(DURATIONS), min_size=12, max_size=12))
def test_rest_free_melodies_round_trip_unchanged(tmp_path: Path, pitches: list,
                                                 durations: list) -> None:
    events = [NoteEvent(p, d, (p * 37) % 4096, 2) for p, d in zip(pitches, durations,
                                                                   strict=False)]
    assert canonical(events) == events
    assert read_melody(write_melody(tmp_path / "r.mid", events)) == events
