"""A primer: a melody from a MIDI file that the instrument continues (``--primer FILE.mid``).

The file is read by the project's own ingestion (the one reader of untrusted MIDI, with its
one-line errors), one part is picked (``--primer-track N``, 1-based, in the order the
ingestion lists parts: by track, then channel; default the first part), and its events are
fed through the model and the theory sampler before the first note, exactly as a player's
notes are (``feed``): the model's state and the sampler's history, phrase position and
repetition memory continue from the primer, and the engine's first onset is where it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from musicai.live.encoding import NoteEvent
from musicai.live.encoding.ingest import Piece, read_midi
from musicai.live.errors import MidiFileError
from musicai.live.inference.predictor import Predictor
from musicai.live.sampler.engine_sampler import EngineSampler
from musicai.live.theory.estimate import estimate_key_of_events

PRIMER_VELOCITY = 80  # the primer track of a take: ingestion keeps no velocities


@dataclass(frozen=True)
class Primer:
    path: Path
    part: str  # the part's name, for the start-up line
    events: tuple[NoteEvent, ...]
    bpm: float | None  # the file's first tempo, if it has one
    key: str | None  # the estimated key ("D minor"), None for too few pitch classes

    @property
    def end(self) -> int:
        """Tick where the primer ends: the continuation's first onset."""
        return sum(event.duration for event in self.events)

    @property
    def notes(self) -> int:
        return sum(1 for event in self.events if event.pitch is not None)

    def timed(self) -> list[tuple[int, NoteEvent]]:
        """(onset tick, event) for every event, from tick 0."""
        out, onset = [], 0
        for event in self.events:
            out.append((onset, event))
            onset += event.duration
        return out

    def take_notes(self) -> tuple[tuple[int, int, int, int], ...]:
        """The primer's notes for a take's primer track: (onset, pitch, duration, velocity)."""
        return tuple((onset, e.pitch, e.duration, PRIMER_VELOCITY)
                     for onset, e in self.timed() if e.pitch is not None)


def read_primer(path: str | Path, track: int | None = None) -> Primer:
    """Read and pick; every problem is one ``MidiFileError`` line naming the file."""
    path = Path(path)
    piece = read_midi(path, min_notes=1)
    if not piece.parts:
        raise MidiFileError(path, "has no melody part with notes (drums are skipped); "
                            "give a file with a melody")
    part = _pick(piece, path, track)
    events = tuple(_trimmed(part.events))
    estimate = estimate_key_of_events(events)
    return Primer(path, part.name or f"part {piece.parts.index(part) + 1}", events,
                  piece.tempos[0][1] if piece.tempos else None,
                  estimate.key.name if estimate is not None else None)


def _pick(piece: Piece, path: Path, track: int | None):
    if track is None:
        return piece.parts[0]
    if not 1 <= track <= len(piece.parts):
        listed = "; ".join(f"{i} {p.name or '(unnamed)'} ({p.notes} notes)"
                           for i, p in enumerate(piece.parts, 1))
        raise MidiFileError(path, f"has no part {track}; --primer-track takes 1.."
                            f"{len(piece.parts)}: {listed}")
    return piece.parts[track - 1]


def _trimmed(events: list[NoteEvent]) -> list[NoteEvent]:
    """Without the trailing rests: the answer follows the last note."""
    end = len(events)
    while end and events[end - 1].pitch is None:
        end -= 1
    return events[:end]


def feed(primer: Primer, predictor: Predictor, sampler: EngineSampler,
         instrument: int = 0) -> None:
    """The primer into the model and the sampler, as if it had just been played."""
    for onset, event in primer.timed():
        harmony = event.harmony or sampler.harmony_for(onset)
        predictor.commit(NoteEvent(event.pitch, event.duration, harmony, instrument), onset)
        sampler.sampler.observe(event.pitch, event.duration, onset)
