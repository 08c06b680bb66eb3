"""Musical statistics of one melody: pure numpy, so generated takes and human melodies are
measured by exactly the same code.

A melody here is two parallel arrays: ``pitches`` (MIDI notes, ``REST`` = -1 for a rest;
``as_pitches`` converts ``None`` rests) and ``durations`` in ticks (480 per quarter). Metrics
about notes skip rests: an interval spans a rest, a run of one pitch continues over it.
Every ratio is ``nan`` when it has nothing to count (no notes, no moves, no phrase ends),
so an empty cell never passes for 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

REST = -1
BAR_TICKS = 1920  # a 4/4 bar at 480 ticks per quarter: density is counted per 4 quarters
MAX_INTERVAL = 12  # the interval histogram runs -12..+12; wider leaps land in the end bins
STEP = 2  # semitones: a move this small or smaller is a step
LONG_FACTOR = 2.0  # a phrase-ending note lasts at least this many times the median note ...
LONG_MIN_TICKS = 480  # ... and at least a quarter


def as_pitches(pitches: Iterable[int | None]) -> np.ndarray:
    """MIDI notes with ``None`` rests as an int array (rests = ``REST``)."""
    return np.array([REST if p is None else int(p) for p in pitches], dtype=np.int64)


def notes_only(pitches: np.ndarray) -> np.ndarray:
    pitches = np.asarray(pitches, dtype=np.int64)
    return pitches[pitches != REST]


def _ratio(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else float("nan")


def scale_member(pitches: np.ndarray, mask: int) -> np.ndarray:
    """Whether each note's pitch class is in a 12-bit pitch-class mask (bit 0 = C)."""
    return ((int(mask) >> (np.asarray(pitches) % 12)) & 1).astype(bool)


def in_key_ratio(pitches: np.ndarray, mask: int) -> float:
    """Share of notes whose pitch class is in the key's scale mask."""
    notes = notes_only(pitches)
    return _ratio(scale_member(notes, mask).sum(), notes.size)


def pitch_class_counts(pitches: np.ndarray, tonic: int = 0) -> np.ndarray:
    """Notes per pitch class (12 values), counted from ``tonic`` (0: absolute, C first)."""
    return np.bincount((notes_only(pitches) - tonic) % 12, minlength=12).astype(float)


def distribution(counts: np.ndarray) -> np.ndarray:
    """Counts scaled to sum 1 (all zeros stay zeros)."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return counts / total if total else counts


def intervals(pitches: np.ndarray) -> np.ndarray:
    """Semitones between consecutive notes (rests skipped)."""
    return np.diff(notes_only(pitches))


def interval_histogram(pitches: np.ndarray, limit: int = MAX_INTERVAL) -> np.ndarray:
    """Counts of intervals -limit..+limit (2 * limit + 1 bins, wider ones clipped in)."""
    moves = np.clip(intervals(pitches), -limit, limit) + limit
    return np.bincount(moves, minlength=2 * limit + 1).astype(float)


def direction_adherence(pitches: np.ndarray, direction: str,
                        starts: tuple[int, int] | None = None) -> float:
    """Share of moves (repeated notes are no move) that go the asked way, "up" or "down";
    with ``starts`` (low, high), only moves from a note in that range count (say, away from
    the register wall that turns a rising line around)."""
    if direction not in ("up", "down"):
        raise ValueError(f'direction "{direction}" is not up or down')
    notes = notes_only(pitches)
    moves = np.diff(notes)
    if starts is not None:
        moves = moves[(notes[:-1] >= starts[0]) & (notes[:-1] <= starts[1])]
    moves = moves[moves != 0]
    wanted = moves > 0 if direction == "up" else moves < 0
    return _ratio(wanted.sum(), moves.size)


def step_share(pitches: np.ndarray) -> float:
    """Share of intervals that are steps (1 or 2 semitones) among all, repeats included."""
    moves = np.abs(intervals(pitches))
    return _ratio(((moves >= 1) & (moves <= STEP)).sum(), moves.size)


def phrase_ends(pitches: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Indices of notes that end a phrase, by one rule for every source (generated takes and
    human melodies carry no phrase marks): a note followed by a rest, a long note (at least
    twice the median note and at least a quarter), and the last note."""
    pitches = np.asarray(pitches, dtype=np.int64)
    durations = np.asarray(durations, dtype=np.int64)
    is_note = pitches != REST
    if not is_note.any():
        return np.zeros(0, dtype=np.int64)
    long = max(LONG_FACTOR * float(np.median(durations[is_note])), LONG_MIN_TICKS)
    before_rest = np.zeros(pitches.size, dtype=bool)
    before_rest[:-1] = ~is_note[1:]
    ends = is_note & (before_rest | (durations >= long))
    ends[np.flatnonzero(is_note)[-1]] = True
    return np.flatnonzero(ends)


def cadence_rate(pitches: np.ndarray, ends: np.ndarray, tonic: int) -> float:
    """Share of phrase-ending notes on the tonic's pitch class."""
    last = np.asarray(pitches, dtype=np.int64)[np.asarray(ends, dtype=np.int64)]
    return _ratio((last % 12 == tonic % 12).sum(), last.size)


def longest_run(pitches: np.ndarray) -> int:
    """The most times one pitch sounds in a row (rests in between do not break a run)."""
    notes = notes_only(pitches)
    if notes.size == 0:
        return 0
    starts = np.flatnonzero(np.diff(notes) != 0) + 1
    bounds = np.concatenate([[0], starts, [notes.size]])
    return int(np.diff(bounds).max())


def repeated_ngram_rate(pitches: np.ndarray, n: int = 4) -> float:
    """Share of the n-note windows that repeat an earlier window exactly: 0 for a line that
    never repeats itself, near 1 for a loop."""
    notes = notes_only(pitches)
    if notes.size < n:
        return float("nan")
    windows = np.lib.stride_tricks.sliding_window_view(notes, n)
    distinct = np.unique(windows, axis=0).shape[0]
    return 1.0 - distinct / windows.shape[0]


def entropy_bits(counts: np.ndarray) -> float:
    """Shannon entropy (bits) of a histogram; 0 for an empty one."""
    p = distribution(counts)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) if p.size else 0.0


def pitch_class_entropy(pitches: np.ndarray) -> float:
    """Entropy of the pitch-class distribution: 0 for one note, log2(12) ~ 3.58 for all
    twelve equally (a major scale played evenly: log2(7) ~ 2.81)."""
    return entropy_bits(pitch_class_counts(pitches))


def notes_per_bar(pitches: np.ndarray, durations: np.ndarray, bar_ticks: int = BAR_TICKS) -> float:
    """Notes (rests excluded) per bar of ``bar_ticks`` over the melody's whole length."""
    total = float(np.asarray(durations).sum())
    return _ratio(notes_only(pitches).size * bar_ticks, total)


def chunks(pitches: np.ndarray, durations: np.ndarray, size: int) -> list[tuple[np.ndarray,
                                                                                 np.ndarray]]:
    """Cut a melody into pieces of ``size`` notes each (a partial last piece is dropped), so
    length-dependent statistics (repeats, runs, entropy) compare melodies of any length."""
    pitches = np.asarray(pitches, dtype=np.int64)
    durations = np.asarray(durations)
    note_at = np.flatnonzero(pitches != REST)
    out = []
    for first in range(0, note_at.size - size + 1, size):
        start, stop = note_at[first], note_at[first + size - 1] + 1
        out.append((pitches[start:stop], durations[start:stop]))
    return out
