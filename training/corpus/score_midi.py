"""A parsed music21 score -> a type-1 ``mido.MidiFile`` at 480 ticks per quarter.

Track 0 is the conductor (title, source, tempo, time and key signatures); then one track per
part on its own channel with a program change; then, when the tune has chord symbols, a
"Chords" track holding each chord's tones (root in C3..B3, a slash bass below) until the next
symbol, so ingestion can read the harmony under the melody.

What happens to notation: tied notes become one note; grace notes are dropped; repeats are
NOT expanded (sections and first/second endings appear once each, in written order, because
expanding fails or guesses on many hand-typed ABC tunes); dynamics and articulations are
ignored (fixed velocity).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import mido
from music21 import chord, harmony, key, meter, note, stream, tempo
from musicai.live.encoding import TICKS_PER_QUARTER

DEFAULT_BPM = 120.0  # MIDI's own default, written explicitly when the source has no tempo
CHORD_TRACK = "Chords"
CHORD_PROGRAM = 24  # nylon guitar
MELODY_VELOCITY = 80
CHORD_VELOCITY = 56
_MAJOR = ("Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "C#")
_MINOR = ("Abm", "Ebm", "Bbm", "Fm", "Cm", "Gm", "Dm", "Am", "Em", "Bm", "F#m", "C#m", "G#m",
          "D#m", "A#m")  # fmt: skip


_Meta = tuple[int, int, mido.MetaMessage]  # (tick, order at equal ticks, message)


class ConversionError(ValueError):
    """A score that cannot become a useful MIDI file (no notes, a pitch out of range...)."""


@dataclass(frozen=True)
class Span:
    """A sounding note in ticks: ``start <= t < end``."""

    start: int
    end: int
    pitch: int


@dataclass(frozen=True)
class PartSpec:
    """A part to write: its track name, General MIDI program and music21 part."""

    name: str
    program: int
    part: stream.Stream


def ticks(quarters: float | Fraction) -> int:
    """Quarter lengths -> ticks, rounded to the nearest integer."""
    return round(Fraction(quarters) * TICKS_PER_QUARTER)


def part_spans(part: stream.Stream) -> list[Span]:
    """The notes of a part with ties merged into one span and grace notes dropped."""
    spans: list[Span] = []
    held: dict[int, int] = {}  # pitch -> index in spans of a note a tie may continue
    for start, element in placed(part, (note.Note, chord.Chord)):
        if isinstance(element, harmony.Harmony) or element.duration.isGrace:
            continue
        end = ticks(start + Fraction(element.duration.quarterLength))
        for pitch, tie in _pitches_and_ties(element):
            index = held.pop(pitch, None)
            if tie in ("stop", "continue") and index is not None \
                    and spans[index].end == ticks(start):
                spans[index] = Span(spans[index].start, end, pitch)
            else:
                index = len(spans)
                spans.append(Span(ticks(start), end, pitch))
            if tie in ("start", "continue"):
                held[pitch] = index
    return [span for span in spans if span.end > span.start]


def placed(container: stream.Stream, classes: tuple[type, ...] | type,
           base: Fraction = Fraction(0)) -> list[tuple[Fraction, object]]:
    """``(offset in quarters, element)`` for every element of ``classes``, by offset.

    Walks the measures instead of ``flatten()``: music21's ABC reader puts one TimeSignature
    object in several measures, and a flattened stream then reports a single (wrong) offset.
    """
    found: list[tuple[Fraction, object]] = []
    for element in container:
        offset = base + Fraction(container.elementOffset(element))
        if isinstance(element, classes):
            found.append((offset, element))
        elif isinstance(element, stream.Stream):
            found += placed(element, classes, offset)
    found.sort(key=lambda pair: pair[0])
    return found


def _pitches_and_ties(element: note.Note | chord.Chord) -> Iterable[tuple[int, str | None]]:
    notes = element.notes if isinstance(element, chord.Chord) else (element,)
    for n in notes:
        tie = n.tie or element.tie
        midi = n.pitch.midi
        if not 0 <= midi <= 127:
            raise ConversionError(f"pitch {n.pitch.nameWithOctave} is outside MIDI's 0..127")
        yield midi, (tie.type if tie is not None else None)


def chord_spans(part: stream.Stream, end: int) -> list[Span]:
    """Each chord symbol's tones, held until the next symbol (or ``end``)."""
    symbols = placed(part, harmony.Harmony)
    spans: list[Span] = []
    for i, (offset, symbol) in enumerate(symbols):
        start = ticks(offset)
        stop = ticks(symbols[i + 1][0]) if i + 1 < len(symbols) else end
        if isinstance(symbol, harmony.NoChord) or stop <= start:
            continue
        spans.extend(Span(start, stop, pitch) for pitch in voicing(symbol))
    return spans


def voicing(symbol: harmony.Harmony) -> list[int]:
    """Close position with the root in C3..B3 and a different bass note one octave lower."""
    if not symbol.pitches or symbol.root() is None:
        return []
    root = symbol.root().pitchClass
    base = 48 + root
    tones = sorted({base + (p.pitchClass - root) % 12 for p in symbol.pitches})
    bass = symbol.bass().pitchClass if symbol.bass() is not None else root
    return ([36 + bass] if bass != root else []) + tones


