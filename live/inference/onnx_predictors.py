"""Predictors backed by an exported model file (onnxruntime only; never TensorFlow).

``StepPredictor`` runs the stream model one event at a time and carries its LSTM states:
``predict`` computes the next event's logits *and* the states after it, and ``commit`` adopts
those states when the event sounded over the harmony predicted for, so each note costs one
step. A note the player
played, or a harmony that changed after ``predict``, costs one more step.

``WindowPredictor`` runs the seed model over a ring buffer of the last ``window`` frames.
Until that many events have been played the buffer is padded with start-of-melody frames
(``bos`` ids, no harmony), which the model never saw in training; the sampler's key and
contour shaping carries those first notes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from musicai.live.encoding import NoteEvent, Vocabulary
from musicai.live.errors import ModelFileError
from musicai.live.inference.model_file import ModelFile, open_model
from musicai.live.inference.predictor import Predictor, TheoryOnlyPredictor

_HARMONY_BITS = np.arange(12, dtype=np.uint16)


def _harmony_bits(mask: int, out: np.ndarray) -> None:
    out[...] = (np.uint16(mask) >> _HARMONY_BITS) & 1


def _tokens(vocab: Vocabulary, event: NoteEvent) -> tuple[int, int]:
    """Ids of an event as the model's input; notes outside the model's range become rests."""
    pitch = event.pitch
    if pitch is not None and not vocab.in_range(pitch):
        pitch = None
    return vocab.pitch_id(pitch), vocab.duration_id(event.duration)


def _output_name(model: ModelFile, head: str) -> tuple[str, bool]:
    """The output for a head, and whether it is probabilities (then logs are taken)."""
    names = [t.name for t in model.metadata.outputs]
    for suffix, probs in (("logits", False), ("probs", True)):
        if f"{head}_{suffix}" in names:
            return f"{head}_{suffix}", probs
    raise ModelFileError(model.path, f"has no {head} output (outputs: {', '.join(names)}); "
                                     f"re-export it with musicai-export")


class StepPredictor:
    """One onnxruntime step per event, through IOBinding.

    Inputs are bound once by pointer and rewritten in place; the LSTM states ping-pong between
    two preallocated buffer sets (``predict`` reads set ``current`` and writes the other), so a
    step allocates nothing and converts nothing; ``commit`` just flips ``current``.
    """

    def __init__(self, model: ModelFile) -> None:
        self.model = model
        self.vocab = model.metadata.vocabulary
        self.name = model.path.stem
        self.session = model.session
        pitch_out, _ = _output_name(model, "pitch")
        duration_out, _ = _output_name(model, "duration")
        meta = model.metadata
        self._feed: dict[str, np.ndarray] = {
            "prev_pitch": np.zeros((1, 1), np.int32),
            "prev_duration": np.zeros((1, 1), np.int32),
            "harmony": np.zeros((1, 1, 12), np.float32),
            "instrument": np.zeros((1, 1), np.int32),
        }
        self._pitch = np.zeros((1, 1, self.vocab.n_pitches), np.float32)
        self._duration = np.zeros((1, 1, self.vocab.n_durations), np.float32)
        self._sets = [model.initial_states(1) for _ in range(2)]
        pairs = [(s.h_in, s.h_out) for s in meta.states] + [(s.c_in, s.c_out) for s in meta.states]
        self._bindings = []
        for k in range(2):
            binding = self.session.io_binding()
            for name, value in (*self._feed.items(), *self._sets[k].items()):
                binding.bind_cpu_input(name, value)
            outputs = [(out, self._sets[1 - k][state]) for state, out in pairs]
            outputs += [(pitch_out, self._pitch), (duration_out, self._duration)]
            for name, buffer in outputs:
                binding.bind_output(name, "cpu", 0, np.float32, list(buffer.shape),
                                    buffer.ctypes.data)
            self._bindings.append(binding)
        self.reset()
        self.predict(0)  # warm up: the first run allocates and plans

    def reset(self) -> None:
        for states in self._sets:
            for value in states.values():
                value.fill(0.0)
        self._current = 0
        self._last = (self.vocab.bos_id, self.vocab.duration_bos_id)
        self._pending: tuple[int, int] | None = None

    def _step(self, harmony: int, instrument: int) -> None:
        """Run one event from the current states into the other set."""
        feed = self._feed
        feed["prev_pitch"][0, 0], feed["prev_duration"][0, 0] = self._last
        _harmony_bits(harmony, feed["harmony"][0, 0])
        feed["instrument"][0, 0] = instrument
        self.session.run_with_iobinding(self._bindings[self._current])

    def predict(self, harmony: int, instrument: int = 0) -> tuple[np.ndarray, np.ndarray]:
        self._step(harmony, instrument)
        self._pending = (harmony, instrument)
        return self._pitch.reshape(-1).copy(), self._duration.reshape(-1).copy()

    def commit(self, event: NoteEvent) -> None:
        if self._pending != (event.harmony, event.instrument):
            self._step(event.harmony, event.instrument)
        self._current ^= 1
        self._last = _tokens(self.vocab, event)
        self._pending = None


class WindowPredictor:
    def __init__(self, model: ModelFile) -> None:
        self.model = model
        self.vocab = model.metadata.vocabulary
        self.name = model.path.stem
        self.session = model.session
        self.window = int(model.metadata.window or 0)
        if self.window < 1:
            raise ModelFileError(model.path, "a window model without a window length; "
                                             "re-export it")
        self._pitch_out, self._pitch_probs = _output_name(model, "pitch")
        self._duration_out, self._duration_probs = _output_name(model, "duration")
        w = self.window
        def frames() -> dict[str, np.ndarray]:
            return {
                "prev_pitch": np.zeros((1, w), np.int32),
                "prev_duration": np.zeros((1, w), np.int32),
                "harmony": np.zeros((1, w, 12), np.float32),
                "instrument": np.zeros((1, w), np.int32),
            }
        self._history = frames()  # the last ``window`` committed frames, oldest first
        self._query = frames()  # history[1:] + the frame being predicted
        self.reset()
        self.predict(0)

    def reset(self) -> None:
        h = self._history
        h["prev_pitch"][:] = self.vocab.bos_id
        h["prev_duration"][:] = self.vocab.duration_bos_id
        h["harmony"][:] = 0.0
        h["instrument"][:] = 0
        self._last = (self.vocab.bos_id, self.vocab.duration_bos_id)

    def _next_frame(self, target: dict[str, np.ndarray], harmony: int, instrument: int) -> None:
        """Write history[1:] and then the next event's frame into ``target``."""
        for key, array in self._history.items():
            target[key][0, :-1] = array[0, 1:]
        target["prev_pitch"][0, -1], target["prev_duration"][0, -1] = self._last
        _harmony_bits(harmony, target["harmony"][0, -1])
        target["instrument"][0, -1] = instrument

    def predict(self, harmony: int, instrument: int = 0) -> tuple[np.ndarray, np.ndarray]:
        self._next_frame(self._query, harmony, instrument)
        pitch, duration = self.session.run([self._pitch_out, self._duration_out], self._query)
        return self._logits(pitch, self._pitch_probs), self._logits(duration, self._duration_probs)

    @staticmethod
    def _logits(values: np.ndarray, probabilities: bool) -> np.ndarray:
        values = values.reshape(-1)
        return np.log(np.maximum(values, 1e-12)) if probabilities else values

    def commit(self, event: NoteEvent) -> None:
        self._next_frame(self._history, event.harmony, event.instrument)
        self._last = _tokens(self.vocab, event)


def load_predictor(path: str | Path | None, threads: int = 1) -> Predictor:
    """The predictor a model file asks for; ``None`` or ``"none"`` for theory-only mode."""
    if path is None or str(path).lower() == "none":
        return TheoryOnlyPredictor()
    model = open_model(path, threads=threads)
    if model.metadata.is_step:
        return StepPredictor(model)
    return WindowPredictor(model)
