"""Predictors: what turns the melody so far into logits for the next event.

Every predictor answers the same two calls, so the engine never knows which one it has:

* ``predict(harmony, instrument)`` -> (pitch logits, duration logits) for the next event, given
  the harmony it will sound over; it does not change the predictor's state and may be called
  again (say after a key change) before the event is chosen;
* ``commit(event)`` appends the chosen event, or a note the player played, to the history.

Both take the event's onset (ticks from the start of the take) when the caller knows it; a
model that reads the bar (encoding v2) needs it where events are not back to back (a jam).
``set_style`` picks the collection a v2 model imitates (``styles`` lists them; none for the
others).

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

    @property
    def styles(self) -> tuple[str, ...]: ...

    def set_style(self, name: str) -> None: ...

    def predict(self, harmony: int, instrument: int = 0,
                onset: int | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def commit(self, event: NoteEvent, onset: int | None = None) -> None: ...

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

    styles: tuple[str, ...] = ()

    def set_style(self, name: str) -> None:
        raise ValueError("the theory-only mode has no styles; load a model trained with them")

    def predict(self, harmony: int, instrument: int = 0,
                onset: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._pitch, self._duration

    def commit(self, event: NoteEvent, onset: int | None = None) -> None:
        return None

    def reset(self) -> None:
        return None
