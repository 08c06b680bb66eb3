"""MIDI files -> melodies: ``read_midi(path) -> Piece``.

(Over 300 lines on purpose: this is the one reader of untrusted bytes, and its rules below are
only checkable if every limit and every recovery sits next to the code that applies it.)

The rules, in the order they apply:

Reading
  * Format 0 and 1 files share one timeline. In format 2 files every track is its own
    sequence: its parts take their harmony and instrument only from that track.
  * A part is one (track, channel) pair with notes. Parts are listed by track, then channel.
  * ``note_on`` with velocity 0 is a ``note_off``. A ``note_off`` for a pitch that is not
    sounding is ignored. A ``note_on`` for a pitch already sounding on that channel of that
    track closes the earlier note (a retrigger). Notes still sounding when their track ends
    are closed there.
  * Times are rescaled to 480 ticks per quarter and onsets and offsets are snapped to
    ``grid.QUANTUM`` (20 ticks). Tempo and time-signature changes never change musical
    ticks; they are recorded in ``Piece.tempos`` and ``Piece.time_signatures``.
  * Instrument: the GM family (program // 8) of the last program change on the part's
    channel (any track of the same timeline, the part's own track winning ties) at or
    before its first note; 0 (piano) without one. Channel 10 (index 9) is ``DRUMS``.

Melody of a part (``melody`` module)
  * Notes shorter than a 32nd after snapping are grace notes and are dropped.
  * Skyline: at each onset the highest starting note is kept; a note that starts while a
    higher note of the part is sounding is dropped. A kept note is cut at the next kept onset.
  * A kept note whose next kept onset comes less than a 32nd later (a rolled chord, a grace
    note) is merged away: the note before it lasts longer instead.
  * The melody runs back to back from the first kept onset (leading silence dropped) to the
    last note's end. IOI = next onset - onset; the note sounds min(offset, next onset) - onset;
    the gap after it becomes a rest when it is at least a 16th (120 ticks) and more than half
    the IOI, otherwise the note lasts the whole IOI.
  * Each span becomes grid events: the note is the longest grid duration that fits in its
    sounding part and leaves a remainder that grid durations add up to; the remainder (a
    long note's tail plus any rest) becomes rests cut by ``grid.split_span``. So a long note
    is a note followed by rests, and a long rest is several rests.
  * Every edge is an absolute snapped position, so nothing drifts. The only adjustments:
    spans of 100 ticks (no grid durations add up to it) move their end edge by 20 ticks, and a
    note/rest split point moves by up to 60 ticks when a side would otherwise be unwritable.
  * A part is a melody only with at least ``min_notes`` notes left after these rules.

Harmony
  * An event's harmony is the set of pitch classes of every other non-drum note sounding at
    its onset: notes of other parts of the timeline (melodies or not) and the part's own
    notes dropped by the skyline or merged away as rolled-chord notes. Grace notes shorter
    than a 32nd and drums never count.

Drums (channel index 9) are never melodies and never harmony.

Errors and limits
  * Any failure to read raises ``MidiFileError(path, reason)`` with a short reason, chained
    from the original error. Files over ``MAX_FILE_BYTES`` are refused before reading, files
    with more than ``MAX_EVENTS`` events are refused while reading, and events later than
    ``MAX_QUARTERS`` quarter notes are ignored (counted in ``Dropped.late_events``), so a
    hostile file cannot hang a scan or fill memory. Malformed meta events (a tempo with two
    bytes, a key signature with 16 sharps) are ignored and counted, not fatal.
  * A file that parses but holds no melody is not an error: its Piece has no parts.
"""

from __future__ import annotations

import os
import stat
import struct
from collections import defaultdict
from dataclasses import dataclass, field
from typing import BinaryIO

import mido
import numpy as np
from musicai.live.encoding import melody as mel
from musicai.live.encoding.context import bar_positions
from musicai.live.encoding.events import DRUMS, NoteEvent
from musicai.live.encoding.grid import SHORTEST, TICKS_PER_QUARTER, snap
from musicai.live.encoding.smf import (
    META,
    EventBudget,
    SmfError,
    decode_meta,
    iter_track,
    split_file,
)
from musicai.live.errors import MidiFileError

