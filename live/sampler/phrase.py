"""Phrase structure: where a note sits in its phrase, and the curves read from that place.

Counting. By default a phrase is ``phrase_length`` notes (rests do not count): slots
0..L-1, the last note (slot L-1) is the cadence. With ``phrase_bars`` > 0 (or a ``form``: 4
bars) a phrase is that many bars from tick 0 and its slots are beats; the cadence is the first
note that starts in the phrase's last bar. Progress p runs 0 -> 1 across the slots.

Temperature (the "adaptive temperature", before the base ``temperature`` multiplies it):

    T(p) = 1 + swing * (0.4 * sin(pi * p) - 0.2)       cadence note: 1 - 0.4 * swing

so with swing 1 a phrase starts at 0.8 (a clear opening), warms to 1.2 in the middle
(variety), and the cadence plays at 0.6 (it should resolve, not wander). Swing 0 is flat.

Direction (the sign of the contour bias, -1 falling .. +1 rising): "up" +1, "down" -1, "none"
0, and "auto" an arch, rising in the first half and falling in the second:

    d(p) = clip(1.5 * cos(pi * p), -1, 1)
"""

from __future__ import annotations

import math

import numpy as np
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.state import SamplerState

SWING_MIDDLE = 0.4  # how much warmer the middle of a phrase is than its ends, per unit swing
SWING_OFFSET = 0.2  # ... and how much cooler the start is than 1.0
CADENCE_COOLING = 0.4  # the cadence note plays at 1 - this * swing
AUTO_ARCH_GAIN = 1.5
FIXED_DIRECTIONS = {"up": 1.0, "down": -1.0, "none": 0.0}


def n_slots(settings: SamplerSettings) -> int:
    """Slots per phrase: notes, or beats when phrases are counted in bars."""
    if settings.bars_in_phrase:
        return settings.bars_in_phrase * settings.beats_per_bar
    return settings.phrase_length


def progress(settings: SamplerSettings) -> np.ndarray:
    """p for every slot, 0 at the first and 1 at the last."""
    return np.linspace(0.0, 1.0, n_slots(settings))


def temperature_curve(settings: SamplerSettings) -> np.ndarray:
    """Effective temperature per slot (cadence excluded: see ``cadence_temperature``)."""
    shape = SWING_MIDDLE * np.sin(math.pi * progress(settings)) - SWING_OFFSET
    return settings.temperature * (1.0 + settings.temperature_swing * shape)


def cadence_temperature(settings: SamplerSettings) -> float:
    return settings.temperature * max(0.1, 1.0 - CADENCE_COOLING * settings.temperature_swing)


def direction_curve(settings: SamplerSettings) -> np.ndarray:
    """Direction per slot, -1..1."""
    p = progress(settings)
    if settings.direction == "auto":
        return np.clip(AUTO_ARCH_GAIN * np.cos(math.pi * p), -1.0, 1.0)
    return np.full(p.shape, FIXED_DIRECTIONS[settings.direction])


def locate(settings: SamplerSettings, state: SamplerState, onset: int) -> tuple[int, bool]:
    """(slot, is_cadence) of a note starting at ``onset``."""
    if not settings.bars_in_phrase:
        slot = min(state.phrase_pos, settings.phrase_length - 1)
        return slot, slot == settings.phrase_length - 1
    bar_ticks = settings.bar_ticks
    phrase_ticks = settings.bars_in_phrase * bar_ticks
    within = onset % phrase_ticks
    slot = within // settings.beat_ticks
    cadence = within >= phrase_ticks - bar_ticks and state.cadence_phrase != onset // phrase_ticks
    return slot, cadence


def starts_phrase(settings: SamplerSettings, state: SamplerState, onset: int) -> bool:
    """Whether a note at ``onset`` is the first of its phrase (``@phrase`` lands there)."""
    if not settings.bars_in_phrase:
        return state.phrase_pos == 0
    return onset // (settings.bars_in_phrase * settings.bar_ticks) != state.last_phrase


def advance(settings: SamplerSettings, state: SamplerState, onset: int, is_note: bool,
            cadence: bool) -> None:
    """Move the phrase position past one event."""
    if is_note:
        state.phrase_pos = (min(state.phrase_pos, settings.phrase_length - 1) + 1) % (
            settings.phrase_length)
        if settings.bars_in_phrase:
            phrase_index = onset // (settings.bars_in_phrase * settings.bar_ticks)
            state.last_phrase = phrase_index
            if cadence:
                state.cadence_phrase = phrase_index
    state.after_cadence = cadence and is_note
