"""Broken, hostile and strange files: a clear MidiFileError, or a Piece; never anything else."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest
from midi_factory import (
    END,
    RAW_NOTE,
    SCALE,
    chunk,
    conductor,
    header,
    melody_file,
    midi_bytes,
    notes_track,
    raw_file,
    scale_notes,
)
from musicai.live.encoding.ingest import MAX_EVENTS, MAX_FILE_BYTES, read_midi, read_midi_bytes
from musicai.live.encoding.smf import EventBudget, SmfError, iter_track
from musicai.live.errors import MidiFileError, MusicAIError


def reason_of(tmp_path: Path, data: bytes, name: str = "bad.mid") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(MidiFileError) as info:
        read_midi(path)
    assert info.value.path == str(path) and str(info.value).startswith(str(path))
    assert isinstance(info.value, MusicAIError)
    return info.value.reason


# Not MIDI at all ------------------------------------------------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    assert reason_of(tmp_path, b"") == "file is empty"


def test_wav_file_named_mid(tmp_path: Path) -> None:
    wav = b"RIFF" + struct.pack("<L", 36) + b"WAVEfmt " + bytes(28)
    assert reason_of(tmp_path, wav) == "not a MIDI file (header is 'RIFF')"


def test_text_file_named_mid(tmp_path: Path) -> None:
    assert reason_of(tmp_path, b"hello, this is text\n") == "not a MIDI file (header is 'hell')"


def test_binary_junk_header_is_shown_in_hex(tmp_path: Path) -> None:
    assert reason_of(tmp_path, bytes([0, 1, 2, 255, 9])) == \
        "not a MIDI file (header is 00 01 02 ff)"


def test_rmid_wrapped_midi_is_read() -> None:
    inner = midi_bytes([conductor(), notes_track(SCALE)])
    body = b"RMID" + b"data" + struct.pack("<L", len(inner)) + inner
    piece = read_midi_bytes(b"RIFF" + struct.pack("<L", len(body)) + body)
    assert len(piece.parts) == 1


# Broken headers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "reason"), [
    (b"MThd", "truncated: the header ends early"),
    (b"MThd\x00\x00\x00\x06\x00\x01", "truncated: the header ends early"),
    (header(size=2), "truncated: the header ends early"),
    (header(fmt=3), "unknown MIDI format 3 (expected 0, 1 or 2)"),
    (header(division=-7000), "SMPTE time division"),
    (header(division=0), "the header gives 0 ticks per quarter note"),
])
def test_bad_headers(tmp_path: Path, data: bytes, reason: str) -> None:
    assert reason_of(tmp_path, data).startswith(reason)


# Truncation -----------------------------------------------------------------------------------

def test_file_cut_inside_a_track(tmp_path: Path) -> None:
    data = midi_bytes([conductor(), notes_track(SCALE), notes_track(SCALE)])
    assert reason_of(tmp_path, data[:-30]) == \
        "truncated: track 2 ends early (46 of 76 bytes present)"


def test_missing_tracks_the_header_announced(tmp_path: Path) -> None:
    data = header(tracks=3) + chunk(RAW_NOTE + END)
    assert reason_of(tmp_path, data) == \
        "truncated: the header announces 3 tracks, the file ends after 1"
    assert reason_of(tmp_path, header(tracks=2)) == \
        "truncated: the header announces 2 tracks, the file ends after 0"


def test_chunk_header_cut_off(tmp_path: Path) -> None:
    assert reason_of(tmp_path, header(tracks=1) + b"MTr").startswith("truncated")


def test_event_running_past_the_end_of_its_track(tmp_path: Path) -> None:
    data = header() + chunk(b"\x00\x90\x3c")  # a note-on missing its velocity
    assert reason_of(tmp_path, data) == "truncated: track 0 ends inside an event"


def test_track_length_claiming_more_than_the_file(tmp_path: Path) -> None:
    data = header() + chunk(RAW_NOTE + END, size=100_000)
    assert reason_of(tmp_path, data) == \
        "truncated: track 0 ends early (13 of 100,000 bytes present)"


def test_track_length_too_short_leaves_garbage_where_a_chunk_should_be(tmp_path: Path) -> None:
    data = header(tracks=2) + chunk(RAW_NOTE + END, size=5) + chunk(RAW_NOTE + END)
    assert reason_of(tmp_path, data) == ("corrupt: expected track 1 at byte 27, found "
                                         "60 80 3c 40 (the previous chunk's length may be wrong)")


# Corrupt events -------------------------------------------------------------------------------

def test_data_byte_over_127(tmp_path: Path) -> None:
    assert reason_of(tmp_path, raw_file(b"\x00\x90\x3c\xc8")) == \
        "track 0: data byte 0xC8 is over 127 (byte 3 of the track)"


def test_running_status_with_no_status(tmp_path: Path) -> None:
    assert reason_of(tmp_path, raw_file(b"\x00\x3c\x40" + RAW_NOTE)) == \
        "track 0: running status with no status byte (byte 1 of the track)"


def test_running_status_does_not_survive_sysex(tmp_path: Path) -> None:
    sysex = b"\x00\xf0\x03\x7e\x01\xf7"
    assert "running status" in reason_of(tmp_path, raw_file(RAW_NOTE + sysex + b"\x00\x3c\x40"))


def test_giant_meta_event_length(tmp_path: Path) -> None:
    giant = b"\x00\xff\x01\xff\xff\xff\x7f" + b"text"
    assert reason_of(tmp_path, raw_file(giant)) == (
        "track 0: a meta event claims 268,435,455 bytes but the track has 8 left (corrupt length)")


def test_giant_sysex_length(tmp_path: Path) -> None:
    assert "system exclusive event claims" in reason_of(tmp_path, raw_file(b"\x00\xf0\x8f\x7f"))


def test_delta_time_longer_than_four_bytes(tmp_path: Path) -> None:
    assert reason_of(tmp_path, raw_file(b"\xff" * 5000 + b"\x00" + RAW_NOTE)) == \
        "track 0: delta time longer than 4 bytes (byte 4 of the track)"


def test_undefined_status_byte(tmp_path: Path) -> None:
    assert reason_of(tmp_path, raw_file(RAW_NOTE + b"\x00\xf4")) == \
        "track 0: undefined status byte 0xF4 (byte 10 of the track)"


# Strange but readable: a Piece, not an error ---------------------------------------------------

def test_empty_tracks_read_as_a_piece_with_no_parts() -> None:
    piece = read_midi_bytes(header(tracks=3) + chunk(b"") + chunk(END) + chunk(b""))
    assert piece.parts == []
    assert read_midi_bytes(header(tracks=0)).parts == []


def test_unknown_chunks_and_trailing_bytes_are_skipped() -> None:
    track = chunk(b"".join(RAW_NOTE.replace(b"\x3c", bytes([60 + i])) for i in range(8)) + END)
    data = header() + chunk(b"\x01\x02\x03", name=b"XFIH") + track + b"trailing junk"
    assert len(read_midi_bytes(data).parts) == 1


def test_events_after_end_of_track_are_ignored() -> None:
    notes = b"".join(RAW_NOTE.replace(b"\x3c", bytes([60 + i])) for i in range(8))
    piece = read_midi_bytes(header() + chunk(notes + END + b"\xff\xff\xff"))
    assert piece.parts[0].notes == 8


def test_malformed_meta_content_is_ignored_and_counted(tmp_path: Path) -> None:
    bad_tempo = b"\x00\xff\x51\x02\x07\xa1"
    bad_key = b"\x00\xff\x59\x02\x10\x00"  # sixteen sharps
    bad_meter = b"\x00\xff\x58\x01\x04"
    notes = b"".join(RAW_NOTE.replace(b"\x3c", bytes([60 + i])) for i in range(8))
    piece = read_midi_bytes(raw_file(bad_tempo + bad_key + bad_meter + notes))
    assert piece.tempos == [] and piece.parts[0].notes == 8
    assert piece.dropped.bad_metas == 2  # key signatures are not read at all


def test_giant_valid_track_name_is_not_decoded() -> None:
    name = b"\x00\xff\x03\x84\x80\x00" + b"n" * (1 << 16)  # a 64 KiB track name
    notes = b"".join(RAW_NOTE.replace(b"\x3c", bytes([60 + i])) for i in range(8))
    piece = read_midi_bytes(raw_file(name + notes))
    assert piece.parts[0].name == "" and piece.dropped.bad_metas == 1


def test_giant_delta_times_are_bounded(tmp_path: Path) -> None:
    far = b"\xff\xff\xff\x7f"  # the largest delta time: 268 million ticks
    notes = b"".join(RAW_NOTE.replace(b"\x3c", bytes([60 + i])) for i in range(8))
    hanging = b"\x00\x90\x48\x40"
    gap = far + b"\xff\x01\x00"  # an empty text event, a long time later
    data = raw_file(notes + hanging + gap * 50 + b"\x00\x90\x50\x40" + far + b"\x80\x50\x00")
    start = time.perf_counter()
    piece = read_midi_bytes(data)
    assert time.perf_counter() - start < 10
    events = piece.parts[0].events
    assert piece.dropped.late_events >= 2 and piece.dropped.unclosed_notes == 1
    assert events[8].pitch == 0x48 and all(e.pitch is None for e in events[9:])
    assert sum(e.duration for e in events) == 100_000 * 480  # the hanging note ends at the limit


def test_too_many_events_is_refused() -> None:
    with pytest.raises(SmfError, match="too many events"):
        list(iter_track(b"\x00\xc0\x01" + b"\x00\x02" * 100, 0, EventBudget(50)))
    sysex_flood = b"\x00\xf0\x00" * 60  # skipped events count too, across tracks
    with pytest.raises(MidiFileError, match="too many events"):
        read_midi_bytes(raw_file(sysex_flood, sysex_flood), max_events=100)
    flood = b"\x00\xc0\x01" + b"\x00\x02" * MAX_EVENTS + END
    with pytest.raises(MidiFileError, match="too many events"):
        read_midi_bytes(header() + chunk(flood))


def test_many_valid_notes_read_in_bounded_time() -> None:
    body = bytearray(b"\x00\x90")
    for i in range(100_000):
        pitch = 40 + i % 40
        body += bytes([pitch, 64, 0x60, pitch, 0, 0])
    piece = read_midi_bytes(header(fmt=0) + chunk(bytes(body[:-1]) + END), min_notes=1)
    assert piece.parts[0].notes == 100_000


# Not readable files ---------------------------------------------------------------------------

def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MidiFileError, match="no such file") as info:
        read_midi(tmp_path / "nope.mid")
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_directory_named_like_a_midi_file(tmp_path: Path) -> None:
    (tmp_path / "x.mid").mkdir()
    with pytest.raises(MidiFileError) as info:
        read_midi(tmp_path / "x.mid")
    assert info.value.reason == "is a folder, not a MIDI file"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mid")
    with pytest.raises(MidiFileError, match="not a regular file"):
        read_midi(tmp_path / "pipe.mid")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_permission(tmp_path: Path) -> None:
    path = melody_file(tmp_path / "locked.mid")
    path.chmod(0)
    try:
        with pytest.raises(MidiFileError, match="permission denied"):
            read_midi(path)
    finally:
        path.chmod(0o644)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.mid"
    with open(path, "wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space used
    with pytest.raises(MidiFileError, match="too big"):
        read_midi(path)
    with pytest.raises(MidiFileError, match="too big"):
        read_midi_bytes(bytes(MAX_FILE_BYTES + 1))


def test_good_file_next_to_bad_ones_still_reads(tmp_path: Path) -> None:
    good = melody_file(tmp_path / "good.mid", scale_notes(10))
    assert read_midi(good).parts[0].notes == 10
