"""Musical statistics of one melody: pure numpy, so generated takes and human melodies are
measured by exactly the same code.

A melody here is two parallel arrays: ``pitches`` (MIDI notes, ``REST`` = -1 for a rest;
``as_pitches`` converts ``None`` rests) and ``durations`` in ticks (480 per quarter). Metrics
about notes skip rests: an interval spans a rest, a run of one pitch continues over it.
Every ratio is ``nan`` when it has nothing to count (no notes, no moves, no phrase ends),
so an empty cell never passes for 0 %.
"""

from __future__ import annotations

import itertools
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


RECURRENCE_WINDOW = 8  # bars looked back for a recurrence (the MusPy-style measure)


def bar_patterns(pitches: np.ndarray, durations: np.ndarray,
                 bar_ticks: int = BAR_TICKS) -> list[tuple[tuple, tuple, tuple] | None]:
    """Per bar: (rhythm, intervals, contour) of the notes starting in it, None for a bar with
    fewer than two notes (a held note or silence recurs trivially). Rhythm is the notes'
    (offset in the bar, duration) pairs; intervals the semitones between consecutive notes
    of the bar; contour their signs."""
    pitches = np.asarray(pitches, dtype=np.int64)
    durations = np.asarray(durations, dtype=np.int64)
    onsets = np.concatenate([[0], np.cumsum(durations)[:-1]]) if durations.size else durations
    total = int(durations.sum()) if durations.size else 0
    bars: list[list[tuple[int, int, int]]] = [[] for _ in range(-(-total // bar_ticks))]
    for onset, duration, pitch in zip(onsets.tolist(), durations.tolist(), pitches.tolist(),
                                      strict=True):
        if pitch != REST:
            bars[onset // bar_ticks].append((onset % bar_ticks, duration, pitch))
    out: list[tuple[tuple, tuple, tuple] | None] = []
    for notes in bars:
        if len(notes) < 2:
            out.append(None)
            continue
        steps = tuple(b[2] - a[2] for a, b in itertools.pairwise(notes))
        out.append((tuple((o, d) for o, d, _ in notes), steps,
                    tuple(int(np.sign(s)) for s in steps)))
    return out


def bar_recurrence(pitches: np.ndarray, durations: np.ndarray, window: int = RECURRENCE_WINDOW,
                   bar_ticks: int = BAR_TICKS, beat_ticks: int = 480) -> tuple[float, float]:
    """(exact, varied): the share of bars (with two notes or more, after the first) whose
    pattern came in one of the ``window`` bars before. Exact: the same rhythm and the same
    intervals (a transposed copy counts). Varied, when not exact: the same rhythm with the
    same contour or at least half the intervals the same (a sequence, a varied restatement),
    or the same intervals on another rhythm. Their sum is the recurrence.

    Melodies carry no bar lines we can trust (a tune with an upbeat starts mid-bar), so the
    bar grid is tried at every beat of the bar and the phase with the most recurrence is
    kept, for generated and human melodies alike."""
    pitches = np.asarray(pitches, dtype=np.int64)
    durations = np.asarray(durations, dtype=np.int64)
    best = (float("nan"), float("nan"))
    for shift in range(0, bar_ticks, beat_ticks):
        if shift:
            shifted_p = np.concatenate([[REST], pitches])
            shifted_d = np.concatenate([[shift], durations])
        else:
            shifted_p, shifted_d = pitches, durations
        found = _recurrence_at(shifted_p, shifted_d, window, bar_ticks)
        if best[0] != best[0] or sum(found) > sum(best):
            best = found
    return best


def _recurrence_at(pitches: np.ndarray, durations: np.ndarray, window: int,
                   bar_ticks: int) -> tuple[float, float]:
    patterns = bar_patterns(pitches, durations, bar_ticks)
    exact = varied = counted = 0
    for i, bar in enumerate(patterns):
        earlier = [p for p in patterns[max(0, i - window):i] if p is not None]
        if bar is None or i == 0:
            continue
        counted += 1
        if any(p[0] == bar[0] and p[1] == bar[1] for p in earlier):
            exact += 1
        elif any(_varied(p, bar) for p in earlier):
            varied += 1
    return _ratio(exact, counted), _ratio(varied, counted)


def _varied(a: tuple, b: tuple) -> bool:
    if a[0] == b[0]:
        same = sum(x == y for x, y in zip(a[1], b[1], strict=False))
        return a[2] == b[2] or 2 * same >= len(b[1])
    return a[1] == b[1]


def direction_per_phrase(pitches: np.ndarray, direction: str, phrase_notes: int = 8) -> float:
    """``direction_adherence`` inside each run of ``phrase_notes`` notes, averaged: how well
    the asked way holds within phrases, whatever happens between them."""
    notes = notes_only(pitches)
    shares = [direction_adherence(notes[i:i + phrase_notes], direction)
              for i in range(0, notes.size - phrase_notes + 1, phrase_notes)]
    shares = [s for s in shares if s == s]
    return float(np.mean(shares)) if shares else float("nan")