#: Bump when a reading rule changes what a file turns into; caches of encoded files key on it.
INGEST_RULES_VERSION = 1

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_EVENTS = 1_000_000
MAX_QUARTERS = 100_000
MAX_META_BYTES = 4096  # longer names, tempos or meters are not decoded (counted as bad)
MAX_NAME_CHARS = 200
DRUM_CHANNEL = 9

#: Everything that reading a broken file may raise, besides our own SmfError.
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError,
                struct.error, OverflowError, ZeroDivisionError, MemoryError, RecursionError)


@dataclass(frozen=True)
class Dropped:
    """What reading left out or repaired, for reports (all counts)."""

    orphan_note_offs: int = 0  # note_off with no sounding note
    retriggers: int = 0  # notes closed by a note_on of the same pitch
    unclosed_notes: int = 0  # notes closed at the end of their track
    grace_notes: int = 0  # shorter than a 32nd after snapping, or merged rolled-chord notes
    skyline_notes: int = 0  # under a higher note of their part (they still count as harmony)
    drum_parts: int = 0
    short_parts: int = 0  # fewer than min_notes melody notes
    late_events: int = 0  # past MAX_QUARTERS
    bad_metas: int = 0  # meta events whose content mido cannot decode


@dataclass(frozen=True)
class Part:
    """One melody: the notes of one channel of one track, as back-to-back events."""

    name: str
    track: int  # 0-based track index in the file
    channel: int  # 0-based MIDI channel (9 = drums)
    instrument: int  # GM family 0..15, or DRUMS
    events: list[NoteEvent] = field(default_factory=list)
    start: int = 0  # tick of the first event (where the bar lines fall: see Piece.positions)

    @property
    def notes(self) -> int:
        return sum(1 for event in self.events if event.pitch is not None)

    @property
    def ticks(self) -> int:
        return sum(event.duration for event in self.events)


@dataclass(frozen=True)
class Piece:
    """What a MIDI file holds for us. Ticks are 480 per quarter; ``ticks_per_beat`` is the
    file's own resolution."""

    path: str
    format: int
    ticks_per_beat: int
    parts: list[Part]
    tempos: list[tuple[int, float]]  # (tick, bpm)
    time_signatures: list[tuple[int, int, int]]  # (tick, numerator, denominator)
    dropped: Dropped

    def positions(self, part: Part) -> tuple[np.ndarray, np.ndarray]:
        """(ticks after the bar line, ticks per bar) of each event of ``part``."""
        ticks = np.array([e.duration for e in part.events], dtype=np.int64)
        onsets = part.start + np.cumsum(ticks) - ticks
        return bar_positions(onsets, self.time_signatures)


@dataclass
class _Track:
    """One track reduced to what ingestion needs, in source ticks."""

    index: int
    name: str = ""
    notes: dict[int, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    programs: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, channel, prog)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def read_midi(source: str | os.PathLike[str] | BinaryIO, *, min_notes: int = 8) -> Piece:
    """Read a MIDI file (a path, or a binary file object) into its melodies."""
    name = str(getattr(source, "name", "<stream>")) if hasattr(source, "read") else str(source)
    data = _read_bytes(source, name)
    return read_midi_bytes(data, name, min_notes=min_notes)


def read_midi_bytes(data: bytes, name: str = "<bytes>", *, min_notes: int = 8,
                    max_events: int = MAX_EVENTS) -> Piece:
    """Like ``read_midi`` for a file already in memory; ``name`` appears in errors."""
    if min_notes < 1:
        raise ValueError(f"min_notes must be at least 1, not {min_notes}")
    if len(data) > MAX_FILE_BYTES:
        raise MidiFileError(name, _too_big(len(data)))
    try:
        return _build_piece(data, name, min_notes, max_events)
    except SmfError as err:
        raise MidiFileError(name, err.reason) from err
    except _READ_ERRORS as err:
        raise MidiFileError(name, f"unreadable ({type(err).__name__}: {err})") from err


