"""A MIDI folder -> encoded melodies, cached on disk, split into train and held-out pieces.

Reading MIDI is the slow part of a run (seconds for hundreds of files, minutes for the whole
corpus), so each file's encoded melodies are cached under a key made of the file's content
hash, the encoding version and the ingestion settings: renaming a file costs nothing and
changing the encoding invalidates everything at once. The split is by piece and follows the
content hash, so it is the same for every architecture and every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from musicai.live.encoding import ENCODING_VERSION, EncodedMelody, Vocabulary
from musicai.live.encoding.ingest import INGEST_RULES_VERSION, read_midi
from musicai.live.errors import EncodingError, MidiFileError
from musicai.live.published import replacing
from musicai.training.errors import TrainingError
from rich.progress import Progress

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".smf")
TUNE_NOTES = 24  # intervals that name a tune for the split (an incipit and then some)


@dataclass(frozen=True)
class Melody:
    """One melodic line of one file."""

    name: str  # "relative/path.mid#part-name"
    piece: str  # content hash of the file
    notes: EncodedMelody

    def __len__(self) -> int:
        return len(self.notes)

    @property
    def collection(self) -> str:
        """The folder the file sits in at the top of the data folder (the style it teaches)."""
        return self.name.split("/", 1)[0] if "/" in self.name else ""

    @property
    def tune(self) -> str:
        """What the melody is, whatever file it came in: a hash of its first ``TUNE_NOTES``
        pitch intervals (rests and rhythm left out, so two transcriptions of one tune, or one
        tune in two keys, share it)."""
        pitch = self.notes.pitch.astype(np.int64)
        notes = pitch[pitch > 0][: TUNE_NOTES + 1]
        return hashlib.sha256(np.diff(notes).astype(np.int8).tobytes()).hexdigest()


@dataclass
class Corpus:
    melodies: list[Melody] = field(default_factory=list)
    files_parsed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pieces(self) -> int:
        return len({m.piece for m in self.melodies})

    @property
    def events(self) -> int:
        return sum(len(m) for m in self.melodies)

    def summary(self) -> dict:
        return {
            "files_parsed": self.files_parsed,
            "files_skipped": len(self.skipped),
            "pieces": self.pieces,
            "melodies": len(self.melodies),
            "events": self.events,
        }


def midi_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(MIDI_SUFFIXES):
                yield Path(root) / name


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "musicai" / "encoded"


def load_folder(folder: Path, vocab: Vocabulary, *, min_notes: int = 8,
                cache_dir: Path | None = None, progress: bool | None = None) -> Corpus:
    """Every melody in a MIDI folder; bad files are listed in ``skipped``, never fatal."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TrainingError(
            f"{folder}: no such data folder; point --data at a folder of MIDI files"
        )
    files = list(midi_files(folder))
    if not files:
        raise TrainingError(f"{folder}: no MIDI files (*.mid, *.midi) in this folder")
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    settings = (f"enc{ENCODING_VERSION}-rules{INGEST_RULES_VERSION}-min{min_notes}"
                f"-p{vocab.pitch_min}-{vocab.pitch_max}")
    corpus = Corpus()
    show = sys.stderr.isatty() if progress is None else progress
    with Progress(transient=True, disable=not show) as bar:
        task = bar.add_task(f"encoding {folder.name}", total=len(files))
        for path in files:
            _add_file(corpus, path, folder, vocab, min_notes, cache, settings)
            bar.advance(task)
    if not corpus.melodies:
        raise TrainingError(
            f"{folder}: none of its {len(files)} MIDI files holds a usable melody "
            f"(at least {min_notes} notes); run `musicai-data scan {folder}` to see why"
        )
    return corpus


