"""Notes on the grid -> one melodic line of back-to-back spans; and the harmony under it.

These are the rules ``ingest`` applies to every part and ``midi_io.canonical`` applies to
event lists, kept in one place so that a written melody reads back as itself. All positions
are absolute ticks on the 480-per-quarter grid, already snapped to ``grid.QUANTUM``; every
span is measured between absolute positions, so rounding never accumulates into drift.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
from musicai.live.encoding.grid import DURATIONS, SHORTEST, split_span

#: (onset, offset, pitch) in snapped ticks.
Note = tuple[int, int, int]
#: (onset, pitch or None for a rest, duration): one event of a melody before its harmony.
Piece = tuple[int, "int | None", int]

#: A gap after a note becomes a rest only when it is at least this long (a 16th) ...
MIN_REST = 120
#: ... and more than half the time to the next onset (see ``cut``).

#: Spans of 20, 40 and 100 ticks cannot be written as grid durations.
_UNWRITABLE = frozenset({20, 40, 100})
_DURATION_SET = frozenset(DURATIONS)


def writable(span: int) -> bool:
    """Can ``span`` ticks be cut into grid durations with nothing left over?"""
    return span >= SHORTEST and span not in _UNWRITABLE


def skyline(notes: Sequence[Note]) -> tuple[list[Note], list[Note]]:
    """(kept, dropped): at each onset the highest starting note is kept, unless a higher note
    of the same part (kept or not) is still sounding, in which case it is dropped."""
    kept: list[Note] = []
    dropped: list[Note] = []
    sounding: list[tuple[int, int]] = []  # heap of (-pitch, offset)
    for note in sorted(notes, key=lambda n: (n[0], -n[2])):
        onset, offset, pitch = note
        while sounding and sounding[0][1] <= onset:
            heapq.heappop(sounding)
        # Lower notes that ended are left in the heap; only the top has to be current.
        (dropped if sounding and -sounding[0][0] > pitch else kept).append(note)
        heapq.heappush(sounding, (-pitch, offset))
    return kept, dropped


def merge_graces(kept: Sequence[Note]) -> tuple[list[Note], list[Note]]:
    """(melody, graces): a kept note followed by the next kept onset in under a 32nd (a grace
    note, a rolled chord) is merged away; the note before it then lasts longer instead."""
    melody: list[Note] = []
    graces: list[Note] = []
    next_onset: int | None = None
    for note in reversed(kept):
        if next_onset is not None and next_onset - note[0] < SHORTEST:
            graces.append(note)
            continue
        melody.append(note)
        next_onset = note[0]
    melody.reverse()
    return melody, graces


def spans(melody: Sequence[Note]) -> list[Piece]:
    """Back-to-back note and rest events from the first onset to the last note's end.

    A note lasts until the next onset (its IOI) unless the silence after it is a rest: at
    least ``MIN_REST`` ticks and more than half the IOI. A span longer than any duration is
    cut by ``split_span``: the first piece is the note, the others rests.
    """
    if not melody:
        return []
    bounds = _boundaries(melody)
    out: list[Piece] = []
    for (_onset, offset, pitch), start, stop in zip(melody, bounds, bounds[1:], strict=False):
        note, rest = cut(stop - start, max(0, min(offset, stop) - start))
        out.extend(pieces(start, pitch, note, rest))
    return out


def cut(span: int, sound: int) -> tuple[int, int]:
    """(note, rest) lengths for a span whose note sounds ``sound`` ticks: both writable."""
    gap = span - sound
    if gap < MIN_REST or 2 * gap <= span:
        return span, 0
    for shift in (0, 20, -20, 40, -40, 60):  # a very short or 100-tick note moves a little
        if writable(sound + shift) and writable(gap - shift):
            return sound + shift, gap - shift
    return span, 0


def pieces(start: int, pitch: int | None, note: int, rest: int) -> list[Piece]:
    """The events of one span: the note as one grid duration, then the rest of the span as
    rests. The note is the longest duration that fits in ``note`` and leaves a writable rest,
    so a long note becomes a note and rests and a note tail merges with the gap after it."""
    span = note + rest
    if note in _DURATION_SET and (rest == 0 or writable(rest)):
        first = note  # the common case
    else:
        first = next(d for d in reversed(DURATIONS)
                     if d <= note and (d == span or writable(span - d)))
    out: list[Piece] = [(start, pitch, first)]
    position = start + first
    for length in split_span(span - first):
        out.append((position, None, length))
        position += length
    return out


def _boundaries(melody: Sequence[Note]) -> list[int]:
    """Span edges: each onset, then the last note's end. An edge that would leave an
    unwritable 100-tick span moves by 20 ticks (once, so nothing drifts)."""
    bounds = [note[0] for note in melody] + [melody[-1][1]]
    for i in range(len(bounds) - 1):
        if bounds[i + 1] - bounds[i] != 100:
            continue
        if i + 2 < len(bounds) and not writable(bounds[i + 2] - bounds[i + 1] - 20):
            bounds[i + 1] -= 20
        else:
            bounds[i + 1] += 20
    return bounds


def harmony_masks(notes: Sequence[tuple[int, int, int, int]],
                  queries: Sequence[tuple[int, int]]) -> list[int]:
    """For each query (tick, part): the pitch classes sounding at that tick, leaving out the
    part's own melody notes. ``notes`` are (onset, offset, pitch, owner) where owner is the
    part whose melody the note belongs to, or -1 for notes that are harmony for everyone.

    Vectorised: a note sounds at t when onset <= t < offset, so the number sounding is
    (onsets <= t) - (offsets <= t), two binary searches per pitch class. A part's own notes
    are counted the same way on keys ``part * span + tick``, which keeps parts apart.
    """
    if not queries:
        return []
    table = np.asarray(notes, dtype=np.int64).reshape(-1, 4)
    asked = np.asarray(queries, dtype=np.int64).reshape(-1, 2)
    span = int(max(table[:, 1].max(initial=0), asked[:, 0].max(initial=0))) + 1
    own_key = asked[:, 1] * span + asked[:, 0]
    masks = np.zeros(len(asked), dtype=np.int64)
    for pc in range(12):
        group = table[table[:, 2] % 12 == pc]
        if not len(group):
            continue
        sounding = _sounding(group[:, 0], group[:, 1], asked[:, 0])
        owned = group[group[:, 3] >= 0]
        if len(owned):
            base = owned[:, 3] * span
            sounding -= _sounding(base + owned[:, 0], base + owned[:, 1], own_key)
        masks |= (sounding > 0).astype(np.int64) << pc
    return masks.tolist()


def _sounding(onsets: np.ndarray, offsets: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """How many of the notes sound at each tick."""
    return (np.searchsorted(np.sort(onsets), ticks, side="right")
            - np.searchsorted(np.sort(offsets), ticks, side="right"))
