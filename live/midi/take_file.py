"""The take as a standard MIDI file: 480 ticks per quarter, type 1, written atomically.

Track 0 holds what a DAW shows about the take: tempo, time and key signature, a text event
with the seed and model that made it, and a marker for every live change (key, tempo, ...);
track 1 holds the notes at their musical ticks, each as long as the engine sounded it.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mido
from musicai.live.encoding.grid import TICKS_PER_QUARTER
from musicai.live.errors import TheoryError
from musicai.live.theory.keys import Key

_MAJOR = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MINOR = ("Cm", "C#m", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "G#m", "Am", "Bbm", "Bm")
_CHURCH = {"dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7, "locrian": 11}


def key_signature(key: str) -> str | None:
    """mido's key-signature name for a key ("D minor" -> "Dm", "D dorian" -> "C"); a mode
    writes its relative major's signature (the text event names the mode)."""
    try:
        parsed = Key.parse(key)
    except TheoryError:
        return None
    if parsed.is_minor and parsed.mode not in _CHURCH:
        return _MINOR[parsed.tonic]
    return _MAJOR[(parsed.tonic - _CHURCH.get(parsed.mode, 0)) % 12]


@dataclass(frozen=True)
class TakeInfo:
    """What the take's header says: the musical context and how it was made."""

    bpm: float
    key: str
    seed: int | None
    model: str
    channel: int = 0  # 0..15
    gate: float = 0.92  # sounding share of a note's duration, as the engine plays it
    origin: int = 0  # the engine tick that is the take's tick 0 (a take started mid-run)
    primer: tuple[tuple[int, int, int, int], ...] = ()  # (onset, pitch, duration, velocity)


def build(info: TakeInfo, notes: list[tuple], changes: list[tuple]) -> mido.MidiFile:
    """A type-1 file: track 0 tempo, key, markers and the seed/model text; track 1 the notes;
    with a primer, track 2 holds it (what was given, before what was answered)."""
    meta: list[tuple[int, mido.MetaMessage]] = [
        (0, mido.MetaMessage("track_name", name="MusicAI Live")),
        (0, mido.MetaMessage("text", text=f"seed={info.seed} model={info.model} "
                                          f"key={info.key} bpm={info.bpm:g}")),
        (0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(info.bpm))),
    ]
    signature = key_signature(info.key)
    if signature:
        meta.append((0, mido.MetaMessage("key_signature", key=signature)))
    for tick, setting, value in changes:
        meta.extend(change_messages(info, tick, setting, value))
    events: list[tuple[int, int, mido.Message]] = []
    for note, channel in notes:
        events.extend(note_messages(info, note, channel))
    events.sort(key=lambda e: (e[0], e[1]))  # at equal ticks a note-off goes first
    file = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    file.tracks.append(_track(meta))
    file.tracks.append(_track([(t, m) for t, _, m in events]))
    if info.primer:
        file.tracks.append(_primer_track(info))
    return file


def change_messages(info: TakeInfo, tick: int, setting: str,
                    value: object) -> list[tuple[int, mido.MetaMessage]]:
    """A live change as the file shows it: a marker, and a tempo or key signature with it."""
    tick = max(0, tick - info.origin)
    out = [(tick, mido.MetaMessage("marker", text=f"{setting}={value}"))]
    if setting == "bpm":
        out.append((tick, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(value))))
    elif setting == "key" and key_signature(str(value)):
        out.append((tick, mido.MetaMessage("key_signature", key=key_signature(str(value)))))
    return out


def note_messages(info: TakeInfo, note: object,
                  channel: int) -> list[tuple[int, int, mido.Message]]:
    """(tick, order, message) for a played note, as long as the engine sounded it; order 0 is
    a note-off, 1 a note-on, so at equal ticks the off goes first. A rest gives nothing."""
    if note.pitch is None or note.onset < info.origin:
        return []
    onset = note.onset - info.origin
    off = onset + max(1, int(note.duration * info.gate))
    return [(onset, 1, mido.Message("note_on", channel=channel, note=note.pitch,
                                    velocity=note.velocity)),
            (off, 0, mido.Message("note_off", channel=channel, note=note.pitch, velocity=0))]


CONDUCTOR_TYPES = frozenset({"marker", "set_tempo", "key_signature", "time_signature"})


def conducted(file: mido.MidiFile) -> mido.MidiFile:
    """A take written as it grew (notes and changes in its last track) in the usual layout:
    track 0 the conductor with every marker, tempo and key, track 1 the notes, then the primer."""
    *fixed, grown = file.tracks
    conductor = _absolute(fixed[0])
    notes = []
    for tick, message in _absolute(grown):
        (conductor if message.type in CONDUCTOR_TYPES else notes).append((tick, message))
    out = mido.MidiFile(type=1, ticks_per_beat=file.ticks_per_beat)
    out.tracks.append(_track([(t, m) for t, m in conductor if m.type != "end_of_track"]))
    out.tracks.append(_track([(t, m) for t, m in notes
                              if m.type not in ("end_of_track", "sequencer_specific")]))
    out.tracks.extend(fixed[1:])
    return out


def _absolute(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    tick, out = 0, []
    for message in track:
        tick += message.time
        out.append((tick, message))
    return out


def _primer_track(info: TakeInfo) -> mido.MidiTrack:
    events: list[tuple[int, int, mido.Message]] = []
    for onset, pitch, duration, velocity in info.primer:
        onset -= info.origin
        if onset < 0:
            continue
        events.append((onset, 1, mido.Message("note_on", channel=info.channel, note=pitch,
                                              velocity=velocity)))
        events.append((onset + max(1, duration), 0,
                       mido.Message("note_off", channel=info.channel, note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    return _track([(0, mido.MetaMessage("track_name", name="primer")),
                   *((t, m) for t, _, m in events)])


def _track(timed: list[tuple[int, mido.Message]]) -> mido.MidiTrack:
    track, now = mido.MidiTrack(), 0
    for tick, message in sorted(timed, key=lambda e: e[0]):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _file_mode() -> int:
    """0666 less the umask, what ``open()`` gives a new file (read once, at import)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


FILE_MODE = _file_mode()


def file_bytes(file: mido.MidiFile) -> bytes:
    buffer = io.BytesIO()
    file.save(file=buffer)
    return buffer.getvalue()


def save_atomically(file: mido.MidiFile | bytes, path: Path) -> None:
    """Write to a temporary name beside ``path``, fsync, then rename over it."""
    data = file if isinstance(file, bytes) else file_bytes(file)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp's 0600 would make the take private
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