def _add_file(corpus: Corpus, path: Path, root: Path, vocab: Vocabulary, min_notes: int,
              cache: Path, settings: str) -> None:
    rel = path.relative_to(root).as_posix()
    try:
        content = path.read_bytes()
    except OSError as err:
        corpus.skipped.append((rel, f"unreadable ({err.strerror or err})"))
        return
    digest = hashlib.sha256(content).hexdigest()
    entry = cache / digest[:2] / f"{digest}-{settings}.npz"
    cached = _read_cache(entry)
    if cached is None:
        cached = _encode_file(path, vocab, min_notes)
        _write_cache(entry, cached)
    if "error" in cached:
        corpus.skipped.append((rel, str(cached["error"])))
        return
    corpus.files_parsed += 1
    names = json.loads(str(cached["names"]))
    bounds = cached["bounds"]
    for name, start, stop in zip(names, bounds[:-1], bounds[1:], strict=True):
        notes = EncodedMelody(*(cached[k][start:stop] for k in
                                ("pitch", "duration", "harmony", "instrument", "position",
                                 "bar")))
        corpus.melodies.append(Melody(f"{rel}#{name}", digest, notes))


def _encode_file(path: Path, vocab: Vocabulary, min_notes: int) -> dict[str, np.ndarray]:
    try:
        piece = read_midi(path, min_notes=min_notes)
    except MidiFileError as err:
        return {"error": np.array(err.reason)}
    names: list[str] = []
    parts: list[EncodedMelody] = []
    for part in piece.parts:
        try:
            encoded = vocab.encode(part.events)
        except EncodingError:
            continue  # a part outside the vocabulary's pitch range is not a melody for us
        position, bar = piece.positions(part)
        parts.append(replace(encoded, position=position.astype(np.int16),
                             bar=bar.astype(np.int16)))
        names.append(part.name or f"part{len(names)}")
    bounds = np.cumsum([0] + [len(p) for p in parts]).astype(np.int64)
    def joined(key: str, dtype: str) -> np.ndarray:
        arrays = [getattr(p, key) for p in parts]
        return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)
    return {
        "names": np.array(json.dumps(names)),
        "bounds": bounds,
        "pitch": joined("pitch", "int16"),
        "duration": joined("duration", "int8"),
        "harmony": joined("harmony", "uint16"),
        "instrument": joined("instrument", "int8"),
        "position": joined("position", "int16"),
        "bar": joined("bar", "int16"),
    }


def _read_cache(entry: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(entry, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError):
        return None


def _write_cache(entry: Path, arrays: dict[str, np.ndarray]) -> None:
    """Best effort and atomic: a cache that cannot be written only costs time."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with replacing(entry) as temp, open(temp, "wb") as out:
            np.savez(out, **arrays)
    except OSError:
        return


def split_by_piece(corpus: Corpus, validation_fraction: float) -> tuple[list[Melody], list[Melody]]:
    """Train and held-out melodies, no tune on both sides.

    Melodies are grouped when they share a file or a tune (``Melody.tune``): O'Neill's prints
    171 tunes twice in files that differ, and a chorale's four voices share one file. Each
    group goes to one side, by the hash of its smallest member, so the split is the same for
    every architecture and every run."""
    groups = _groups(corpus.melodies)
    names = sorted(set(groups.values()))
    if len(names) < 2:
        raise TrainingError(
            "the data holds a single tune; a validation split needs at least two"
        )
    def place(g: str) -> float:
        return int(g[:8], 16) / 0x1_0000_0000
    held = {g for g in names if place(g) < validation_fraction}
    if not held:
        held = {min(names, key=place)}
    if len(held) == len(names):
        held.discard(max(names, key=place))
    train = [m for m in corpus.melodies if groups[m.name] not in held]
    valid = [m for m in corpus.melodies if groups[m.name] in held]
    return train, valid


def _groups(melodies: list[Melody]) -> dict[str, str]:
    """Each melody's group (named by the smallest key in it): files and tunes joined."""
    parent: dict[str, str] = {}
    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    tunes = {}
    for m in melodies:
        tunes[m.name] = "t" + m.tune
        union("p" + m.piece, tunes[m.name])
    return {m.name: find("p" + m.piece)[1:] for m in melodies}