def build_midi(score: stream.Score, parts: Sequence[PartSpec], title: str,
               label: str) -> mido.MidiFile:
    """The whole file: conductor, one track per part, and chords from the first part."""
    part_data = [(spec, part_spans(spec.part)) for spec in parts]
    if not any(spans for _, spans in part_data):
        raise ConversionError("no notes")
    end = max(span.end for _, spans in part_data for span in spans)
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_QUARTER)
    midi.tracks.append(conductor_track(score, parts[0].part, title, label, end))
    channels = (c for c in range(16) if c != 9)
    for (spec, spans), channel in zip(part_data, channels, strict=False):
        midi.tracks.append(note_track(spec.name, channel, spec.program, spans, MELODY_VELOCITY))
    chords = chord_spans(parts[0].part, end)
    if chords:
        channel = next(channels, None)
        if channel is None:
            raise ConversionError("too many parts for 15 melodic MIDI channels")
        midi.tracks.append(note_track(CHORD_TRACK, channel, CHORD_PROGRAM, chords,
                                      CHORD_VELOCITY))
    return midi


def conductor_track(score: stream.Score, part: stream.Stream, title: str, label: str,
                    end: int) -> mido.MidiTrack:
    """Title, source label, tempo(s), time signature(s) and key signature(s)."""
    events: list[tuple[int, int, mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=latin1(title))),
        (0, 1, mido.MetaMessage("text", text=latin1(label))),
    ]
    marks = [(Fraction(score.elementOffset(m)), m)
             for m in score.getElementsByClass(tempo.MetronomeMark)]
    marks += placed(part, tempo.MetronomeMark)
    events += _unique(_tempo(at, mark) for at, mark in marks)
    events += _unique(_time_signature(at, ts) for at, ts in placed(part, meter.TimeSignature))
    events += _unique(_key_signature(at, ks) for at, ks in placed(part, key.KeySignature))
    if not any(msg.type == "set_tempo" for _, _, msg in events):
        events.append((0, 2, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(DEFAULT_BPM))))
    return _to_track(events, end)


def _unique(events: Iterable[_Meta | None]) -> Iterable[_Meta]:
    seen: set[int] = set()
    for event in events:
        if event is not None and event[0] not in seen:
            seen.add(event[0])
            yield event


def _tempo(at: Fraction, mark: tempo.MetronomeMark) -> _Meta | None:
    bpm = mark.getQuarterBPM()
    if not bpm or bpm <= 0:
        return None
    return ticks(at), 2, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))


def _time_signature(at: Fraction, ts: meter.TimeSignature) -> _Meta | None:
    num, den = ts.numerator, ts.denominator
    if not (1 <= num <= 255 and den >= 1 and den & (den - 1) == 0 and den <= 128):
        return None
    msg = mido.MetaMessage("time_signature", numerator=num, denominator=den)
    return ticks(at), 3, msg


def _key_signature(at: Fraction, ks: key.KeySignature) -> _Meta | None:
    sharps = ks.sharps
    if sharps is None or not -7 <= sharps <= 7:
        return None
    minor = isinstance(ks, key.Key) and ks.mode == "minor"
    name = (_MINOR if minor else _MAJOR)[sharps + 7]
    return ticks(at), 4, mido.MetaMessage("key_signature", key=name)


def note_track(name: str, channel: int, program: int, spans: Sequence[Span],
               velocity: int) -> mido.MidiTrack:
    """A named track: program change, then note on/off pairs (offs first at equal ticks)."""
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, -2, mido.MetaMessage("track_name", name=latin1(name))),
        (0, -1, mido.Message("program_change", channel=channel, program=program)),
    ]
    for span in untangle(spans):
        events.append((span.start, 1, mido.Message(
            "note_on", channel=channel, note=span.pitch, velocity=velocity)))
        events.append((span.end, 0, mido.Message(
            "note_off", channel=channel, note=span.pitch, velocity=0)))
    return _to_track(events, max((s.end for s in spans), default=0))


def untangle(spans: Iterable[Span]) -> list[Span]:
    """Cut a note short where the same pitch starts again before it ends (one channel)."""
    out: list[Span] = []
    last: dict[int, int] = {}
    for span in sorted(spans, key=lambda s: (s.start, s.pitch, -s.end)):
        index = last.get(span.pitch)
        if index is not None and out[index].end > span.start:
            prev = out[index]
            out[index] = Span(prev.start, span.start, prev.pitch)
        last[span.pitch] = len(out)
        out.append(span)
    return [span for span in out if span.end > span.start]


def _to_track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]],
              end: int) -> mido.MidiTrack:
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    return track


def count_notes(midi: mido.MidiFile) -> tuple[int, int]:
    """(melody notes, chord onsets): note-ons outside / distinct onsets inside "Chords"."""
    notes = chords = 0
    for track in midi.tracks:
        is_chords = track.name == CHORD_TRACK
        now, onsets = 0, set()
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                if is_chords:
                    onsets.add(now)
                else:
                    notes += 1
        chords += len(onsets)
    return notes, chords


def latin1(text: str) -> str:
    """MIDI text is Latin-1 for mido: fold accents where possible, ``?`` for the rest."""
    folded = unicodedata.normalize("NFKC", " ".join(text.split()))
    return folded.encode("latin-1", "replace").decode("latin-1")