def _read_bytes(source: str | os.PathLike[str] | BinaryIO, name: str) -> bytes:
    try:
        if hasattr(source, "read"):
            data = source.read(MAX_FILE_BYTES + 1)  # type: ignore[union-attr]
        else:
            info = os.stat(source)  # type: ignore[arg-type]
            if stat.S_ISDIR(info.st_mode):
                raise MidiFileError(name, "is a folder, not a MIDI file")
            if not stat.S_ISREG(info.st_mode):
                raise MidiFileError(name, "not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                raise MidiFileError(name, _too_big(info.st_size))
            with open(source, "rb") as handle:  # type: ignore[arg-type]
                data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as err:
        raise MidiFileError(name, "no such file") from err
    except PermissionError as err:
        raise MidiFileError(name, "permission denied") from err
    except IsADirectoryError as err:
        raise MidiFileError(name, "is a folder, not a MIDI file") from err
    except OSError as err:
        raise MidiFileError(name, f"cannot read the file ({err.strerror or err})") from err
    if not isinstance(data, bytes | bytearray):
        raise MidiFileError(name, "the file object did not return bytes")
    if len(data) > MAX_FILE_BYTES:
        raise MidiFileError(name, _too_big(len(data)))
    return bytes(data)


def _too_big(size: int) -> str:
    return (f"too big: {size / 2**20:.1f} MiB (the limit is {MAX_FILE_BYTES // 2**20} MiB); "
            "not a melody file")


def _build_piece(data: bytes, name: str, min_notes: int, max_events: int) -> Piece:
    smf = split_file(data)
    scale = TICKS_PER_QUARTER / smf.ticks_per_beat
    limit = int(MAX_QUARTERS * smf.ticks_per_beat)
    tempos: list[tuple[int, float]] = []
    signatures: list[tuple[int, int, int]] = []
    budget = EventBudget(max_events)
    tracks = [_read_track(chunk, index, budget, limit, tempos, signatures)
              for index, chunk in enumerate(smf.tracks)]
    timelines = [[t] for t in tracks] if smf.format == 2 else [tracks]
    counts: dict[str, int] = defaultdict(int)
    for track in tracks:
        for key, value in track.counts.items():
            counts[key] += value
    parts: list[Part] = []
    for timeline in timelines:
        parts.extend(_timeline_parts(timeline, scale, min_notes, counts))
    parts.sort(key=lambda p: (p.track, p.channel))
    return Piece(
        path=name,
        format=smf.format,
        ticks_per_beat=smf.ticks_per_beat,
        parts=parts,
        tempos=sorted((round(t * scale), bpm) for t, bpm in tempos),
        time_signatures=sorted((round(t * scale), n, d) for t, n, d in signatures),
        dropped=Dropped(**counts),
    )


def _read_track(chunk: bytes, index: int, budget: EventBudget, limit: int,
                tempos: list[tuple[int, float]],
                signatures: list[tuple[int, int, int]]) -> _Track:
    """Pair note-ons with note-offs per channel, in source ticks."""
    track = _Track(index)
    sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> onset tick
    end = 0
    for tick, status, a, b in iter_track(chunk, index, budget):
        if tick > limit:
            track.counts["late_events"] += 1
            end = limit
            continue
        end = tick
        if status == META:
            _read_meta(track, tick, b, tempos, signatures)  # type: ignore[arg-type]
            continue
        kind, channel = status & 0xF0, status & 0x0F
        if kind == 0x90 and b > 0:
            if (channel, a) in sounding:
                track.counts["retriggers"] += 1
                track.notes[channel].append((sounding[(channel, a)], tick, a))
            sounding[(channel, a)] = tick
        elif kind in (0x80, 0x90):
            onset = sounding.pop((channel, a), None)
            if onset is None:
                track.counts["orphan_note_offs"] += 1
            else:
                track.notes[channel].append((onset, tick, a))
        elif kind == 0xC0:
            track.programs.append((tick, channel, a))
    for (channel, pitch), onset in sounding.items():
        track.counts["unclosed_notes"] += 1
        track.notes[channel].append((onset, end, pitch))
    return track


def _read_meta(track: _Track, tick: int, raw: bytes, tempos: list[tuple[int, float]],
               signatures: list[tuple[int, int, int]]) -> None:
    if raw[1] not in (0x03, 0x51, 0x58):  # track name, tempo, time signature
        return
    meta = decode_meta(raw) if len(raw) <= MAX_META_BYTES else None
    if meta is None or not _plausible(meta):
        track.counts["bad_metas"] += 1
    elif meta.type == "track_name":
        track.name = track.name or meta.name.strip()[:MAX_NAME_CHARS]
    elif meta.type == "set_tempo":
        tempos.append((tick, round(mido.tempo2bpm(meta.tempo), 3)))
    elif meta.type == "time_signature":
        signatures.append((tick, meta.numerator, meta.denominator))


def _plausible(meta: mido.MetaMessage) -> bool:
    """mido decodes a tempo of 0 and a meter over 2**200; neither means anything."""
    if meta.type == "set_tempo":
        return meta.tempo > 0
    if meta.type == "time_signature":
        return meta.numerator > 0 and meta.denominator <= 1024
    return True


def _timeline_parts(tracks: list[_Track], scale: float, min_notes: int,
                    counts: dict[str, int]) -> list[Part]:
    """The melody parts of tracks sharing one timeline, with harmony from all of them."""
    harmony_notes: list[tuple[int, int, int, int]] = []
    candidates: list[tuple[_Track, int, list[mel.Piece]]] = []
    for track in tracks:
        for channel, raw in sorted(track.notes.items()):
            notes = _snapped(raw, scale, counts)
            if channel == DRUM_CHANNEL:
                counts["drum_parts"] += 1 if notes else 0
                continue
            kept, dropped = mel.skyline(notes)
            line, graces = mel.merge_graces(kept)
            counts["skyline_notes"] += len(dropped)
            counts["grace_notes"] += len(graces)
            owner = -1
            if len(line) >= min_notes:
                owner = len(candidates)
                candidates.append((track, channel, mel.spans(line)))
            elif notes:
                counts["short_parts"] += 1
            harmony_notes.extend((on, off, p, owner) for on, off, p in line)
            harmony_notes.extend((on, off, p, -1) for on, off, p in dropped + graces)
    queries = [(start, owner) for owner, (_, _, spans) in enumerate(candidates)
               for start, _, _ in spans]
    masks = iter(mel.harmony_masks(harmony_notes, queries))
    parts = []
    for track, channel, spans in candidates:
        instrument = _instrument(tracks, track, channel, spans[0][0], scale)
        events = [NoteEvent(pitch, length, next(masks), instrument)
                  for _, pitch, length in spans]
        parts.append(Part(track.name, track.index, channel, instrument, events, spans[0][0]))
    return parts


def _snapped(raw: list[tuple[int, int, int]], scale: float,
             counts: dict[str, int]) -> list[mel.Note]:
    """Rescale and snap notes; drop grace notes shorter than a 32nd."""
    notes = []
    for onset, offset, pitch in raw:
        on, off = snap(onset * scale), snap(offset * scale)
        if off - on >= SHORTEST:
            notes.append((on, off, pitch))
        elif off > on:
            counts["grace_notes"] += 1
    return notes


def _instrument(tracks: list[_Track], own: _Track, channel: int, first_onset: int,
                scale: float) -> int:
    """GM family of the last program change on ``channel`` at or before the first note
    (compared on the snapped grid, like the note)."""
    if channel == DRUM_CHANNEL:
        return DRUMS
    best: tuple[int, int, int] | None = None  # (tick, own track?, program)
    for track in tracks:
        for tick, chan, program in track.programs:
            if chan == channel and snap(tick * scale) <= first_onset:
                key = (tick, int(track is own), program)
                if best is None or key[:2] >= best[:2]:
                    best = key
    return best[2] // 8 if best else 0
