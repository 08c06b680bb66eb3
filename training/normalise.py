"""Every melody moved to a tonic of C: the scale-degree alternative to 12-key augmentation.

A model trained this way never has to learn that a tune in D is the same tune in C: pitch
class C always means the tonic. The price is paid live, where the key would have to be known
(or guessed) before the first note and every key change would move the whole frame of the
model's carried state. ``--augment tonic`` trains such a model so the two ways can be measured
side by side on the same held-out tunes (README, "Scale degrees or twelve keys").

The key of a melody is the Krumhansl-Schmuckler estimate over its whole line (durations
weighted). The shift is the smallest that puts the tonic on C and keeps every note in the
vocabulary's range; a melody that no such shift fits (none in the corpus) stays as written.
"""

from __future__ import annotations

import numpy as np
from musicai.live.encoding import EncodedMelody, Vocabulary
from musicai.live.theory.estimate import estimate_from_histogram


def tonic_of(notes: EncodedMelody, vocab: Vocabulary) -> int | None:
    """The pitch class of the melody's estimated tonic (None for a line with no key)."""
    pitch = notes.pitch.astype(np.int64)
    sounding = pitch > 0
    if not sounding.any():
        return None
    ticks = np.asarray(vocab.durations, dtype=float)[notes.duration.astype(np.int64)]
    classes = (pitch[sounding] - 1 + vocab.pitch_min) % 12
    estimate = estimate_from_histogram(np.bincount(classes, weights=ticks[sounding],
                                                   minlength=12))
    return None if estimate is None else estimate.key.tonic


def tonic_candidates(tonic: int) -> tuple[int, int, int]:
    """The shifts that put ``tonic`` on C, smallest first (-5..6, then an octave either way)."""
    nearest = (-tonic + 5) % 12 - 5
    return tuple(sorted((nearest, nearest - 12, nearest + 12), key=abs))
