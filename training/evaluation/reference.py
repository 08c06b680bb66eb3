"""The human reference: held-out corpus melodies, measured like the generated takes.

The melodies come from ``training/dataset.py`` with the training split (``split_by_piece``
over the same folder and fraction), so they are pieces no shipped model saw. Each melody's
key is estimated from its own notes (Krumhansl–Schmuckler, ``live/theory/estimate.py``;
major or natural minor), which is the key its in-key ratio and cadences are measured
against. A seeded sample of ``limit`` melodies keeps the run short on the full corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from musicai.live.encoding import Vocabulary
from musicai.live.theory.estimate import estimate_key
from musicai.live.theory.keys import Key
from musicai.training.dataset import Melody, load_folder, split_by_piece
from musicai.training.evaluation.metrics import REST


@dataclass(frozen=True)
class Reference:
    """Held-out melodies as (pitches, durations, estimated key), and where they came from."""

    melodies: list[tuple[np.ndarray, np.ndarray, Key]]
    held_out: int  # held-out melodies available
    pieces: int  # held-out pieces they come from
    skipped_files: int


def decode(melody: Melody, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and duration ids -> MIDI notes (``REST`` for rests) and ticks."""
    ids = melody.notes.pitch.astype(np.int64)
    pitches = np.where(ids == vocab.rest_id, REST, ids - 1 + vocab.pitch_min)
    durations = np.asarray(vocab.durations, dtype=np.int64)[melody.notes.duration.astype(int)]
    return pitches, durations


def load_reference(folder: Path, *, fraction: float = 0.1, limit: int = 400, seed: int = 0,
                   cache_dir: Path | None = None, progress: bool | None = None) -> Reference:
    """Up to ``limit`` held-out melodies of ``folder`` (raises ``TrainingError`` like
    training does when the folder is missing or holds no melody)."""
    vocab = Vocabulary()
    corpus = load_folder(folder, vocab, cache_dir=cache_dir, progress=progress)
    _, held = split_by_piece(corpus, fraction)
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.permutation(len(held))[:limit]) if len(held) > limit else range(len(held))
    melodies = []
    for index in chosen:
        pitches, durations = decode(held[index], vocab)
        notes = pitches != REST
        estimate = estimate_key(pitches[notes].tolist(), durations[notes].tolist())
        if estimate is not None:
            melodies.append((pitches, durations, estimate.key))
    return Reference(melodies, len(held), len({m.piece for m in held}), len(corpus.skipped))
