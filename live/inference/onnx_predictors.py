"""Predictors backed by an exported model file (onnxruntime only; never TensorFlow).

``StepPredictor`` runs the stream model one event at a time and carries its LSTM states:
``predict`` computes the next event's logits *and* the states after it, and ``commit`` adopts
those states when the event sounded over the harmony predicted for, so each note costs one
step. A note the player
played, or a harmony that changed after ``predict``, costs one more step.

Models of encoding v2 also read where the event falls in the bar and what sounded one and
two bars before it (``live/encoding/context.py``): both predictors keep a ``BarContext`` fed by
``commit`` and asked by ``predict``, with onsets from the engine (or, without them, each event
right after the last). ``style`` picks the source collection the model imitates, from the next
event on. A v1 model file (no such inputs) is fed exactly as before.

``WindowPredictor`` runs the seed model over a ring buffer of the last ``window`` frames.
Until that many events have been played the buffer is padded with start-of-melody frames
(``bos`` ids, no harmony), which the model never saw in training; the sampler's key and
contour shaping carries those first notes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from musicai.live.encoding import NoteEvent, Vocabulary
from musicai.live.encoding.context import BarContext
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


class _Context:
    """The v2 inputs of one predictor: bar context and style (absent for a v1 model)."""

    def __init__(self, model: ModelFile) -> None:
        vocab = model.metadata.vocabulary
        names = {t.name for t in model.metadata.inputs}
        self.vocab = vocab
        self.bar = BarContext(vocab.bos_id) if "position" in names else None
        self.style = 0

    @property
    def styles(self) -> tuple[str, ...]:
        return self.vocab.styles if self.bar is not None else ()

    def set_style(self, name: str) -> None:
        if not self.styles:
            raise ValueError("this model has no styles (it was trained before encoding 2)")
        if name not in self.styles:
            raise ValueError(f"no style {name!r}; this model knows {', '.join(self.styles)}")
        self.style = self.styles.index(name)

    def write(self, feed: dict[str, np.ndarray], onset: int | None) -> int:
        """Write the bar context of an event at ``onset`` into the last frame of ``feed``;
        the onset used (-1 without a context)."""
        bar = self.bar
        if bar is None:
            return -1
        at = bar.next_onset if onset is None else onset
        position, level, back_1, back_2, rep_1, rep_2 = bar.frame(at)
        feed["position"][0, -1] = position
        feed["level"][0, -1] = level
        feed["lookback_1"][0, -1] = back_1
        feed["lookback_2"][0, -1] = back_2
        feed["repeating"][0, -1, 0] = rep_1
        feed["repeating"][0, -1, 1] = rep_2
        feed["style"][0, -1] = self.style
        return at

    def commit(self, pitch_id: int, duration: int, onset: int | None) -> None:
        if self.bar is not None:
            self.bar.commit(pitch_id, duration, onset)

    def reset(self) -> None:
        if self.bar is not None:
            self.bar.reset()


def _frames(model: ModelFile, length: int) -> dict[str, np.ndarray]:
    """Zeroed input buffers of ``length`` positions for every input the graph declares."""
    out = {}
    for spec in model.metadata.inputs:
        dtype = np.int32 if spec.dtype == "int32" else np.float32
        extra = tuple(int(d) for d in spec.shape[2:])
        out[spec.name] = np.zeros((1, length, *extra), dtype)
    return out


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
        self.context = _Context(model)
        self._feed: dict[str, np.ndarray] = _frames(model, 1)
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
        self._pending: tuple[int, int, int, int] | None = None
        self.context.reset()

    @property
    def styles(self) -> tuple[str, ...]:
        return self.context.styles

    def set_style(self, name: str) -> None:
        self.context.set_style(name)

    def _step(self, harmony: int, instrument: int, onset: int | None) -> tuple[int, int, int,
                                                                               int]:
        """Run one event from the current states into the other set; what it was run for."""
        feed = self._feed
        feed["prev_pitch"][0, 0], feed["prev_duration"][0, 0] = self._last
        _harmony_bits(harmony, feed["harmony"][0, 0])
        feed["instrument"][0, 0] = instrument
        at = self.context.write(feed, onset)
        self.session.run_with_iobinding(self._bindings[self._current])
        return harmony, instrument, at, self.context.style

    def predict(self, harmony: int, instrument: int = 0,
                onset: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        self._pending = self._step(harmony, instrument, onset)
        return self._pitch.reshape(-1).copy(), self._duration.reshape(-1).copy()

    def commit(self, event: NoteEvent, onset: int | None = None) -> None:
        bar = self.context.bar
        at = -1 if bar is None else (bar.next_onset if onset is None else onset)
        if self._pending != (event.harmony, event.instrument, at, self.context.style):
            self._step(event.harmony, event.instrument, onset)
        self._current ^= 1
        self._last = _tokens(self.vocab, event)
        self.context.commit(self._last[0], event.duration, onset)
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
        self.context = _Context(model)
        self._history = _frames(model, self.window)  # the last committed frames, oldest first
        self._query = _frames(model, self.window)  # history[1:] + the frame being predicted
        self.reset()
        self.predict(0)

    def reset(self) -> None:
        for array in self._history.values():
            array.fill(0)
        h = self._history
        h["prev_pitch"][:] = self.vocab.bos_id
        h["prev_duration"][:] = self.vocab.duration_bos_id
        if "lookback_1" in h:  # padding frames: nothing sounded before
            h["lookback_1"][:] = h["lookback_2"][:] = self.vocab.bos_id
        self._last = (self.vocab.bos_id, self.vocab.duration_bos_id)
        self.context.reset()

    @property
    def styles(self) -> tuple[str, ...]:
        return self.context.styles

    def set_style(self, name: str) -> None:
        self.context.set_style(name)

    def _next_frame(self, target: dict[str, np.ndarray], harmony: int, instrument: int,
                    onset: int | None) -> None:
        """Write history[1:] and then the next event's frame into ``target``."""
        for key, array in self._history.items():
            target[key][0, :-1] = array[0, 1:]
        target["prev_pitch"][0, -1], target["prev_duration"][0, -1] = self._last
        _harmony_bits(harmony, target["harmony"][0, -1])
        target["instrument"][0, -1] = instrument
        self.context.write(target, onset)

    def predict(self, harmony: int, instrument: int = 0,
                onset: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        self._next_frame(self._query, harmony, instrument, onset)
        pitch, duration = self.session.run([self._pitch_out, self._duration_out], self._query)
        return self._logits(pitch, self._pitch_probs), self._logits(duration, self._duration_probs)

    @staticmethod
    def _logits(values: np.ndarray, probabilities: bool) -> np.ndarray:
        values = values.reshape(-1)
        return np.log(np.maximum(values, 1e-12)) if probabilities else values

    def commit(self, event: NoteEvent, onset: int | None = None) -> None:
        self._next_frame(self._history, event.harmony, event.instrument, onset)
        self._last = _tokens(self.vocab, event)
        self.context.commit(self._last[0], event.duration, onset)


def load_predictor(path: str | Path | None, threads: int = 1) -> Predictor:
    """The predictor a model file asks for; ``None`` or ``"none"`` for theory-only mode."""
    if path is None or str(path).lower() == "none":
        return TheoryOnlyPredictor()
    model = open_model(path, threads=threads)
    if model.metadata.is_step:
        return StepPredictor(model)
    return WindowPredictor(model)
