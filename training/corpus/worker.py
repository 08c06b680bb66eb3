"""What one worker process does with one tune: parse it with music21, build its MIDI file.

Workers never write the final file: they hand back the bytes and the parent writes them
atomically, so a worker that dies or is stopped can never leave a half-written ``.mid``.
Workers ignore SIGINT; the parent alone decides how a Ctrl-C ends the batch.
"""

from __future__ import annotations

import io
import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mido
from musicai.training.corpus.abc_text import strip_annotations
from musicai.training.corpus.sets import SETS, Tune

VOICES = ("Soprano", "Alto", "Tenor", "Bass")


@dataclass(frozen=True)
class Task:
    tune: Tune
    dest: str  # final path of the .mid file


@dataclass(frozen=True)
class Outcome:
    """``status`` is "converted" (``data`` holds the file), "skipped" or "failed"."""

    tune: Tune
    dest: str
    status: str
    data: bytes | None = None
    notes: int = 0
    chords: int = 0
    reason: str = ""
    seconds: float = 0.0


def init_worker() -> None:
    """Run once per worker process: leave Ctrl-C to the parent, silence music21's warnings."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")
    from musicai.training.corpus import score_midi  # noqa: F401  (import music21 once, before the first tune)


def process(task: Task) -> Outcome:
    """Count the notes of an existing file, or convert the tune; never raises."""
    began = time.perf_counter()
    from musicai.training.corpus.score_midi import count_notes

    counts = existing_counts(task.dest)
    if counts is not None:
        return Outcome(task.tune, task.dest, "skipped", notes=counts[0], chords=counts[1],
                       seconds=time.perf_counter() - began)
    try:
        midi = convert(task.tune)
        notes, chords = count_notes(midi)
        buffer = io.BytesIO()
        midi.save(file=buffer)
    except Exception as err:  # a bad tune must not stop the batch
        return Outcome(task.tune, task.dest, "failed", reason=one_line(err),
                       seconds=time.perf_counter() - began)
    return Outcome(task.tune, task.dest, "converted", buffer.getvalue(), notes, chords,
                   seconds=time.perf_counter() - began)


def existing_counts(dest: str) -> tuple[int, int] | None:
    """(notes, chords) of a file already there; None when absent or unreadable (redo it)."""
    from musicai.training.corpus.score_midi import count_notes

    if not Path(dest).exists():
        return None
    try:
        return count_notes(mido.MidiFile(dest))
    except Exception:  # a foreign or damaged file: convert the tune again
        return None


def convert(tune: Tune) -> mido.MidiFile:
    """Parse one tune and build its MIDI file."""
    from music21 import converter, stream
    from musicai.training.corpus.score_midi import ConversionError, PartSpec, build_midi

    if tune.abc is not None:
        with without_beaming():
            score = converter.parseData(strip_annotations(tune.abc), format="abc")
    else:
        score = converter.parse(tune.path, forceSource=True, storePickle=False)
    if isinstance(score, stream.Opus):
        score = score.scores[0]
    program = SETS[tune.set_name].program
    if tune.set_name == "bach":
        specs = [PartSpec(name, program, part) for name, part in satb(score)]
    else:
        parts = list(score.parts) or [score]
        names = ["Melody"] if len(parts) == 1 else [f"Voice {i + 1}" for i in range(len(parts))]
        specs = [PartSpec(name, program, part) for name, part in zip(names, parts, strict=True)]
    if not specs:
        raise ConversionError("no parts")
    title = (score.metadata.title if score.metadata else None) or default_title(tune)
    label = f"{tune.set_name}/{tune.tune_id} from music21 corpus {tune.source}"
    return build_midi(score, specs, title, label)


@contextmanager
def without_beaming() -> Iterator[None]:
    """Skip the beaming music21's ABC reader does for every tune.

    Beams are notation only (no MIDI meaning), yet ``makeBeams`` is about 45% of the time
    music21 10.5 takes to read a tune; the converted files are byte-identical without it.
    Worker processes are single-threaded, so swapping the method for a moment is safe.
    """
    from music21 import stream

    original = stream.Stream.makeBeams
    stream.Stream.makeBeams = _no_beams
    try:
        yield
    finally:
        stream.Stream.makeBeams = original


def _no_beams(self: object, *args: object, **kwargs: object) -> None:
    return None


def default_title(tune: Tune) -> str:
    """"BWV 1.6" for a chorale file (their MusicXML has no title field), else the id."""
    if tune.set_name == "bach" and tune.tune_id.startswith("bwv"):
        return f"BWV {tune.tune_id[3:]}"
    return tune.tune_id


def satb(score) -> list[tuple[str, object]]:
    """The four voices of a chorale by part name; instrumental parts are left out."""
    from musicai.training.corpus.score_midi import ConversionError

    found: dict[str, object] = {}
    names = [(part.partName or "").split() for part in score.parts]
    for words, part in zip(names, score.parts, strict=True):
        if words and words[0] in VOICES and words[0] not in found:
            found[words[0]] = part
    if len(found) == 4:
        return [(voice, found[voice]) for voice in VOICES]
    if len(score.parts) == 4 and not any(names):
        return list(zip(VOICES, score.parts, strict=True))
    raise ConversionError(
        f"not a four-part chorale (parts: {', '.join(' '.join(w) or '?' for w in names)})")


def one_line(err: BaseException) -> str:
    """An exception as one short line: type and message, whitespace collapsed."""
    text = " ".join(str(err).split()) or "no message"
    name = type(err).__name__
    line = text if name == "ConversionError" else f"{name}: {text}"
    return line if len(line) <= 200 else line[:197] + "..."
