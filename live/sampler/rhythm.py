"""Rhythm: the bias on the duration logits, so theory-only rhythms are musical.

The bias for a duration d of a note starting t ticks after its bar line is, times ``rhythm``:

prior (log units, ticks at 480 per quarter)
    8th 240 and quarter 480: 0; dotted quarter 720: -1.0; half 960: -1.2; dotted 8th 360:
    -1.5; 16th 120: -1.8; dotted half 1440: -2.5; whole 1920: -3.0; dotted 16th -3.0;
    triplets -3.5 to -4.5; 32nd -4.0; longer than a whole -5 and -6; anything else -3.
landing (where the note ends, t + d, within the bar)
    bar line +0.8, strong beat +0.6, beat +0.5, offbeat (8th) 0, 16th grid -1.0, finer -2.0:
    a dotted 8th wants a 16th after it, triplets come back to the beat.
crossings
    crossing the bar line -3.0; starting off the beat and crossing the bar's middle strong
    beat -1.0 (syncopation stays possible, just rarer).
cadence (the last note of a phrase; replaces nothing, adds)
    shorter than a quarter -3.0, quarter -0.5, dotted quarter +1.0, half and dotted half
    +2.0, whole +1.5, and ending on a bar line +1.0 more: phrase ends are long notes.
rests
    their own prior: 8th and quarter 0; 16th, dotted 8th, dotted quarter, half -1.5; dotted
    half -2.5; whole -3.0; else -4.0. A rest is never longer than the silence still allowed
    (one bar in a row, see ``sampler``): that cap is hard, not weighted.

A duration that ends exactly at a phrase end counted in bars gets ``PHRASE_END_BONUS`` (+3) at
the cadence, one that runs past it ``-PHRASE_END_BONUS``; the sampler adds those (they depend on
the phrase, not only on the bar).
"""

from __future__ import annotations

import numpy as np
from musicai.live.encoding.grid import QUANTUM
from musicai.live.theory.meter import BEAT, DOWNBEAT, OFFBEAT, STRONG, level_at, strong_beats

NOTE, CADENCE, REST = range(3)

PRIOR = {60: -4.0, 80: -4.5, 120: -1.8, 160: -3.5, 180: -3.0, 240: 0.0, 320: -4.0, 360: -1.5,
         480: 0.0, 640: -4.5, 720: -1.0, 960: -1.2, 1440: -2.5, 1920: -3.0, 2880: -5.0,
         3840: -6.0}
REST_PRIOR = {120: -1.5, 240: 0.0, 360: -1.5, 480: 0.0, 720: -1.5, 960: -1.5, 1440: -2.5,
              1920: -3.0}
CADENCE_SHIFT = {480: -0.5, 720: 1.0, 960: 2.0, 1440: 2.0, 1920: 1.5}
CADENCE_SHORT = -3.0  # cadence notes shorter than a quarter
CADENCE_ON_BAR_LINE = 1.0
OTHER_PRIOR = -3.0
OTHER_REST_PRIOR = -4.0
LANDING = {DOWNBEAT: 0.8, STRONG: 0.6, BEAT: 0.5, OFFBEAT: 0.0}
LANDING_16TH = -1.0
LANDING_FINER = -2.0
CROSS_BAR = -3.0
CROSS_MIDDLE = -1.0
PHRASE_END_BONUS = 3.0


def _landing(end: int, beats: int, beat: int) -> float:
    level = level_at(end % (beats * beat), beats, beat)
    if level in LANDING:
        return LANDING[level]
    return LANDING_16TH if end % max(QUANTUM, beat // 4) == 0 else LANDING_FINER


def _crossing(start: int, end: int, beats: int, beat: int) -> float:
    bar = beats * beat
    if end > bar:
        return CROSS_BAR
    middle = [b * beat for b in strong_beats(beats) if b]
    off_beat = start % beat != 0
    if off_beat and any(start < m < end for m in middle):
        return CROSS_MIDDLE
    return 0.0


def _kind_bias(kind: int, start: int, d: int, beats: int, beat: int) -> float:
    end = start + d
    prior = REST_PRIOR.get(d, OTHER_REST_PRIOR) if kind == REST else PRIOR.get(d, OTHER_PRIOR)
    bias = prior + _landing(end, beats, beat) + _crossing(start, end, beats, beat)
    if kind == CADENCE:
        bias += CADENCE_SHIFT.get(d, CADENCE_SHORT if d < 480 else 0.0)
        bias += CADENCE_ON_BAR_LINE if end % (beats * beat) == 0 else 0.0
    return bias


def duration_bias(durations: tuple[int, ...], beats: int, beat: int,
                  weight: float) -> np.ndarray:
    """Bias table, shape (3 kinds, bar positions in QUANTUM steps, durations)."""
    starts = range(0, beats * beat, QUANTUM)
    table = np.array([[[_kind_bias(kind, s, d, beats, beat) for d in durations]
                       for s in starts] for kind in (NOTE, CADENCE, REST)])
    return weight * table
