"""Music theory for the live engine: pure functions and frozen values, no state.

- Note names <-> pitch classes (``notes``): "C", "F#", "Bb", "D♭"; 0 = C, as in the
  12-bit harmony masks (bit 0 = C).
- Modes and keys (``keys``): major, minor (aeolian), harmonic minor, melodic minor,
  dorian, phrygian, lydian, mixolydian, locrian, major pentatonic, minor pentatonic, blues.
  ``Key.parse("F# dorian")``; scale, mask, circle-of-fifths neighbours (mode kept).
- Chords and Roman-numeral progressions (``chords``): "I-V-vi-IV", "ii7-V7-Imaj7",
  "bVII", "V/V"; defaults per mode; chord -> pitch classes and mask.
- Key estimation (``estimate``): Krumhansl–Schmuckler, weighted by duration.

Every bad name raises ``TheoryError`` (a ``ValueError``) with one line saying what is accepted.
This module only gathers the public names; each submodule documents its rules.
"""

from __future__ import annotations

from musicai.live.errors import TheoryError
from musicai.live.theory.chords import (
    DEFAULT_PROGRESSIONS,
    Chord,
    Numeral,
    chord_mask,
    default_progression,
    parse_numeral,
    parse_progression,
    progression_chords,
)
from musicai.live.theory.estimate import (
    KeyEstimate,
    estimate_from_histogram,
    estimate_key,
    estimate_key_of_events,
    pitch_class_histogram,
)
from musicai.live.theory.keys import (
    MINOR_LIKE,
    MODES,
    Key,
    circle_of_fifths,
    mode_name,
    parse_key,
    scale_pitch_classes,
)
from musicai.live.theory.notes import (
    FLAT_NAMES,
    SHARP_NAMES,
    mask_of,
    midi_name,
    note_name,
    pitch_class,
    pitch_classes_of,
)

__all__ = [
    "DEFAULT_PROGRESSIONS",
    "FLAT_NAMES",
    "MINOR_LIKE",
    "MODES",
    "SHARP_NAMES",
    "Chord",
    "Key",
    "KeyEstimate",
    "Numeral",
    "TheoryError",
    "chord_mask",
    "circle_of_fifths",
    "default_progression",
    "estimate_from_histogram",
    "estimate_key",
    "estimate_key_of_events",
    "mask_of",
    "midi_name",
    "mode_name",
    "note_name",
    "parse_key",
    "parse_numeral",
    "parse_progression",
    "pitch_class",
    "pitch_class_histogram",
    "pitch_classes_of",
    "progression_chords",
    "scale_pitch_classes",
]
