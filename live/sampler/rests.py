"""Rests: how likely the next event is silence.

The rest is decided before the pitch, from its own probability, so the pitch rules (which
reshape the notes) cannot starve or flood it:

    p = max(model's rest probability with ``rest_bias`` added to its log-odds,
            ``breath`` right after a cadence, else ``rest_rate``)

The model's rest probability is the softmax of its raw pitch logits at id 0 (no model, or
flat logits: about 0, so the floors rule: 4% rests, 30% after a cadence by default). Hard
rules win over all of that: no rest on a cadence note, at most ``max_rests_in_row`` rests in a
row, never more than one bar of silence in a row (rests are also cut to fit that bar, see
``rhythm``), and ``rest_bias = -inf`` means no rests at all. So a melody never goes silent for
a phrase, whatever the model wants.
"""

from __future__ import annotations

import math

import numpy as np
from musicai.live.sampler.settings import SamplerSettings
from musicai.live.sampler.state import SamplerState


def rest_allowed(settings: SamplerSettings, state: SamplerState, cadence: bool,
                 bar_ticks: int, shortest: int) -> bool:
    """Whether the hard rules leave room for a rest now."""
    return not (cadence or settings.rest_bias == -math.inf
                or state.rests_in_row >= settings.max_rests_in_row
                or state.rest_ticks + shortest > bar_ticks)


def model_rest_log_odds(logits: np.ndarray | None) -> float:
    """log(p_rest / p_note) under the model's own softmax (-inf without a model)."""
    if logits is None:
        return -math.inf
    notes = logits[1:]
    top = float(notes.max())
    if not math.isfinite(top):
        return -math.inf
    return float(logits[0]) - top - math.log(float(np.exp(notes - top).sum()))


def rest_probability(logits: np.ndarray | None, settings: SamplerSettings,
                     state: SamplerState) -> float:
    """The probability of a rest when the hard rules allow one."""
    odds = model_rest_log_odds(logits) + settings.rest_bias
    model = 1.0 / (1.0 + math.exp(-odds)) if odds > -700 else 0.0  # NaN -> 0 too
    return max(model, settings.breath if state.after_cadence else settings.rest_rate)
