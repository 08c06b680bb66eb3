"""Melodic contour: a bias on the interval from the previous note, by its size and direction.

Size (log-probability cost at temperature 1, by semitones): steps are free, leaps cost more
the larger they are, the tritone and sevenths more than their size says, and a repeat costs a
little (repeats are also capped, see ``repetition``):

    0: 1.3   1-2: 0   3: 0.9   4: 1.0   5: 1.8   6: 3.5   7: 2.6   8-9: 3.2   10: 3.8   11: 4.2
    12: 3.4   beyond an octave: 4.5 + 0.5 per semitone past 12

Tuned on theory-only output (flat logits, C major, defaults) toward folk-song statistics:
about 50% steps, 14% repeats, 21% thirds, 8% fourths, 8% larger leaps.

Direction: intervals against the phrase's direction d (``phrase.direction_curve``, -1..1) cost
``DIRECTION_GAIN * contour * |d|`` (2.0): with d = 1 a rising step is e**2 = 7 times likelier
than the falling step, while a rising leap keeps its size cost (the direction never makes
leaps attractive). Repeats are neither way. The direction gives way at the register walls:
from ``WALL_ZONE`` (2) semitones below ``register_high`` a rising direction is dropped (and
likewise a falling one near ``register_low``), so the walls turn a line around instead of
the line leaning on them.

Recovery: after a leap of a fourth or more, a step back the other way gets ``RECOVERY``
(+0.8): the gap-fill habit of singable melodies.

Re-centring: with ``up`` or ``down`` and ``recentre`` on, a line that has reached the wall
leaps back at the next strong beat: pitches in the far third of the register get
``RECENTRE_GAIN`` (+6), falling off by ``RECENTRE_SLOPE`` per semitone outside it, and then
the line goes the asked way again, so the direction holds over a whole take; with it the
direction bias of ``up`` and ``down`` is ``HOLD_GAIN`` (1.5) times stronger.

The first note of a take has no interval; it is pulled toward the middle of the register
(``FIRST_NOTE_PULL`` per semitone from the centre).
"""

from __future__ import annotations

import numpy as np

SIZE_COST = (1.3, 0.0, 0.0, 0.9, 1.0, 1.8, 3.5, 2.6, 3.2, 3.2, 3.8, 4.2, 3.4)
BEYOND_OCTAVE = 4.5
BEYOND_OCTAVE_SLOPE = 0.5
DIRECTION_GAIN = 2.0
RECOVERY = 0.8
WALL_ZONE = 2
LEAP = 5
FIRST_NOTE_PULL = 0.15
HOLD_GAIN = 1.5  # with recentre, a fixed up/down leans this much harder (it holds a take)
RECENTRE_GAIN = 6.0
RECENTRE_SLOPE = 1.0


def interval_cost(intervals: np.ndarray) -> np.ndarray:
    """Cost of each interval (semitones, any sign) by its size."""
    size = np.abs(intervals)
    table = np.asarray(SIZE_COST)
    beyond = BEYOND_OCTAVE + BEYOND_OCTAVE_SLOPE * (size - 12)
    return np.where(size <= 12, table[np.minimum(size, 12)], beyond)


def interval_axis(span: int) -> np.ndarray:
    """The intervals -span..span: column j of a contour row is interval j - span."""
    return np.arange(-span, span + 1)


def contour_rows(directions: np.ndarray, strength: float, span: int) -> np.ndarray:
    """One bias row per phrase slot over the intervals -span..span."""
    k = interval_axis(span)
    size = -interval_cost(k)
    against = np.maximum(0.0, -directions[:, None] * np.sign(k)[None, :])
    return size[None, :] - DIRECTION_GAIN * strength * against


def recovery_rows(span: int) -> np.ndarray:
    """Rows added after a leap: [after a leap up, after a leap down]."""
    k = interval_axis(span)
    step = (np.abs(k) >= 1) & (np.abs(k) <= 2)
    return np.stack([RECOVERY * (step & (k < 0)), RECOVERY * (step & (k > 0))])


def first_note_bias(pitches: np.ndarray, low: int, high: int) -> np.ndarray:
    """Bias toward the middle of the register for a note with no predecessor."""
    return -FIRST_NOTE_PULL * np.abs(pitches - (low + high) / 2.0)


def recentre_bias(pitches: np.ndarray, low: int, high: int, from_top: bool) -> np.ndarray:
    """The leap back into the register: from the top wall toward the lowest third (an
    ``up`` line starts again low), from the bottom toward the highest third."""
    third = (high - low) / 3.0
    lo, hi = (low, low + third) if from_top else (high - third, high)
    outside = np.maximum(lo - pitches, 0) + np.maximum(pitches - hi, 0)
    return RECENTRE_GAIN - RECENTRE_SLOPE * outside
