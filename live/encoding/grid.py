"""The musical time grid every note event sits on.

Musical time is counted in ticks, 480 per quarter note, everywhere in the program. A note
event's duration is one of ``DURATIONS``: straight values from a 32nd note to a breve, their
dotted forms down to the dotted 16th, and triplets from the 16th-note triplet to the half-note
triplet. Anything longer than a breve is written as several events (a held note becomes a
note followed by rests). Onsets read from MIDI files are snapped to ``QUANTUM`` (a 1/24 of a
quarter), which holds both the 32nd grid (60 ticks) and the triplet grid (80 ticks).
"""

from __future__ import annotations

TICKS_PER_QUARTER = 480

#: Every duration a note or rest event may have, in ticks, shortest first.
DURATIONS: tuple[int, ...] = (
    60,  # 32nd
    80,  # 16th-note triplet
    120,  # 16th
    160,  # 8th-note triplet
    180,  # dotted 16th
    240,  # 8th
    320,  # quarter-note triplet
    360,  # dotted 8th
    480,  # quarter
    640,  # half-note triplet
    720,  # dotted quarter
    960,  # half
    1440,  # dotted half
    1920,  # whole
    2880,  # dotted whole
    3840,  # breve
)

DURATION_NAMES: dict[int, str] = {
    60: "1/32",
    80: "1/16t",
    120: "1/16",
    160: "1/8t",
    180: "1/16.",
    240: "1/8",
    320: "1/4t",
    360: "1/8.",
    480: "1/4",
    640: "1/2t",
    720: "1/4.",
    960: "1/2",
    1440: "1/2.",
    1920: "1/1",
    2880: "1/1.",
    3840: "2/1",
}

#: Onsets are snapped to this many ticks: the common divisor of the 32nd and triplet grids.
QUANTUM = 20

SHORTEST = DURATIONS[0]
LONGEST = DURATIONS[-1]


def snap(ticks: float, quantum: int = QUANTUM) -> int:
    """Round a tick position to the nearest grid point (halves round up, like a sequencer)."""
    return int((ticks + quantum / 2) // quantum) * quantum


def rescale(ticks: int, from_tpq: int, to_tpq: int = TICKS_PER_QUARTER) -> float:
    """Convert a position between two ticks-per-quarter resolutions."""
    return ticks * to_tpq / from_tpq


def longest_fitting(span: int) -> int | None:
    """The longest grid duration that fits in ``span`` ticks, or None when none does."""
    fitting = [d for d in DURATIONS if d <= span]
    return fitting[-1] if fitting else None


def split_span(span: int) -> list[int]:
    """Cut a span into grid durations, longest first, so the pieces add up to ``span``.

    Plain greedy cutting can strand a remainder shorter than a 32nd (200 = 180 + 20), so each
    cut is the longest duration whose remainder can itself be cut exactly. Spans longer than
    two breves start with whole breves. The only spans that cannot be cut exactly are 20, 40 and 100
    ticks; those keep their longest exact part and lose under a 32nd at the end.
    """
    pieces: list[int] = []
    remaining = span
    while remaining > len(_EXACT) - 1:
        pieces.append(LONGEST)
        remaining -= LONGEST
    while remaining >= SHORTEST:
        cut = next((d for d in reversed(DURATIONS) if d <= remaining and _EXACT[remaining - d]),
                   None) or longest_fitting(remaining)
        assert cut is not None
        pieces.append(cut)
        remaining -= cut
    return pieces


def _exact_table(limit: int) -> list[bool]:
    """exact[n]: can n ticks be written as a sum of grid durations? (n <= limit)"""
    exact = [False] * (limit + 1)
    exact[0] = True
    for n in range(QUANTUM, limit + 1, QUANTUM):
        exact[n] = any(d <= n and exact[n - d] for d in DURATIONS)
    return exact


_EXACT = _exact_table(2 * LONGEST)
