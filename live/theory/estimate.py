"""Key estimation from notes: the Krumhansl–Schmuckler algorithm.

The notes' durations are summed per pitch class (a held note counts more than a passing one)
and the 12-value histogram is correlated (Pearson) with the Krumhansl–Kessler probe-tone
profiles rotated to each of the 24 major and minor keys. The best correlation wins; values near
1 mean a clear key, below about 0.5 an ambiguous one (a jam mode that follows the player
should keep its key until a new estimate is both different and confident). Minor keys are
reported as natural ``minor``: the profiles do not tell the minor scales apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from musicai.live.encoding.events import NoteEvent
from musicai.live.theory.keys import Key

#: Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)

_KEYS: tuple[Key, ...] = tuple(Key(t, m) for m in ("major", "minor") for t in range(12))


def _standardise(rows: np.ndarray) -> np.ndarray:
    centred = rows - rows.mean(axis=-1, keepdims=True)
    return centred / np.linalg.norm(centred, axis=-1, keepdims=True)


_PROFILES = _standardise(np.array(
    [np.roll(MAJOR_PROFILE, t) for t in range(12)] + [np.roll(MINOR_PROFILE, t) for t in range(12)]
))


@dataclass(frozen=True)
class KeyEstimate:
    """The best key, its correlation (-1..1), and all 24 keys best first."""

    key: Key
    correlation: float
    ranking: tuple[tuple[Key, float], ...]


def pitch_class_histogram(pitches: Iterable[int | None],
                          durations: Iterable[float] | None = None) -> np.ndarray:
    """Total duration per pitch class (rests, None, are skipped; no durations = 1 each)."""
    hist = np.zeros(12)
    weights = durations if durations is not None else iter(lambda: 1.0, None)
    for pitch, weight in zip(pitches, weights, strict=durations is not None):
        if pitch is not None:
            hist[pitch % 12] += weight
    return hist


def estimate_key(pitches: Iterable[int | None],
                 durations: Iterable[float] | None = None) -> KeyEstimate | None:
    """The most likely key of some notes, or None when they say nothing (no notes, or all
    twelve pitch classes equally)."""
    return estimate_from_histogram(pitch_class_histogram(pitches, durations))


def estimate_key_of_events(events: Iterable[NoteEvent]) -> KeyEstimate | None:
    """``estimate_key`` for note events, weighted by their durations."""
    hist = np.zeros(12)
    for event in events:
        if event.pitch is not None:
            hist[event.pitch % 12] += event.duration
    return estimate_from_histogram(hist)


def estimate_from_histogram(hist: np.ndarray) -> KeyEstimate | None:
    """Correlate a 12-value pitch-class histogram with the 24 key profiles."""
    hist = np.asarray(hist, dtype=float)
    if np.ptp(hist) <= 0:
        return None
    scores = _PROFILES @ _standardise(hist)
    order = np.argsort(-scores, kind="stable")
    ranking = tuple((_KEYS[i], float(scores[i])) for i in order)
    return KeyEstimate(ranking[0][0], ranking[0][1], ranking)
