"""The pitch biases that depend only on the settings: key, register, chords, cadences.

All are log-probability terms over MIDI pitches (the sampler lays them over vocabulary ids).

Key (strictness s, not scaled by temperature): in-key pitches 0, the others
``STRICTNESS_POWER * log(1 - s)``, i.e. their probability is multiplied by (1 - s) ** 3:
s = 0 leaves the model alone, 0.5 keeps 1/8 of an out-of-key note's weight, 0.8 keeps 1/125,
and s = 1 removes out-of-key notes entirely (-inf). Chord tones outside the scale (V/V, the
blues' thirds) are out of key like any other note.

Register (not scaled by temperature): a pitch d semitones past ``register_low`` or
``register_high`` costs ``0.5 d + 0.25 d**2`` (1 semitone: 0.75, 2: 2.0, 4: 6.0) and more than
``WALL_HARD`` (12) semitones past is never played; the vocabulary range is a hard limit too.

Chord tones of the chord under the note (scaled by temperature), by beat level:
downbeat +1.2, strong beat +1.0, beat +0.5, offbeat +0.2, finer +0.1: on beats 1 and 3 of
4/4 a chord tone is about 3 times likelier than an equally placed non-chord tone, off the
beat 1.2 times.

Cadence targets (scaled by temperature): a full cadence gives ``CADENCE_GAIN`` (+4) to the
tonic when the chord under it contains the tonic, otherwise to the chord's tones that belong
to the tonic triad (over V in C: G), otherwise to the chord's root; a half cadence gives
``HALF_CADENCE_GAIN`` (+3) to every chord tone.
"""

from __future__ import annotations

import math

import numpy as np
from musicai.live.theory.chords import Chord
from musicai.live.theory.keys import Key

STRICTNESS_POWER = 3.0
WALL_LINEAR = 0.5
WALL_QUADRATIC = 0.25
WALL_HARD = 12
CHORD_TONE_GAIN = (1.2, 1.0, 0.5, 0.2, 0.1)
CADENCE_GAIN = 4.0
HALF_CADENCE_GAIN = 3.0


def pitch_class_member(pitches: np.ndarray, mask: int) -> np.ndarray:
    """Whether each MIDI pitch's class is in a 12-bit mask."""
    return ((mask >> (pitches % 12)) & 1).astype(bool)


def key_penalty(pitches: np.ndarray, key: Key, strictness: float) -> np.ndarray:
    """0 for in-key pitches, the strictness penalty for the others."""
    out = -math.inf if strictness >= 1.0 else STRICTNESS_POWER * math.log1p(-strictness)
    return np.where(pitch_class_member(pitches, key.mask), 0.0, out)


def register_penalty(pitches: np.ndarray, low: int, high: int) -> np.ndarray:
    """Soft walls past low/high, -inf beyond ``WALL_HARD`` semitones."""
    past = np.maximum(low - pitches, 0) + np.maximum(pitches - high, 0)
    soft = -(WALL_LINEAR * past + WALL_QUADRATIC * past**2)
    return np.where(past > WALL_HARD, -math.inf, soft)


def chord_tone_bonus(pitches: np.ndarray, chord: Chord) -> np.ndarray:
    """Bonus per beat level (rows) and pitch (columns)."""
    tones = pitch_class_member(pitches, chord.mask)
    return np.asarray(CHORD_TONE_GAIN)[:, None] * tones[None, :]


def cadence_targets(pitches: np.ndarray, key: Key, chord: Chord) -> np.ndarray:
    """Bonus of a full cadence over ``chord`` (see the module docstring)."""
    tonic_bit = 1 << key.tonic
    triad = (1 << key.tonic) | (1 << key.degree(3)) | (1 << key.degree(5))
    if chord.mask & tonic_bit:
        target = tonic_bit
    elif chord.mask & triad:
        target = chord.mask & triad
    else:
        target = 1 << chord.root
    return CADENCE_GAIN * pitch_class_member(pitches, target)


def half_cadence_targets(pitches: np.ndarray, chord: Chord) -> np.ndarray:
    """Bonus of a half cadence: any chord tone."""
    return HALF_CADENCE_GAIN * pitch_class_member(pitches, chord.mask)
