"""Beat strength: how strong each position in the bar is.

Every onset falls in one of five levels, strongest first (``LEVELS``):

0 downbeat  the first beat of the bar
1 strong    the bar's secondary strong beat: beat 3 of 4/4, beat 4 of 6/8 (beats_per_bar
            6, beat_ticks 240), the middle beat of any even bar of 4 or more beats, the
            beat after the first group in 5 (3+2) and 7 (4+3); 2/4 and 3/4 have none
2 beat      the other beats
3 offbeat   halfway between two beats (the "and")
4 weak      anything finer (16ths, triplets)

Chord tones are favoured by level, downbeats are accented, and durations land on the grid by
it; the sampler reads levels from a per-bar table indexed by ``onset % bar // QUANTUM``.
"""

from __future__ import annotations

import numpy as np
from musicai.live.encoding.context import (  # one rule for the models' inputs and the sampler
    BEAT,
    DOWNBEAT,
    LEVELS,
    OFFBEAT,
    STRONG,
    WEAK,
    level_at,
    strong_beats,
)
from musicai.live.encoding.grid import QUANTUM

__all__ = ["BEAT", "DOWNBEAT", "LEVELS", "OFFBEAT", "STRONG", "WEAK", "bar_levels", "level_at",
           "strong_beats"]


def bar_levels(beats_per_bar: int, beat_ticks: int, quantum: int = QUANTUM) -> np.ndarray:
    """Levels of every ``quantum`` step of one bar, as int8."""
    return np.array([level_at(t, beats_per_bar, beat_ticks)
                     for t in range(0, beats_per_bar * beat_ticks, quantum)], dtype=np.int8)
