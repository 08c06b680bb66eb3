"""Small builders of real MIDI files for the tests: mido for well-formed files, raw chunk
bytes for broken ones. Notes are given as absolute (onset, duration, pitch) ticks."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import mido

Note = tuple[int, int, int]  # (onset, duration, pitch), absolute ticks

#: C major scale from middle C, one quarter each at 480 ticks per quarter.
SCALE: list[Note] = [(i * 480, 480, p) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72])]


def notes_track(notes: Iterable[Note], *, channel: int = 0, program: int | None = None,
                name: str | None = None, velocity: int = 80, zero_velocity_off: bool = False,
                extra: Iterable[tuple[int, mido.Message | mido.MetaMessage]] = ()
                ) -> mido.MidiTrack:
    """A track playing ``notes``; ``extra`` adds other messages at absolute ticks."""
    timed: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for onset, duration, pitch in notes:
        off = (mido.Message("note_on", channel=channel, note=pitch, velocity=0)
               if zero_velocity_off else mido.Message("note_off", channel=channel, note=pitch))
        timed.append((onset + duration, 0, off))
        timed.append((onset, 1, mido.Message("note_on", channel=channel, note=pitch,
                                             velocity=velocity)))
    timed.extend((tick, -1, message) for tick, message in extra)
    head: list[mido.Message | mido.MetaMessage] = []
    if name is not None:
        head.append(mido.MetaMessage("track_name", name=name))
    if program is not None:
        head.append(mido.Message("program_change", channel=channel, program=program))
    return timed_track(timed, head)


def timed_track(timed: Iterable[tuple[int, int, mido.Message | mido.MetaMessage]],
                head: Sequence[mido.Message | mido.MetaMessage] = ()) -> mido.MidiTrack:
    """(absolute tick, order, message) -> a track with delta times (order breaks ties)."""
    track = mido.MidiTrack(head)
    now = 0
    for tick, _, message in sorted(timed, key=lambda item: (item[0], item[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track


def conductor(*, bpm: float = 120.0, changes: Iterable[tuple[int, str, dict]] = (),
              numerator: int = 4, denominator: int = 4) -> mido.MidiTrack:
    """A conductor track; ``changes`` are (tick, meta type, fields) added in time order."""
    head = [mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
            mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator)]
    timed = [(tick, 0, mido.MetaMessage(kind, **fields)) for tick, kind, fields in changes]
    return timed_track(timed, head)


def midi_bytes(tracks: Sequence[mido.MidiTrack], *, ticks_per_beat: int = 480,
               kind: int = 1) -> bytes:
    mid = mido.MidiFile(type=kind, ticks_per_beat=ticks_per_beat)
    mid.tracks.extend(tracks)
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def write(path: Path, tracks: Sequence[mido.MidiTrack], **kwargs: int) -> Path:
    path.write_bytes(midi_bytes(tracks, **kwargs))
    return path


def melody_file(path: Path, notes: Iterable[Note] = SCALE, **kwargs: int) -> Path:
    """A plain type-1 file: conductor plus one melody track."""
    return write(path, [conductor(), notes_track(notes, name="melody")], **kwargs)


def scale_notes(count: int, *, start: int = 0, step: int = 480, length: int = 480,
                low: int = 60) -> list[Note]:
    """``count`` notes climbing a C major scale."""
    degrees = [0, 2, 4, 5, 7, 9, 11]
    return [(start + i * step, length, low + 12 * (i // 7) + degrees[i % 7])
            for i in range(count)]


def song_bytes() -> bytes:
    """A richer valid file (tempo and meter changes, chords, drums, several channels), used
    as a seed for fuzzing."""
    melody = notes_track(scale_notes(16, step=240, length=200), program=73, name="flute")
    chords = notes_track([(i * 960, 960, p) for i in range(4) for p in (48, 52, 55)],
                         channel=1, program=0)
    drums = notes_track([(i * 240, 60, 36 + i % 3) for i in range(16)], channel=9)
    meter = conductor(changes=[(1920, "set_tempo", {"tempo": 400000}),
                               (1920, "time_signature", {"numerator": 3, "denominator": 4})])
    return midi_bytes([meter, melody, chords, drums])


# Raw bytes, for files mido would refuse to write ---------------------------------------------

def header(fmt: int = 1, tracks: int = 1, division: int = 480, size: int = 6) -> bytes:
    return b"MThd" + struct.pack(">L", size) + struct.pack(">HHh", fmt, tracks, division)


def chunk(body: bytes, name: bytes = b"MTrk", size: int | None = None) -> bytes:
    return name + struct.pack(">L", len(body) if size is None else size) + body


END = b"\x00\xff\x2f\x00"  # delta 0, end of track

#: One note (middle C, a quarter) as raw track bytes, without end of track.
RAW_NOTE = b"\x00\x90\x3c\x40" + b"\x83\x60\x80\x3c\x40"


def raw_file(*bodies: bytes, fmt: int = 1, division: int = 480) -> bytes:
    """A file whose tracks are the given raw event bytes (end of track appended)."""
    return header(fmt, len(bodies), division) + b"".join(chunk(b + END) for b in bodies)
