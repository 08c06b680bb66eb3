"""Velocity: how hard each note is played.

    velocity = base + accent * ACCENTS[beat level] + height + cadence + humanise * jitter

ACCENTS by beat level (``meter``): downbeat +14, strong beat +8, beat +3, offbeat -3, finer
-6. Height: up to +-``HEIGHT`` (8) in proportion to the note's place between the register's
middle and its walls (higher notes a bit louder, as a singer or a wind player would). The
cadence note is ``CADENCE_SOFTER`` (10) softer: phrases end gently. Jitter is triangular in
-1..1 (standard deviation 0.41) from the sampler's seeded generator, so humanise 3 spreads
velocities by about +-1.2. The result is rounded and kept in 1..127; rests report velocity 0.
"""

from __future__ import annotations

import numpy as np

ACCENTS = (14.0, 8.0, 3.0, -3.0, -6.0)
HEIGHT = 8.0
CADENCE_SOFTER = 10.0


def level_velocities(base: int, accent: float) -> np.ndarray:
    """Base plus accent, per beat level."""
    return base + accent * np.asarray(ACCENTS)


def height_velocities(pitches: np.ndarray, low: int, high: int) -> np.ndarray:
    """Extra velocity per pitch from its height in the register."""
    half = max(1.0, (high - low) / 2.0)
    return np.clip(HEIGHT * (pitches - (low + high) / 2.0) / half, -HEIGHT, HEIGHT)


def velocity(level_part: float, height_part: float, cadence: bool, humanise: float,
             jitter: float) -> int:
    """Combine the parts into a MIDI velocity 1..127."""
    value = level_part + height_part + humanise * jitter - (CADENCE_SOFTER if cadence else 0.0)
    return min(127, max(1, round(value)))
