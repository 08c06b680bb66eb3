"""Melodies <-> MIDI files, so that a written melody reads back as the same events.

``write_melody`` writes a format-1 file at 480 ticks per quarter: a conductor track (title,
tempo, time signature), the melody track (channel 1, one program change for the instrument
family, then the notes) and a harmony track (channel 2: each event's harmony as pitch classes
held from C4 to B4 for the event's span). ``read_melody`` is the first part that
``ingest.read_midi`` finds.

Reading applies the ingestion rules (a short rest after a note becomes part of the note,
leading and trailing silence goes, one instrument per part), so only some event lists survive
a round trip unchanged: exactly those that ``canonical`` returns unchanged. For any events
on the grid, ``read_melody(write_melody(path, canonical(events))) == canonical(events)``,
harmony and instrument included.

Drum events (instrument ``DRUMS``) are written on channel 10 with no harmony track; ingestion
never takes drums as a melody, so such a file reads back as an empty melody.
"""

from __future__ import annotations

import bisect
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import mido
from musicai.live.encoding import melody as mel
from musicai.live.encoding.events import DRUMS, NoteEvent
from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.encoding.ingest import read_midi
from musicai.live.errors import MidiFileError

MELODY_CHANNEL = 0
HARMONY_CHANNEL = 1
DRUM_CHANNEL = 9
HARMONY_ROOT = 60  # harmony pitch classes are held as notes C4..B4
_OFF, _ON = 0, 1  # at one tick, note-offs go first so repeated notes stay separate


def write_melody(path: str | os.PathLike[str], events: Sequence[NoteEvent], *,
                 bpm: float = 120.0, time_signature: tuple[int, int] = (4, 4),
                 title: str | None = None) -> Path:
    """Write ``events`` as a MIDI file, atomically; returns the path.

    The file appears complete under its final name or not at all: it is written to a
    temporary file in the same folder and renamed over the target.
    """
    path = Path(path)
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    mid.tracks.append(_conductor(bpm, time_signature, title))
    mid.tracks.extend(_melody_tracks(list(events)))
    _save_atomically(mid, path)
    return path


def read_melody(path: str | os.PathLike[str], *, min_notes: int = 1) -> list[NoteEvent]:
    """The events of the first melody ``read_midi`` finds in the file ([] when none)."""
    piece = read_midi(path, min_notes=min_notes)
    return list(piece.parts[0].events) if piece.parts else []


def canonical(events: Sequence[NoteEvent]) -> list[NoteEvent]:
    """The events as they read back from a file: the ingestion rules applied to a melody.

    Leading and trailing rests go; a rest (or run of rests) after a note stays only when it
    is at least a 16th and longer than the note, otherwise the note takes its time; spans are
    re-cut with ``split_span``; every event takes the first note's instrument and keeps the
    harmony of the input event sounding at its onset.
    """
    starts = _starts(events)
    notes = [(start, start + e.duration, e.pitch) for start, e in zip(starts, events, strict=True)
             if e.pitch is not None]
    if not notes:
        return []
    instrument = next(e.instrument for e in events if e.pitch is not None)
    out = []
    for start, pitch, length in mel.spans(notes):
        covering = bisect.bisect_right(starts, start) - 1
        out.append(NoteEvent(pitch, length, events[covering].harmony, instrument))
    return out


def _starts(events: Sequence[NoteEvent]) -> list[int]:
    starts, position = [], 0
    for event in events:
        if not isinstance(event, NoteEvent):
            raise TypeError(f"expected NoteEvent, got {type(event).__name__}")
        starts.append(position)
        position += event.duration
    return starts


def _conductor(bpm: float, time_signature: tuple[int, int], title: str | None) -> mido.MidiTrack:
    if not (isinstance(bpm, int | float) and math.isfinite(bpm) and 4 <= bpm <= 1000):
        raise ValueError(f"bpm must be a number from 4 to 1000, not {bpm!r}")
    numerator, denominator = time_signature
    if not (1 <= numerator <= 255 and denominator in (1, 2, 4, 8, 16, 32, 64)):
        raise ValueError(f"time signature {numerator}/{denominator} cannot be written; "
                         "use a numerator 1..255 over a power of two up to 64")
    track = mido.MidiTrack()
    if title:
        safe = title.encode("latin-1", "replace").decode("latin-1")  # MIDI text is bytes
        track.append(mido.MetaMessage("track_name", name=safe))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    track.append(mido.MetaMessage("time_signature", numerator=numerator,
                                  denominator=denominator))
    return track


def _melody_tracks(events: list[NoteEvent]) -> list[mido.MidiTrack]:
    starts = _starts(events)
    first = next((e for e in events if e.pitch is not None), events[0] if events else None)
    instrument = first.instrument if first else 0
    drums = instrument == DRUMS
    channel = DRUM_CHANNEL if drums else MELODY_CHANNEL
    melody: list[tuple[int, int, mido.Message]] = []
    harmony: list[tuple[int, int, mido.Message]] = []
    for start, event in zip(starts, events, strict=True):
        end = start + event.duration
        if event.pitch is not None:
            melody += _note(start, end, event.pitch, channel, 90)
        if not drums:
            for pc in range(12):
                if event.harmony >> pc & 1:
                    harmony += _note(start, end, HARMONY_ROOT + pc, HARMONY_CHANNEL, 50)
    head = [mido.MetaMessage("track_name", name="melody")]
    if not drums:
        head.append(mido.Message("program_change", channel=channel, program=instrument * 8))
    tracks = [_track(head, melody)]
    if not drums:
        tracks.append(_track([mido.MetaMessage("track_name", name="harmony")], harmony))
    return tracks


def _note(start: int, end: int, pitch: int, channel: int,
          velocity: int) -> list[tuple[int, int, mido.Message]]:
    return [(start, _ON, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)),
            (end, _OFF, mido.Message("note_off", channel=channel, note=pitch))]


def _track(head: list, timed: list[tuple[int, int, mido.Message]]) -> mido.MidiTrack:
    """Absolute (tick, order, message) -> a track with delta times."""
    track = mido.MidiTrack(head)
    now = 0
    for tick, _, message in sorted(timed, key=lambda item: (item[0], item[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    return track


def _save_atomically(mid: mido.MidiFile, path: Path) -> None:
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise MidiFileError(path, f"cannot write here ({err.strerror or err})") from err
    try:
        with os.fdopen(handle, "wb") as out:
            mid.save(file=out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException as err:
        Path(temp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise MidiFileError(path, f"cannot write ({err.strerror or err})") from err
        raise
