"""Predictors: what turns the melody so far into logits for the next event.

Every predictor answers the same two calls, so the engine never knows which one it has:

* ``predict(harmony, instrument)`` -> (pitch logits, duration logits) for the next event, given
  the harmony it will sound over; it does not change the predictor's state and may be called
  again (say after a key change) before the event is chosen;
* ``commit(event)`` appends the chosen event, or a note the player played, to the history.

``TheoryOnlyPredictor`` is the rule-based mode (``--model none``): flat logits, so the theory
sampler alone decides. The ONNX predictors live in ``live/inference/onnx_predictors.py``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from musicai.live.encoding import NoteEvent, Vocabulary


class Predictor(Protocol):
    name: str
    vocab: Vocabulary

    def predict(self, harmony: int, instrument: int = 0) -> tuple[np.ndarray, np.ndarray]: ...

    def commit(self, event: NoteEvent) -> None: ...

    def reset(self) -> None: ...


class TheoryOnlyPredictor:
    """Flat logits: every pitch and duration equally likely before the sampler shapes them."""

    name = "theory-only"

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or Vocabulary()
        self._pitch = np.zeros(self.vocab.n_pitches, dtype=np.float32)
        self._duration = np.zeros(self.vocab.n_durations, dtype=np.float32)
        self._pitch.setflags(write=False)
        self._duration.setflags(write=False)

    def predict(self, harmony: int, instrument: int = 0) -> tuple[np.ndarray, np.ndarray]:
        return self._pitch, self._duration

    def commit(self, event: NoteEvent) -> None:
        return None

    def reset(self) -> None:
        return None
